package io.jmamba.model.device;

import io.jmamba.kernels.nn.Linear;
import io.jmamba.kernels.ssd.SsdScan;
import io.jmamba.runtime.backend.ComputeDevice;

import java.util.Objects;

/**
 * Which variant the fast mixers use where there are several: how linear layers are computed, whether
 * the prefill layout transposes go through local-memory tiles, in which precision the linear weights
 * are stored, and whether the Mamba-2 decode step runs its fused kernels. The defaults are the fast ones
 * for the device that keep fp32 numerics; the others stay reachable so that a benchmark can time before
 * against after.
 *
 * @param linear         the path of every linear layer (in_proj, x_proj, dt_proj, out_proj, lm_head)
 * @param tiledTranspose token-major/channel-major moves through {@link io.jmamba.kernels.nn.LayoutKernels#transposeTiled} rather than
 *                       the plain {@link ModelKernels} ones
 * @param weights        storage of the in_proj, out_proj and lm_head weights ({@link WeightPrecision})
 * @param fusedDecode    Mamba-2 decode steps (seqlen 1) through the fused kernels of
 *                       {@link io.jmamba.kernels.fused} (fewer launches per layer) rather than one kernel per op
 * @param bf16Activations Mamba-2 prefill (seqlen > 1) keeps x, dt, B, C, z and the SSD output y in bf16 and
 *                       runs the tensor-core SSD ({@link io.jmamba.kernels.ssd.SsdScanBf16}), as mamba_ssm's
 *                       bf16 layer does; false keeps every activation fp32 ({@link io.jmamba.kernels.ssd.SsdScan})
 * @param ssd            the kernels of the fp32 SSD ({@link SsdScan#defaultFor}: tensor cores on CUDA)
 */
public record KernelChoices(Linear.Path linear, boolean tiledTranspose, WeightPrecision weights, boolean fusedDecode,
                            boolean bf16Activations, SsdScan.Variant ssd) {
    public KernelChoices {
        Objects.requireNonNull(linear, "linear");
        Objects.requireNonNull(weights, "weights");
        Objects.requireNonNull(ssd, "ssd");
    }

    /** The portable fp32 SSD kernels ({@link SsdScan#DEFAULT_VARIANT}). */
    public KernelChoices(Linear.Path linear, boolean tiledTranspose, WeightPrecision weights, boolean fusedDecode,
                         boolean bf16Activations) {
        this(linear, tiledTranspose, weights, fusedDecode, bf16Activations, SsdScan.DEFAULT_VARIANT);
    }

    /** fp32 activations. */
    public KernelChoices(Linear.Path linear, boolean tiledTranspose, WeightPrecision weights, boolean fusedDecode) {
        this(linear, tiledTranspose, weights, fusedDecode, false);
    }

    /** fp32 weights, unfused decode. */
    public KernelChoices(Linear.Path linear, boolean tiledTranspose) {
        this(linear, tiledTranspose, WeightPrecision.FP32, false);
    }

    /** JIT GEMV/GEMM and tiled transposes: what every device can run. */
    public static final KernelChoices PORTABLE_DEFAULT = new KernelChoices(Linear.Path.AUTO, true);

    /** cuBLAS for many-row linear layers on CUDA, the JIT kernels elsewhere; tiled transposes; the device's SSD kernels. */
    public static KernelChoices defaultFor(ComputeDevice device) {
        return new KernelChoices(Linear.Path.autoFor(device), true).withSsd(SsdScan.defaultFor(device));
    }

    public KernelChoices withLinear(Linear.Path path) {
        return new KernelChoices(path, tiledTranspose, weights, fusedDecode, bf16Activations, ssd);
    }

    public KernelChoices withTiledTranspose(boolean tiled) {
        return new KernelChoices(linear, tiled, weights, fusedDecode, bf16Activations, ssd);
    }

    public KernelChoices withWeights(WeightPrecision precision) {
        return new KernelChoices(linear, tiledTranspose, precision, fusedDecode, bf16Activations, ssd);
    }

    public KernelChoices withFusedDecode(boolean fused) {
        return new KernelChoices(linear, tiledTranspose, weights, fused, bf16Activations, ssd);
    }

    public KernelChoices withBf16Activations(boolean bf16) {
        return new KernelChoices(linear, tiledTranspose, weights, fusedDecode, bf16, ssd);
    }

    public KernelChoices withSsd(SsdScan.Variant variant) {
        return new KernelChoices(linear, tiledTranspose, weights, fusedDecode, bf16Activations, variant);
    }
}
