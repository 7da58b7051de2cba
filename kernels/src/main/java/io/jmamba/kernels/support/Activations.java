package io.jmamba.kernels.support;

import io.jmamba.runtime.api.KernelMath;

/**
 * Scalar activations as static helpers that kernels call; the JIT turns them into device functions.
 */
public final class Activations {
    private Activations() {
    }

    /** log(1 + e^x); above 20 it returns x, as mamba_ssm does (the difference is below 3e-9). */
    public static float softplus(float x) {
        return x > 20f ? x : KernelMath.log1p(KernelMath.exp(x));
    }

    /** x * sigmoid(x). */
    public static float silu(float x) {
        return x / (1f + KernelMath.exp(-x));
    }
}
