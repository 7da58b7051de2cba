package io.jmamba.runtime.conformance;

import io.jmamba.runtime.api.DoubleArray;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.KernelMath;
import io.jmamba.runtime.api.LongArray;
import io.jmamba.runtime.api.Parallel;

import java.util.List;

/**
 * Math and KernelMath intrinsics. Transcendental functions are not correctly rounded on either side:
 * the tolerance of each case is the OpenCL C 1.2 spec's bound for the device function (its table
 * 7.1/7.2; CUDA's bounds are tighter) plus Java's own error (java.lang.Math promises 1 ulp in double,
 * 2.5 for tanh; a float result computed in double and rounded adds at most 1 float ulp). Functions IEEE
 * fixes exactly (floor, ceil, abs, min, max, fma) are compared bit-exactly. Inputs stay inside each
 * function's well-conditioned domain so that the bound is the whole story.
 */
public final class MathKernels {
    static final int N = 128;

    private MathKernels() {
    }

    public static void expLogFloat(FloatArray a, FloatArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            float x = a.get(i);
            out.set(4 * i, KernelMath.exp(x));
            out.set(4 * i + 1, KernelMath.log(Math.abs(x) + 0.5f));
            out.set(4 * i + 2, (float) Math.exp(x * 0.5f));
            out.set(4 * i + 3, (float) Math.log(x * x + 1f));
        }
    }

    /** exp2 directly and in the form kernels use it for exp: exp2(x * log2(e)). */
    public static void exp2Float(FloatArray a, FloatArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            float x = a.get(i);
            out.set(2 * i, KernelMath.exp2(x));
            out.set(2 * i + 1, KernelMath.exp2(x * -1.4426950f));
        }
    }

    /** The flushing exp2, in the normal range and where it flushes (2^-126 and below). */
    public static void exp2ApproxFloat(FloatArray a, FloatArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            float x = a.get(i);
            out.set(2 * i, KernelMath.exp2Approx(x));
            out.set(2 * i + 1, KernelMath.exp2Approx(-130f - Math.abs(x)));
        }
    }

    public static void log1pFloat(FloatArray a, FloatArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            out.set(i, KernelMath.log1p(Math.abs(a.get(i) * 0.1f)));
        }
    }

    public static void expm1Float(FloatArray a, FloatArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            out.set(i, KernelMath.expm1(a.get(i) * 0.1f));
        }
    }

    public static void trigFloat(FloatArray a, FloatArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            float x = a.get(i);
            out.set(2 * i, KernelMath.sin(x));
            out.set(2 * i + 1, (float) Math.cos(x));
        }
    }

    public static void tanhFloat(FloatArray a, FloatArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            out.set(i, KernelMath.tanh(a.get(i)));
        }
    }

    public static void powFloat(FloatArray a, FloatArray b, FloatArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            out.set(2 * i, KernelMath.pow(Math.abs(a.get(i)) + 0.1f, b.get(i)));
            out.set(2 * i + 1, (float) Math.pow(a.get(i), 2.0));
        }
    }

    public static void rsqrtFloat(FloatArray a, FloatArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            out.set(i, KernelMath.rsqrt(Math.abs(a.get(i)) + 1e-3f));
        }
    }

    public static void expLogDouble(DoubleArray a, DoubleArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            double x = a.get(i);
            out.set(2 * i, Math.exp(x));
            out.set(2 * i + 1, Math.log(Math.abs(x) + 0.5));
        }
    }

    public static void exp2Double(DoubleArray a, DoubleArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            out.set(i, KernelMath.exp2(a.get(i)));
        }
    }

    public static void trigDouble(DoubleArray a, DoubleArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            double x = a.get(i);
            out.set(2 * i, Math.sin(x));
            out.set(2 * i + 1, KernelMath.cos(x));
        }
    }

    public static void tanhDouble(DoubleArray a, DoubleArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            out.set(i, Math.tanh(a.get(i)));
        }
    }

    public static void powDouble(DoubleArray a, DoubleArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            out.set(i, Math.pow(Math.abs(a.get(i)) + 0.1, 1.7));
        }
    }

    /** floor, ceil, abs, fma: exact in IEEE 754, exact here. */
    public static void exactRounding(FloatArray a, DoubleArray d, FloatArray out, DoubleArray dout, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            float x = a.get(i);
            double y = d.get(i);
            out.set(3 * i, KernelMath.floor(x));
            out.set(3 * i + 1, KernelMath.ceil(x));
            out.set(3 * i + 2, (float) Math.floor(x) + (float) Math.ceil(-x));
            dout.set(3 * i, Math.floor(y));
            dout.set(3 * i + 1, Math.ceil(y));
            dout.set(3 * i + 2, Math.abs(y) + KernelMath.fma(y, y, -1.0));
        }
    }

    /**
     * Exact functions of compile-time constants (NaN, infinities, signed zeros, halves): a device
     * compiler that folds them must fold them the way it would compute them (ceil(-0.5) is -0.0,
     * floor(NaN) is NaN). exp is exact at these points too (NaN, +inf, 0 for -inf).
     */
    public static void specialConstants(FloatArray out, DoubleArray dout, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            out.set(8 * i, KernelMath.floor(Float.NaN));
            out.set(8 * i + 1, KernelMath.ceil(Float.NaN));
            out.set(8 * i + 2, KernelMath.ceil(-0.5f));
            out.set(8 * i + 3, KernelMath.floor(Float.NEGATIVE_INFINITY));
            out.set(8 * i + 4, (float) Math.sqrt(-1f));
            out.set(8 * i + 5, Math.max(-0f, 0f));
            out.set(8 * i + 6, Math.min(Float.NaN, (float) i));
            out.set(8 * i + 7, Math.abs(-0f) + i);
            dout.set(6 * i, Math.floor(Double.NaN));
            dout.set(6 * i + 1, Math.ceil(Double.NaN));
            dout.set(6 * i + 2, Math.ceil(-0.25));
            dout.set(6 * i + 3, Math.floor(Double.POSITIVE_INFINITY) - Double.POSITIVE_INFINITY);
            dout.set(6 * i + 4, Math.fma(Double.NaN, 0.0, 1.0));
            dout.set(6 * i + 5, Math.max(Double.NaN, (double) i));
            dout.set(6 * n + 3 * i, Math.exp(Double.NaN));
            dout.set(6 * n + 3 * i + 1, Math.exp(Double.NEGATIVE_INFINITY));
            dout.set(6 * n + 3 * i + 2, KernelMath.exp(Float.NaN) + KernelMath.exp(Float.POSITIVE_INFINITY));
        }
    }

    public static void integerMath(IntArray a, LongArray b, LongArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            int x = a.get(i);
            long y = b.get(i);
            out.set(4 * i, Math.abs(y));
            out.set(4 * i + 1, Math.min(y, (long) x));
            out.set(4 * i + 2, Math.max(y, -y));
            out.set(4 * i + 3, Math.abs(x) + Math.min(x, 7) + Math.max(x, -7));
        }
    }

    static List<ConformanceCase> cases() {
        return List.of(
                ConformanceCase.of(MathKernels.class, "expLogFloat",
                        () -> new Object[] {Inputs.floats(N, 151, -20, 20), new FloatArray(4 * N), N})
                        .withTolerance(Tolerance.ulps(4, "OpenCL exp/log: 3 ulp, plus 1 for Java's double result rounded to float")),
                ConformanceCase.of(MathKernels.class, "exp2Float",
                        () -> new Object[] {Inputs.floats(N, 167, -30, 30), new FloatArray(2 * N), N})
                        .withTolerance(Tolerance.ulps(4, "OpenCL exp2: 3 ulp (CUDA exp2f: 2), plus 1 for Java's double result rounded to float")),
                ConformanceCase.of(MathKernels.class, "exp2ApproxFloat",
                        () -> new Object[] {Inputs.floats(N, 168, -100, 100), new FloatArray(2 * N), N})
                        .withTolerance(Tolerance.ulps(4, "CUDA ex2.approx.ftz: 2 ulp, OpenCL exp2: 3 ulp, plus 1 for Java's double result rounded to float")),
                ConformanceCase.of(MathKernels.class, "log1pFloat",
                        () -> new Object[] {Inputs.floats(N, 152, -20, 20), new FloatArray(N), N})
                        .withTolerance(Tolerance.ulps(3, "OpenCL log1p: 2 ulp, plus 1 for Java's rounding to float")),
                ConformanceCase.of(MathKernels.class, "expm1Float",
                        () -> new Object[] {Inputs.floats(N, 163, -20, 20), new FloatArray(N), N})
                        .withTolerance(Tolerance.ulps(4, "OpenCL expm1: 3 ulp, plus 1 for Java's rounding to float")),
                ConformanceCase.of(MathKernels.class, "trigFloat",
                        () -> new Object[] {Inputs.floats(N, 153, -10, 10), new FloatArray(2 * N), N})
                        .withTolerance(Tolerance.ulps(5, "OpenCL sin/cos: 4 ulp, plus 1 for Java's rounding to float")),
                ConformanceCase.of(MathKernels.class, "tanhFloat",
                        () -> new Object[] {Inputs.floats(N, 154, -6, 6), new FloatArray(N), N})
                        .withTolerance(Tolerance.ulps(6, "OpenCL tanh: 5 ulp, plus 1 for Java's rounding to float")),
                ConformanceCase.of(MathKernels.class, "powFloat",
                        () -> new Object[] {Inputs.floats(N, 155, -4, 4), Inputs.floats(N, 156, -3, 3), new FloatArray(2 * N), N})
                        .withTolerance(Tolerance.ulps(17, "OpenCL pow: 16 ulp, plus 1 for Java's rounding to float")),
                ConformanceCase.of(MathKernels.class, "rsqrtFloat",
                        () -> new Object[] {Inputs.floats(N, 157, -1000, 1000), new FloatArray(N), N})
                        .withTolerance(Tolerance.ulps(3, "OpenCL rsqrt: 2 ulp, plus 1 for Java's rounding to float")),
                ConformanceCase.of(MathKernels.class, "expLogDouble",
                        () -> new Object[] {Inputs.doubles(N, 158, -20, 20), new DoubleArray(2 * N), N})
                        .withTolerance(Tolerance.ulps(4, "OpenCL double exp/log: 3 ulp, plus Java's 1 ulp")),
                ConformanceCase.of(MathKernels.class, "exp2Double",
                        () -> new Object[] {Inputs.doubles(N, 168, -60, 60), new DoubleArray(N), N})
                        .withTolerance(Tolerance.ulps(4, "OpenCL double exp2: 3 ulp (CUDA exp2: 1), plus Java's 1 ulp for pow")),
                ConformanceCase.of(MathKernels.class, "trigDouble",
                        () -> new Object[] {Inputs.doubles(N, 164, -20, 20), new DoubleArray(2 * N), N})
                        .withTolerance(Tolerance.ulps(5, "OpenCL double sin/cos: 4 ulp, plus Java's 1 ulp")),
                ConformanceCase.of(MathKernels.class, "tanhDouble",
                        () -> new Object[] {Inputs.doubles(N, 165, -6, 6), new DoubleArray(N), N})
                        .withTolerance(Tolerance.ulps(8, "OpenCL double tanh: 5 ulp, plus Java's 2.5 ulp")),
                ConformanceCase.of(MathKernels.class, "powDouble",
                        () -> new Object[] {Inputs.doubles(N, 166, -20, 20), new DoubleArray(N), N})
                        .withTolerance(Tolerance.ulps(17, "OpenCL double pow: 16 ulp, plus Java's 1 ulp")),
                ConformanceCase.of(MathKernels.class, "exactRounding",
                        () -> new Object[] {Inputs.edgeFloats(N, 159), Inputs.edgeDoubles(N, 160), new FloatArray(3 * N), new DoubleArray(3 * N), N}),
                ConformanceCase.of(MathKernels.class, "specialConstants",
                        () -> new Object[] {new FloatArray(8 * 4), new DoubleArray(9 * 4), 4}),
                ConformanceCase.of(MathKernels.class, "integerMath",
                        () -> new Object[] {Inputs.edgeInts(N, 161), Inputs.edgeLongs(N, 162), new LongArray(4 * N), N}));
    }
}
