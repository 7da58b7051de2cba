package io.jmamba.runtime.conformance;

import io.jmamba.runtime.api.DoubleArray;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.KernelMath;
import io.jmamba.runtime.api.Parallel;

import java.util.List;

/**
 * float and double arithmetic and compares. Everything here is exactly specified by Java (IEEE 754
 * round-to-nearest for + - * / sqrt fma and %, NaN-aware compares, signed zeros), so every case is
 * compared bit-exactly: a difference means the device code contracted, reassociated, flushed or
 * approximated something Java does not allow.
 */
public final class FloatKernels {
    static final int N = 96;

    private FloatKernels() {
    }

    public static void floatArith(FloatArray a, FloatArray b, FloatArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            float x = a.get(i);
            float y = b.get(i);
            out.set(5 * i, x + y);
            out.set(5 * i + 1, x - y);
            out.set(5 * i + 2, x * y);
            out.set(5 * i + 3, x / y);
            out.set(5 * i + 4, -x);
        }
    }

    public static void doubleArith(DoubleArray a, DoubleArray b, DoubleArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            double x = a.get(i);
            double y = b.get(i);
            out.set(5 * i, x + y);
            out.set(5 * i + 1, x - y);
            out.set(5 * i + 2, x * y);
            out.set(5 * i + 3, x / y);
            out.set(5 * i + 4, -x);
        }
    }

    /** Every compare against NaN is false except !=; javac's fcmpl/fcmpg choice must survive translation. */
    public static void floatCompares(FloatArray a, FloatArray b, IntArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            float x = a.get(i);
            float y = b.get(i);
            int m = 0;
            if (x < y) m |= 1;
            if (x <= y) m |= 2;
            if (x > y) m |= 4;
            if (x >= y) m |= 8;
            if (x == y) m |= 16;
            if (x != y) m |= 32;
            if (!(x < y)) m |= 64;
            if (!(x >= y)) m |= 128;
            m |= (x > 0f ? 256 : 0) | (x != x ? 512 : 0);
            out.set(i, m);
        }
    }

    public static void doubleCompares(DoubleArray a, DoubleArray b, IntArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            double x = a.get(i);
            double y = b.get(i);
            int m = 0;
            if (x < y) m |= 1;
            if (x <= y) m |= 2;
            if (x > y) m |= 4;
            if (x >= y) m |= 8;
            if (x == y) m |= 16;
            if (x != y) m |= 32;
            if (!(x <= y)) m |= 64;
            if (!(x > y)) m |= 128;
            out.set(i, m);
        }
    }

    /** Math.min/max propagate NaN and order -0.0 below +0.0 (C's fmin/fmax do neither). */
    public static void minMaxAbs(FloatArray a, FloatArray b, FloatArray out, DoubleArray dout, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            float x = a.get(i);
            float y = b.get(i);
            out.set(4 * i, Math.min(x, y));
            out.set(4 * i + 1, Math.max(x, y));
            out.set(4 * i + 2, Math.abs(x));
            out.set(4 * i + 3, KernelMath.max(KernelMath.min(x, y), KernelMath.abs(y)));
            dout.set(2 * i, Math.min((double) x, (double) y));
            dout.set(2 * i + 1, Math.max((double) y, (double) x));
        }
    }

    /** sqrt is correctly rounded in Java, float via the double routine and in KernelMath. */
    public static void sqrtExact(FloatArray a, FloatArray out, DoubleArray dout, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            float x = a.get(i);
            out.set(2 * i, (float) Math.sqrt(x));
            out.set(2 * i + 1, KernelMath.sqrt(x));
            dout.set(i, Math.sqrt((double) x * 3.0));
        }
    }

    /** fma rounds once; a*b+c written out rounds twice and must not be contracted into an fma. */
    public static void fmaAndNoContraction(FloatArray a, FloatArray b, FloatArray c, FloatArray out, DoubleArray dout, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            float x = a.get(i);
            float y = b.get(i);
            float z = c.get(i);
            out.set(3 * i, Math.fma(x, y, z));
            out.set(3 * i + 1, x * y + z);
            out.set(3 * i + 2, KernelMath.fma(x, y, z) - (x * y - z));
            double dx = x * 1.0000001;
            dout.set(2 * i, Math.fma(dx, dx, -dx * dx));
            dout.set(2 * i + 1, dx * dx - dx * dx * 1.0);
        }
    }

    /** % on floats is C's fmod (truncating), exact. */
    public static void floatRemainder(FloatArray a, FloatArray b, FloatArray out, DoubleArray dout, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            float x = a.get(i);
            float y = b.get(i);
            out.set(i, x % y);
            dout.set(i, (double) x % (double) y);
        }
    }

    /** Signed zeros: -x, 0 - x, x * 0 and x + (-0.0) keep or lose the sign exactly as Java says. */
    public static void signedZeros(FloatArray a, FloatArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            float x = a.get(i);
            out.set(4 * i, -x);
            out.set(4 * i + 1, 0f - x);
            out.set(4 * i + 2, x * 0f);
            out.set(4 * i + 3, x + -0f);
        }
    }

    /** Operands built so that rounding a*b before adding c matters. */
    static FloatArray nearOne(int n, long seed) {
        FloatArray f = Inputs.floats(n, seed, 0.999, 1.001);
        for (int i = 0; i < n; i += 3) {
            f.set(i, 1f + Math.ulp(1f) * i);
        }
        return f;
    }

    static FloatArray minusNearOne(int n, long seed) {
        FloatArray f = nearOne(n, seed);
        for (int i = 0; i < n; i++) {
            f.set(i, -f.get(i));
        }
        return f;
    }

    static List<ConformanceCase> cases() {
        return List.of(
                ConformanceCase.of(FloatKernels.class, "floatArith",
                        () -> new Object[] {Inputs.edgeFloats(N, 41), Inputs.edgeFloats(N, 42), new FloatArray(5 * N), N}),
                ConformanceCase.of(FloatKernels.class, "doubleArith",
                        () -> new Object[] {Inputs.edgeDoubles(N, 43), Inputs.edgeDoubles(N, 44), new DoubleArray(5 * N), N}),
                ConformanceCase.of(FloatKernels.class, "floatCompares",
                        () -> new Object[] {Inputs.edgeFloats(N, 45), Inputs.edgeFloats(N, 46), new IntArray(N), N}),
                ConformanceCase.of(FloatKernels.class, "doubleCompares",
                        () -> new Object[] {Inputs.edgeDoubles(N, 47), Inputs.edgeDoubles(N, 48), new IntArray(N), N}),
                ConformanceCase.of(FloatKernels.class, "minMaxAbs",
                        () -> new Object[] {Inputs.edgeFloats(N, 49), shifted(Inputs.edgeFloats(N, 50)), new FloatArray(4 * N), new DoubleArray(2 * N), N}),
                ConformanceCase.of(FloatKernels.class, "sqrtExact",
                        () -> new Object[] {Inputs.floats(N, 51, 0, 1e6), new FloatArray(2 * N), new DoubleArray(N), N}),
                ConformanceCase.of(FloatKernels.class, "fmaAndNoContraction",
                        () -> new Object[] {nearOne(N, 52), nearOne(N, 53), minusNearOne(N, 54), new FloatArray(3 * N), new DoubleArray(2 * N), N}),
                ConformanceCase.of(FloatKernels.class, "floatRemainder",
                        () -> new Object[] {Inputs.edgeFloats(N, 55), Inputs.floats(N, 56, -7, 7), new FloatArray(N), new DoubleArray(N), N}),
                ConformanceCase.of(FloatKernels.class, "signedZeros",
                        () -> new Object[] {Inputs.edgeFloats(N, 57), new FloatArray(4 * N), N}));
    }

    /** The edge values again, shifted by one so that -0.0 meets +0.0 and NaN meets numbers. */
    private static FloatArray shifted(FloatArray f) {
        FloatArray g = new FloatArray(f.getSize());
        for (int i = 0; i < f.getSize(); i++) {
            g.set(i, f.get((i + 1) % (int) f.getSize()));
        }
        return g;
    }
}
