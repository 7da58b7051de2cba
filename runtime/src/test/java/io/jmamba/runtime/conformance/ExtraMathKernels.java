package io.jmamba.runtime.conformance;

import io.jmamba.runtime.api.DoubleArray;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.LongArray;
import io.jmamba.runtime.api.Parallel;

import java.util.List;

/**
 * The rest of java.lang.Math the JIT maps (tan, asin, acos, atan, sinh, cosh, cbrt, log10, atan2,
 * hypot, round, signum, rint), StrictMath, and static final fields that javac does not inline. As in
 * {@link MathKernels}: each tolerance is the OpenCL C spec's double-precision bound for the function
 * plus Java's (1 ulp; 2.5 for sinh and cosh); round, signum and rint are exact.
 */
public final class ExtraMathKernels {
    static final int N = 96;
    /** Not a compile-time constant: javac emits a getstatic, the JIT bakes the value in. */
    static final int SCALE = Integer.getInteger("jmamba.conformance.scale", 3);
    static final double OFFSET = Math.sqrt(2.0);
    static final long MASK = Long.getLong("jmamba.conformance.mask", 0xff00ff00ff00L);

    private ExtraMathKernels() {
    }

    public static void asinAcos(DoubleArray a, DoubleArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            double x = a.get(i);
            out.set(2 * i, Math.asin(x));
            out.set(2 * i + 1, Math.acos(x));
        }
    }

    public static void tanAtan(DoubleArray a, DoubleArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            double x = a.get(i);
            out.set(2 * i, Math.tan(x));
            out.set(2 * i + 1, Math.atan(x * 3));
        }
    }

    public static void sinhCosh(DoubleArray a, DoubleArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            double x = a.get(i);
            out.set(2 * i, Math.sinh(x));
            out.set(2 * i + 1, Math.cosh(x));
        }
    }

    public static void cbrtLog10(DoubleArray a, DoubleArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            double x = a.get(i);
            out.set(2 * i, Math.cbrt(x * 1000));
            out.set(2 * i + 1, Math.log10(Math.abs(x) + 0.01));
        }
    }

    public static void atan2Hypot(DoubleArray a, DoubleArray b, DoubleArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            double x = a.get(i);
            double y = b.get(i);
            out.set(2 * i, Math.atan2(y, x));
            out.set(2 * i + 1, Math.hypot(x, y));
        }
    }

    /** round is floor(x + 0.5) with saturation and NaN to 0; rint rounds half to even; signum keeps signed zeros. */
    public static void roundSignumRint(FloatArray f, DoubleArray d, IntArray iout, LongArray lout, FloatArray fout, DoubleArray dout, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            float x = f.get(i);
            double y = d.get(i);
            iout.set(i, Math.round(x));
            lout.set(i, Math.round(y));
            fout.set(i, Math.signum(x));
            dout.set(2 * i, Math.signum(y));
            dout.set(2 * i + 1, Math.rint(y));
        }
    }

    public static void strictMath(DoubleArray a, DoubleArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            double x = a.get(i);
            out.set(3 * i, StrictMath.sqrt(Math.abs(x)));
            out.set(3 * i + 1, StrictMath.abs(x) + StrictMath.floor(x));
            out.set(3 * i + 2, StrictMath.max(x, -x) * StrictMath.fma(x, 0.5, 1.0));
        }
    }

    public static void staticFinalFields(IntArray a, LongArray lout, DoubleArray dout, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            int v = a.get(i);
            lout.set(i, (v * SCALE) & MASK);
            dout.set(i, v * OFFSET);
        }
    }

    /** Halves (ties), rounding limits and the special values round, rint and signum must get right. */
    static FloatArray roundingFloats() {
        FloatArray f = Inputs.edgeFloats(N, 241);
        float[] ties = {0.5f, -0.5f, 1.5f, -1.5f, 2.5f, -2.5f, 0.49999997f, -0.49999997f, 8388609f, 2.1474836E9f};
        for (int i = 0; i < ties.length; i++) {
            f.set(N - 1 - i, ties[i]);
        }
        return f;
    }

    static List<ConformanceCase> cases() {
        return List.of(
                ConformanceCase.of(ExtraMathKernels.class, "asinAcos",
                        () -> new Object[] {Inputs.doubles(N, 231, -1, 1), new DoubleArray(2 * N), N})
                        .withTolerance(Tolerance.ulps(5, "OpenCL double asin/acos: 4 ulp, plus Java's 1 ulp")),
                ConformanceCase.of(ExtraMathKernels.class, "tanAtan",
                        () -> new Object[] {Inputs.doubles(N, 232, -1.5, 1.5), new DoubleArray(2 * N), N})
                        .withTolerance(Tolerance.ulps(6, "OpenCL double tan/atan: 5 ulp, plus Java's 1 ulp")),
                ConformanceCase.of(ExtraMathKernels.class, "sinhCosh",
                        () -> new Object[] {Inputs.doubles(N, 233, -20, 20), new DoubleArray(2 * N), N})
                        .withTolerance(Tolerance.ulps(7, "OpenCL double sinh/cosh: 4 ulp, plus Java's 2.5 ulp")),
                ConformanceCase.of(ExtraMathKernels.class, "cbrtLog10",
                        () -> new Object[] {Inputs.doubles(N, 234, -50, 50), new DoubleArray(2 * N), N})
                        .withTolerance(Tolerance.ulps(4, "OpenCL double cbrt: 2 ulp, log10: 3 ulp, plus Java's 1 ulp")),
                ConformanceCase.of(ExtraMathKernels.class, "atan2Hypot",
                        () -> new Object[] {Inputs.doubles(N, 235, -50, 50), Inputs.doubles(N, 236, -50, 50), new DoubleArray(2 * N), N})
                        .withTolerance(Tolerance.ulps(7, "OpenCL double atan2: 6 ulp (hypot 4), plus Java's 1 ulp")),
                ConformanceCase.of(ExtraMathKernels.class, "roundSignumRint",
                        () -> new Object[] {roundingFloats(), Inputs.edgeDoubles(N, 237), new IntArray(N), new LongArray(N),
                                new FloatArray(N), new DoubleArray(2 * N), N}),
                ConformanceCase.of(ExtraMathKernels.class, "strictMath",
                        () -> new Object[] {Inputs.edgeDoubles(N, 238), new DoubleArray(3 * N), N}),
                ConformanceCase.of(ExtraMathKernels.class, "staticFinalFields",
                        () -> new Object[] {Inputs.edgeInts(N, 239), new LongArray(N), new DoubleArray(N), N}));
    }
}
