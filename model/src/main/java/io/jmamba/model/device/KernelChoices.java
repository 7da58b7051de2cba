package io.jmamba.model.device;

import io.jmamba.kernels.nn.Linear;
import io.jmamba.runtime.backend.ComputeDevice;

import java.util.Objects;

/**
 * Which variant the fast mixers use where there are several: how linear layers are computed, and
 * whether the prefill layout transposes go through local-memory tiles. The defaults are the fast ones
 * for the device; the others stay reachable so that a benchmark can time before against after.
 *
 * @param linear         the path of every linear layer (in_proj, x_proj, dt_proj, out_proj, lm_head)
 * @param tiledTranspose token-major/channel-major moves through {@link io.jmamba.kernels.nn.LayoutKernels#transposeTiled} rather than
 *                       the plain {@link ModelKernels} ones
 */
public record KernelChoices(Linear.Path linear, boolean tiledTranspose) {
    public KernelChoices {
        Objects.requireNonNull(linear, "linear");
    }

    /** JIT GEMV/GEMM and tiled transposes: what every device can run. */
    public static final KernelChoices PORTABLE_DEFAULT = new KernelChoices(Linear.Path.AUTO, true);

    /** cuBLAS for many-row linear layers on CUDA, the JIT kernels elsewhere; tiled transposes. */
    public static KernelChoices defaultFor(ComputeDevice device) {
        return new KernelChoices(Linear.Path.autoFor(device), true);
    }

    public KernelChoices withLinear(Linear.Path path) {
        return new KernelChoices(path, tiledTranspose);
    }

    public KernelChoices withTiledTranspose(boolean tiled) {
        return new KernelChoices(linear, tiled);
    }
}
