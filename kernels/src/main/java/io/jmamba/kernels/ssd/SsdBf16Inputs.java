package io.jmamba.kernels.ssd;

import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;

/**
 * The tensors of a bf16 SSD call, in the dtypes of mamba_ssm's bf16 path ({@code mamba_chunk_scan_combined}
 * inside a bf16 Mamba-2 layer): the activations x, dt, B, C and the gate z are bf16 (they come out of
 * the bf16 in_proj and conv), while A (-exp(A_log)), D, dt_bias and the initial states are fp32 parameters
 * or state. As in mamba_ssm, every intermediate (dt, dA cumsum, chunk states, C B^T) is fp32, the
 * output has x's dtype (bf16) and the final state is fp32. Shapes as {@link SsdInputs}; D, z, dtBias
 * and initialStates are optional (null).
 */
public record SsdBf16Inputs(BFloat16Array x, BFloat16Array dt, FloatArray A, BFloat16Array B, BFloat16Array C,
                            FloatArray D, BFloat16Array z, FloatArray dtBias, FloatArray initialStates) {

    /** Checks every tensor against {@code cfg}; messages name the tensor and both shapes. */
    public SsdInputs.DMode validate(SsdConfig cfg) {
        return SsdInputs.validate(cfg, x, dt, A, B, C, D, z, dtBias, initialStates);
    }

    /** The same values widened to float (exact), as {@link SsdInputs} for {@link SsdReference} and the fp32 kernels. */
    public SsdInputs widened() {
        return new SsdInputs(widen(x), widen(dt), A, widen(B), widen(C), D, widen(z), dtBias, initialStates);
    }

    private static FloatArray widen(BFloat16Array a) {
        if (a == null) {
            return null;
        }
        FloatArray f = new FloatArray(a.getSize());
        for (long i = 0; i < a.getSize(); i++) {
            f.set(i, a.get(i));
        }
        return f;
    }
}
