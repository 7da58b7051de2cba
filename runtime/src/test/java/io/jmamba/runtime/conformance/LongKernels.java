package io.jmamba.runtime.conformance;

import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.LongArray;
import io.jmamba.runtime.api.Parallel;

import java.util.List;

/** long arithmetic: wrapping, 6-bit shift masks, division at the limits, mixing with int. */
public final class LongKernels {
    static final int N = 80;

    private LongKernels() {
    }

    public static void longAddSubMul(LongArray a, LongArray b, LongArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            long x = a.get(i);
            long y = b.get(i);
            out.set(4 * i, x + y);
            out.set(4 * i + 1, x - y);
            out.set(4 * i + 2, x * y);
            out.set(4 * i + 3, -x);
        }
    }

    public static void longDivRem(LongArray a, LongArray b, LongArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            long x = a.get(i);
            long y = b.get(i);
            long d = y == 0 ? 1 : y;
            out.set(2 * i, x / d);
            out.set(2 * i + 1, x % d);
        }
    }

    /** The shift distance is an int masked to 6 bits. */
    public static void longShifts(LongArray a, IntArray s, LongArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            long x = a.get(i);
            int d = s.get(i);
            out.set(3 * i, x << d);
            out.set(3 * i + 1, x >> d);
            out.set(3 * i + 2, x >>> d);
        }
    }

    public static void longBitsAndCompares(LongArray a, LongArray b, LongArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            long x = a.get(i);
            long y = b.get(i);
            long m = 0;
            if (x < y) m |= 1;
            if (x <= y) m |= 2;
            if (x > y) m |= 4;
            if (x >= y) m |= 8;
            if (x == y) m |= 16;
            if (x != y) m |= 32;
            out.set(3 * i, m);
            out.set(3 * i + 1, (x & y) ^ (x | ~y));
            out.set(3 * i + 2, Math.max(x, y) - Math.min(x, y) + Math.abs(x));
        }
    }

    /** int * int overflows before widening; (long) int * int does not. */
    public static void intLongMix(IntArray a, IntArray b, LongArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            int x = a.get(i);
            int y = b.get(i);
            out.set(4 * i, x * y);
            out.set(4 * i + 1, (long) x * y);
            out.set(4 * i + 2, (long) (x + y) << 32 | (y & 0xffffffffL));
            out.set(4 * i + 3, (int) ((long) x * 0x1_0000_0001L));
        }
    }

    /** FNV-1a style 64-bit hash of a row. */
    public static void longHashRows(LongArray a, LongArray out, int rows, int width) {
        for (@Parallel int r = 0; r < rows; r++) {
            long h = 0xcbf29ce484222325L;
            for (int k = 0; k < width; k++) {
                h ^= a.get(r * width + k);
                h *= 0x100000001b3L;
                h += h >>> 29;
            }
            out.set(r, h);
        }
    }

    static LongArray trickyDivisors(int n, long seed) {
        LongArray b = Inputs.edgeLongs(n, seed);
        long[] special = {-1, -1, 1, -1, 7, -7};
        for (int i = 0; i < special.length; i++) {
            b.set(i + 5, special[i]);
        }
        return b;
    }

    static List<ConformanceCase> cases() {
        return List.of(
                ConformanceCase.of(LongKernels.class, "longAddSubMul",
                        () -> new Object[] {Inputs.edgeLongs(N, 21), Inputs.edgeLongs(N, 22), new LongArray(4 * N), N}),
                ConformanceCase.of(LongKernels.class, "longDivRem",
                        () -> new Object[] {Inputs.edgeLongs(N, 23), trickyDivisors(N, 24), new LongArray(2 * N), N}),
                ConformanceCase.of(LongKernels.class, "longShifts",
                        () -> new Object[] {Inputs.edgeLongs(N, 25), Inputs.ints(N, 26, -130, 130), new LongArray(3 * N), N}),
                ConformanceCase.of(LongKernels.class, "longBitsAndCompares",
                        () -> new Object[] {Inputs.edgeLongs(N, 27), Inputs.edgeLongs(N, 28), new LongArray(3 * N), N}),
                ConformanceCase.of(LongKernels.class, "intLongMix",
                        () -> new Object[] {Inputs.edgeInts(N, 29), Inputs.edgeInts(N, 30), new LongArray(4 * N), N}),
                ConformanceCase.of(LongKernels.class, "longHashRows",
                        () -> new Object[] {Inputs.edgeLongs(9 * 21, 31), new LongArray(9), 9, 21}));
    }
}
