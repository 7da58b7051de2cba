package io.jmamba.runtime.conformance;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.LongArray;
import io.jmamba.runtime.api.Parallel;

import java.util.List;

/** Static helper methods, which the JIT turns into device functions. */
public final class HelperKernels {
    static final int N = 64;

    private HelperKernels() {
    }

    static int mix(int x, int y) {
        return x * 31 + (y ^ (y >>> 3));
    }

    static long widen(int x, long y) {
        return mix(x, (int) y) + (y << 1);
    }

    static float clamp(float v, float lo, float hi) {
        return v < lo ? lo : v > hi ? hi : v;
    }

    public static void helperReturns(IntArray a, LongArray b, FloatArray f, LongArray out, FloatArray fout, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            out.set(i, widen(a.get(i), b.get(i)));
            fout.set(i, clamp(f.get(i), -1.5f, 2.5f));
        }
    }

    static int level3(int x) {
        return x * x - 1;
    }

    static int level2(int x, int y) {
        return level3(x) + level3(y) * 2;
    }

    static int level1(int x) {
        int s = 0;
        for (int k = 0; k < 3; k++) {
            s += level2(x + k, s);
        }
        return s;
    }

    public static void nestedHelpers(IntArray a, IntArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            out.set(i, level1(a.get(i)));
        }
    }

    static float dot(FloatArray x, FloatArray y, int off, int len) {
        float s = 0f;
        for (int k = 0; k < len; k++) {
            s += x.get(off + k) * y.get(off + k);
        }
        return s;
    }

    static void scaleRow(FloatArray x, int off, int len, float by) {
        for (int k = 0; k < len; k++) {
            x.set(off + k, x.get(off + k) * by);
        }
    }

    /** Helpers that take off-heap arrays, read them and write them. */
    public static void helperTakesArrays(FloatArray x, FloatArray y, FloatArray out, int rows, int width) {
        for (@Parallel int r = 0; r < rows; r++) {
            float d = dot(x, y, r * width, width);
            scaleRow(x, r * width, width, 0.5f);
            out.set(r, d + dot(x, y, r * width, width));
        }
    }

    /** A helper with several returns, one inside a loop. */
    static int firstMultiple(int v, int of) {
        if (of == 0) {
            return -1;
        }
        for (int k = 1; k < 20; k++) {
            if ((v + k) % of == 0) {
                return k;
            }
        }
        return 0;
    }

    public static void helperEarlyReturns(IntArray a, IntArray b, IntArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            out.set(i, firstMultiple(a.get(i), b.get(i)));
        }
    }

    static int twice(int x) {
        return 2 * x;
    }

    static float twice(float x) {
        return 2f * x + 0.25f;
    }

    static long twice(long x) {
        return x << 1 | 1;
    }

    /** Overloaded helpers must become distinct device functions. */
    public static void overloadedHelpers(IntArray a, FloatArray f, LongArray out, FloatArray fout, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            out.set(i, twice(a.get(i)) + twice((long) a.get(i)));
            fout.set(i, twice(f.get(i)));
        }
    }

    static void noResult(IntArray out, int i, int v) {
        if (v < 0) {
            out.set(i, -v);
            return;
        }
        out.set(i, v * 2);
    }

    /** A void helper with an early return that writes the kernel's output. */
    public static void voidHelper(IntArray a, IntArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            noResult(out, i, a.get(i));
        }
    }

    static List<ConformanceCase> cases() {
        return List.of(
                ConformanceCase.of(HelperKernels.class, "helperReturns",
                        () -> new Object[] {Inputs.edgeInts(N, 131), Inputs.edgeLongs(N, 132), Inputs.edgeFloats(N, 133), new LongArray(N), new FloatArray(N), N}),
                ConformanceCase.of(HelperKernels.class, "nestedHelpers",
                        () -> new Object[] {Inputs.edgeInts(N, 134), new IntArray(N), N}),
                ConformanceCase.of(HelperKernels.class, "helperTakesArrays",
                        () -> new Object[] {Inputs.floats(12 * 9, 135, -2, 2), Inputs.floats(12 * 9, 136, -2, 2), new FloatArray(12), 12, 9}),
                ConformanceCase.of(HelperKernels.class, "helperEarlyReturns",
                        () -> new Object[] {Inputs.edgeInts(N, 137), Inputs.ints(N, 138, -5, 40), new IntArray(N), N}),
                ConformanceCase.of(HelperKernels.class, "overloadedHelpers",
                        () -> new Object[] {Inputs.edgeInts(N, 139), Inputs.edgeFloats(N, 140), new LongArray(N), new FloatArray(N), N}),
                ConformanceCase.of(HelperKernels.class, "voidHelper",
                        () -> new Object[] {Inputs.edgeInts(N, 141), new IntArray(N), N}));
    }
}
