package io.jmamba.model.device;

import java.util.Locale;

/**
 * How the device engine stores the weights of the linear layers (in_proj, out_proj, the lm_head):
 * fp32 as loaded, or bf16 (rounded once at load, nearest-even; products accumulated in fp32, the
 * residual stream and every other weight fp32). A decode step streams every weight once, so bf16 halves
 * its memory traffic; prefill GEMMs run on the tensor cores (cuBLAS bf16 on CUDA).
 */
public enum WeightPrecision {
    FP32, BF16;

    /** {@code fp32} or {@code bf16}, any case. */
    public static WeightPrecision parse(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "fp32", "f32", "float32" -> FP32;
            case "bf16", "bfloat16" -> BF16;
            default -> throw new IllegalArgumentException("weights must be fp32 or bf16, got \"" + name + "\"");
        };
    }
}
