package io.jmamba.runtime.api;

/**
 * Math functions a kernel may call, in float and double. The JIT maps each to the device's built-in
 * (OpenCL {@code native}-free precise versions, CUDA's libdevice); on the JVM they run as written.
 * {@code java.lang.Math} works in kernels too; these add what it lacks (rsqrt, float overloads of
 * exp/log/..., sigmoid-style helpers stay in kernels as plain code).
 */
public final class KernelMath {
    private KernelMath() {
    }

    public static float exp(float x) { return (float) Math.exp(x); }
    public static double exp(double x) { return Math.exp(x); }
    /**
     * 2 to the power {@code x}. On the JVM {@code (float) Math.pow(2, x)}; a device maps it to its exp2
     * built-in (CUDA exp2f, 2 ulp; OpenCL exp2, 3 ulp), so device results are within a few ulp, not
     * bit for bit. Cheaper than {@link #exp(float)} on a GPU: {@code exp(x) = exp2(x * log2(e))} with
     * the multiplication folded into a constant saves exp's range reduction in hot loops.
     */
    public static float exp2(float x) { return (float) Math.pow(2.0, x); }
    /**
     * 2 to the power {@code x} with results below the smallest normal float flushed to zero: one
     * special-function instruction on CUDA ({@code ex2.approx.ftz.f32}, about 2 ulp), OpenCL's exp2
     * (3 ulp) with the same flush, {@code (float) Math.pow(2, x)} with the same flush on the JVM. For hot
     * loops where {@link #exp2(float)}'s subnormal handling costs more than the result is worth (decays
     * in a scan, which are multiplied into a state anyway).
     */
    public static float exp2Approx(float x) {
        float r = (float) Math.pow(2.0, x);
        return r < Float.MIN_NORMAL ? 0f : r;
    }
    /** 2 to the power {@code x}: {@code Math.pow(2, x)} on the JVM, the device's exp2 elsewhere (see {@link #exp2(float)}). */
    public static double exp2(double x) { return Math.pow(2.0, x); }
    public static float log(float x) { return (float) Math.log(x); }
    public static double log(double x) { return Math.log(x); }
    public static float log1p(float x) { return (float) Math.log1p(x); }
    public static double log1p(double x) { return Math.log1p(x); }
    public static float expm1(float x) { return (float) Math.expm1(x); }
    public static double expm1(double x) { return Math.expm1(x); }
    public static float sqrt(float x) { return (float) Math.sqrt(x); }
    public static double sqrt(double x) { return Math.sqrt(x); }
    public static float rsqrt(float x) { return (float) (1.0 / Math.sqrt(x)); }
    public static double rsqrt(double x) { return 1.0 / Math.sqrt(x); }
    public static float tanh(float x) { return (float) Math.tanh(x); }
    public static double tanh(double x) { return Math.tanh(x); }
    public static float pow(float x, float y) { return (float) Math.pow(x, y); }
    public static double pow(double x, double y) { return Math.pow(x, y); }
    public static float sin(float x) { return (float) Math.sin(x); }
    public static double sin(double x) { return Math.sin(x); }
    public static float cos(float x) { return (float) Math.cos(x); }
    public static double cos(double x) { return Math.cos(x); }
    public static float floor(float x) { return (float) Math.floor(x); }
    public static float ceil(float x) { return (float) Math.ceil(x); }
    public static float fma(float a, float b, float c) { return Math.fma(a, b, c); }
    public static double fma(double a, double b, double c) { return Math.fma(a, b, c); }
    public static float abs(float x) { return Math.abs(x); }
    public static float min(float a, float b) { return Math.min(a, b); }
    public static float max(float a, float b) { return Math.max(a, b); }

    // ---------------------------------------------------------------- bf16 pairs and tf32 (tensor-core operands)

    /**
     * Two floats rounded to bf16 and packed in one int, {@code lo} in bits 0-15 and {@code hi} in bits
     * 16-31: the register format of {@link KernelContext#mmaBf16Frag}'s operands (the lower column or
     * row index in the low half). Rounding as {@link BFloat16Array#fromFloat}: nearest, ties to even,
     * overflow to infinity, subnormals kept; a NaN stays a NaN (the JVM and OpenCL keep its sign and top
     * payload bits, CUDA gives the canonical NaN). CUDA: one {@code cvt.rn.bf16x2.f32}.
     */
    public static int packBf16x2(float lo, float hi) {
        return (BFloat16Array.fromFloat(lo) & 0xffff) | (BFloat16Array.fromFloat(hi) << 16);
    }

    /** The low bf16 half of a packed pair (bits 0-15), widened to float exactly. */
    public static float bf16x2Lo(int packed) {
        return Float.intBitsToFloat(packed << 16);
    }

    /** The high bf16 half of a packed pair (bits 16-31), widened to float exactly. */
    public static float bf16x2Hi(int packed) {
        return Float.intBitsToFloat(packed & 0xffff0000);
    }

    /**
     * {@code x} rounded to TF32 (10 explicit mantissa bits): to nearest, ties away from zero, as PTX
     * {@code cvt.rna.tf32.f32}; the result is a float whose low 13 mantissa bits are zero, so it is exact
     * as a {@link KernelContext#mmaTf32Frag} operand. Magnitudes that round past the largest finite
     * value become infinity, infinities stay, and a NaN stays a NaN (its low payload bits dropped, the
     * quiet bit set). For 3xTF32 split products: {@code big = roundTf32(x)}, {@code small = roundTf32(x - big)}.
     */
    public static float roundTf32(float x) {
        int u = Float.floatToRawIntBits(x);
        if ((u & 0x7fffffff) > 0x7f800000) {
            return Float.intBitsToFloat((u & 0xffffe000) | 0x00400000);
        }
        if ((u & 0x7fffffff) == 0x7f800000) {
            return x;
        }
        // adding half a tf32 ulp to the magnitude bits and truncating rounds ties away from zero
        return Float.intBitsToFloat((u + 0x1000) & 0xffffe000);
    }
}
