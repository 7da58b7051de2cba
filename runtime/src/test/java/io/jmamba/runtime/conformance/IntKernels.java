package io.jmamba.runtime.conformance;

import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.Parallel;

import java.util.List;

/** int arithmetic with Java's wrapping overflow, masked shifts and truncating division. */
public final class IntKernels {
    static final int N = 96;

    private IntKernels() {
    }

    public static void addSubMul(IntArray a, IntArray b, IntArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            int x = a.get(i);
            int y = b.get(i);
            out.set(4 * i, x + y);
            out.set(4 * i + 1, x - y);
            out.set(4 * i + 2, x * y);
            out.set(4 * i + 3, -x);
        }
    }

    /** Division truncates toward zero, MIN_VALUE / -1 wraps to MIN_VALUE and MIN_VALUE % -1 is 0 (C: undefined). */
    public static void divRem(IntArray a, IntArray b, IntArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            int x = a.get(i);
            int y = b.get(i);
            int d = y == 0 ? 1 : y;
            out.set(2 * i, x / d);
            out.set(2 * i + 1, x % d);
        }
    }

    /** Constant divisors take another code path in many compilers (multiply-by-reciprocal). */
    public static void divByConstants(IntArray a, IntArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            int x = a.get(i);
            out.set(5 * i, x / -1);
            out.set(5 * i + 1, x % -1);
            out.set(5 * i + 2, x / 7);
            out.set(5 * i + 3, x % 7);
            out.set(5 * i + 4, x / 16 + x % 16);
        }
    }

    /** Shift distances are masked to 5 bits in Java (C: undefined for >= 32 or negative). */
    public static void shifts(IntArray a, IntArray s, IntArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            int x = a.get(i);
            int d = s.get(i);
            out.set(3 * i, x << d);
            out.set(3 * i + 1, x >> d);
            out.set(3 * i + 2, x >>> d);
        }
    }

    public static void bitOps(IntArray a, IntArray b, IntArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            int x = a.get(i);
            int y = b.get(i);
            out.set(4 * i, x & y);
            out.set(4 * i + 1, x | y);
            out.set(4 * i + 2, x ^ y);
            out.set(4 * i + 3, ~x ^ (x >>> 7));
        }
    }

    /** All six comparisons packed into a bit mask, including signedness at the int limits. */
    public static void compares(IntArray a, IntArray b, IntArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            int x = a.get(i);
            int y = b.get(i);
            int m = 0;
            if (x < y) m |= 1;
            if (x <= y) m |= 2;
            if (x > y) m |= 4;
            if (x >= y) m |= 8;
            if (x == y) m |= 16;
            if (x != y) m |= 32;
            if (x < 0) m |= 64;
            if (x == 0) m |= 128;
            out.set(i, m);
        }
    }

    /** A polynomial hash over a row: wraps many times. */
    public static void hashRows(IntArray a, IntArray out, int rows, int width) {
        for (@Parallel int r = 0; r < rows; r++) {
            int h = 17;
            for (int k = 0; k < width; k++) {
                h = 31 * h + a.get(r * width + k);
                h ^= h >>> 13;
                h += 0x7fffffff;
            }
            out.set(r, h);
        }
    }

    /** Math.abs(MIN_VALUE) is MIN_VALUE; min and max are signed. */
    public static void absMinMax(IntArray a, IntArray b, IntArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            int x = a.get(i);
            int y = b.get(i);
            out.set(3 * i, Math.abs(x));
            out.set(3 * i + 1, Math.min(x, y));
            out.set(3 * i + 2, Math.max(x, y));
        }
    }

    /** Compound assignments and increments on locals, ++/-- past the limits. */
    public static void incrementsAndCompound(IntArray a, IntArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            int x = a.get(i);
            int y = x++;
            int z = --x;
            x += 0x40000000;
            x *= 3;
            x -= y;
            x <<= 3;
            x >>= 1;
            x >>>= 2;
            x ^= z;
            x |= 0x10;
            x &= ~0x100;
            out.set(i, x);
        }
    }

    /** Divisors that put MIN_VALUE over -1 and every sign combination over each other. */
    static IntArray tricky(int n, long seed) {
        IntArray b = Inputs.edgeInts(n, seed);
        int[] special = {-1, -1, 1, -1, 7, -7, 3, -3};
        for (int i = 0; i < special.length; i++) {
            b.set(i + 5, special[i]);
        }
        return b;
    }

    static List<ConformanceCase> cases() {
        return List.of(
                ConformanceCase.of(IntKernels.class, "addSubMul",
                        () -> new Object[] {Inputs.edgeInts(N, 1), Inputs.edgeInts(N, 2), new IntArray(4 * N), N}),
                ConformanceCase.of(IntKernels.class, "divRem",
                        () -> new Object[] {Inputs.edgeInts(N, 3), tricky(N, 4), new IntArray(2 * N), N}),
                ConformanceCase.of(IntKernels.class, "divByConstants",
                        () -> new Object[] {Inputs.edgeInts(N, 5), new IntArray(5 * N), N}),
                ConformanceCase.of(IntKernels.class, "shifts",
                        () -> new Object[] {Inputs.edgeInts(N, 6), Inputs.ints(N, 7, -70, 70), new IntArray(3 * N), N}),
                ConformanceCase.of(IntKernels.class, "bitOps",
                        () -> new Object[] {Inputs.edgeInts(N, 8), Inputs.edgeInts(N, 9), new IntArray(4 * N), N}),
                ConformanceCase.of(IntKernels.class, "compares",
                        () -> new Object[] {Inputs.edgeInts(N, 10), Inputs.ints(N, 11, -3, 3), new IntArray(N), N}),
                ConformanceCase.of(IntKernels.class, "hashRows",
                        () -> new Object[] {Inputs.edgeInts(12 * 37, 12), new IntArray(12), 12, 37}),
                ConformanceCase.of(IntKernels.class, "absMinMax",
                        () -> new Object[] {Inputs.edgeInts(N, 13), Inputs.edgeInts(N, 14), new IntArray(3 * N), N}),
                ConformanceCase.of(IntKernels.class, "incrementsAndCompound",
                        () -> new Object[] {Inputs.edgeInts(N, 15), new IntArray(N), N}));
    }
}
