package io.jmamba.kernels.scan;

import io.jmamba.runtime.api.KernelMath;

/**
 * The scalar functions of the tiled scan's inner loops, written for few device instructions. They run
 * once per (row, token) in loops whose real work is dstate steps of a few instructions each, so a
 * function of fifty instructions there costs as much as three more instructions per step.
 * {@link io.jmamba.kernels.support.Activations} computes the same functions with the device's precise
 * log1p/exp (about 55 instructions for softplus on sm_90, with branches); these are within about 1e-6
 * relative of them, well inside the scan's 1e-4 tolerance.
 */
final class ScanMath {
    /** log2(e): exp(x) = exp2(x * LOG2E). */
    static final float LOG2E = 1.442695041f;

    // P(t) ~ log1p(t) / t on [0, 1], minimax for relative error (degree 8; 2.0e-7 evaluated in float)
    private static final float P0 = 9.999999404e-01f;
    private static final float P1 = -4.999949336e-01f;
    private static final float P2 = 3.331909478e-01f;
    private static final float P3 = -2.484297752e-01f;
    private static final float P4 = 1.910598874e-01f;
    private static final float P5 = -1.366320699e-01f;
    private static final float P6 = 7.822549343e-02f;
    private static final float P7 = -2.950495668e-02f;
    private static final float P8 = 5.232624244e-03f;

    private ScanMath() {
    }

    /**
     * log(1 + e^x) as {@code max(x, 0) + log1p(t)} with {@code t = e^-|x|} in (0, 1] from one exp2 and
     * {@code log1p(t) = t * P(t)}: one multiply, one exp2, eight fmas, a multiply, a select and an add,
     * without branches. Relative error against the exact value, with the device's exp2 (2 ulp): at most
     * 6.3e-7 for |x| <= 10, 1.1e-6 for |x| <= 20, 1.9e-6 beyond (where the result is x itself, or below
     * 1e-8). Large x gives x, as {@code Activations.softplus} does above 20.
     */
    static float softplus(float x) {
        float t = KernelMath.exp2(Math.abs(x) * -LOG2E);
        return (x > 0f ? x : 0f) + t * log1pOver(t);
    }

    /** P(t) ~ log1p(t) / t for t in (0, 1] (Horner, eight fmas): softplus(x) = max(x, 0) + t P(t), t = e^-|x|. */
    static float log1pOver(float t) {
        float p = KernelMath.fma(P8, t, P7);
        p = KernelMath.fma(p, t, P6);
        p = KernelMath.fma(p, t, P5);
        p = KernelMath.fma(p, t, P4);
        p = KernelMath.fma(p, t, P3);
        p = KernelMath.fma(p, t, P2);
        p = KernelMath.fma(p, t, P1);
        return KernelMath.fma(p, t, P0);
    }

    /**
     * x * sigmoid(x) = x / (1 + e^-x), the exponential as exp2 (no range reduction). Relative error at
     * most about {@code (|x| + 4) * 8e-8}: the roundings of {@code log2(e)} and of {@code x * log2(e)}
     * grow with |x| (at |x| = 40, where silu is 1e-16 or x itself, 3.5e-6).
     */
    static float silu(float x) {
        return x / (1f + KernelMath.exp2(x * -LOG2E));
    }

    /**
     * {@link #softplus} with its exponential as {@link KernelMath#exp2Approx} (one instruction on CUDA
     * instead of about four): the same polynomial, and the same results except where {@code e^-|x|}
     * is below the smallest normal float (|x| above about 87), where it is flushed to zero and the
     * result is {@code max(x, 0)}, wrong by less than 1.2e-38.
     */
    static float softplusApprox(float x) {
        float t = KernelMath.exp2Approx(Math.abs(x) * -LOG2E);
        return (x > 0f ? x : 0f) + t * log1pOver(t);
    }

    /**
     * x * sigmoid(x) without a division: {@code x * rsqrt(s * s)} with {@code s = 1 + e^-x} from
     * {@link KernelMath#exp2Approx}. The CUDA path compiles with IEEE division (about ten instructions
     * and a slow-path branch); this is two special-function instructions and three multiply/adds.
     * Relative error: {@link #silu}'s plus the square's rounding and the device's rsqrt (2 ulp), below
     * about {@code (|x| + 8) * 8e-8}. Where {@code s * s} overflows (x below about -44, where silu is
     * below 1e-17 in magnitude) the result is a zero of x's sign.
     */
    static float siluApprox(float x) {
        float s = 1f + KernelMath.exp2Approx(x * -LOG2E);
        return x * KernelMath.rsqrt(s * s);
    }
}
