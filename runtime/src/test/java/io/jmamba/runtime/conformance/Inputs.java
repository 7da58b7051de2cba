package io.jmamba.runtime.conformance;

import io.jmamba.runtime.api.ByteArray;
import io.jmamba.runtime.api.DoubleArray;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.LongArray;

import java.util.SplittableRandom;

/**
 * Deterministic test data. The first elements of each "edge" array are the values where Java and C
 * part ways (overflow limits, -1, zero, NaN, infinities, -0.0), the rest are random from a fixed seed,
 * so a failure is reproducible and every kernel meets the hard cases.
 */
public final class Inputs {
    private static final int[] INT_EDGES = {0, 1, -1, 2, -2, Integer.MAX_VALUE, Integer.MIN_VALUE,
            Integer.MAX_VALUE - 1, Integer.MIN_VALUE + 1, 31, 32, 33, 63, 64, -31, -32, 65535, 65536, 0x7fff, -0x8000, 255, 128, -129};
    private static final long[] LONG_EDGES = {0, 1, -1, 2, -2, Long.MAX_VALUE, Long.MIN_VALUE, Long.MAX_VALUE - 1,
            Long.MIN_VALUE + 1, Integer.MAX_VALUE, Integer.MIN_VALUE, 1L << 32, (1L << 32) - 1, 63, 64, 65, -63, -64};
    private static final float[] FLOAT_EDGES = {0f, -0f, 1f, -1f, 0.5f, -0.5f, 1.5f, -1.5f, 2.5f, -2.5f,
            Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MAX_VALUE, -Float.MAX_VALUE,
            Float.MIN_NORMAL, 3e9f, -3e9f, 2147483520f, -2147483648f, 1e20f, -1e20f, 0.1f, 1e-3f};
    private static final double[] DOUBLE_EDGES = {0d, -0d, 1d, -1d, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5,
            Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.MAX_VALUE, -Double.MAX_VALUE,
            Double.MIN_NORMAL, 3e9, -3e9, 9.3e18, -9.3e18, 2147483647.5, -2147483648.5, 0.1, 1e-3};

    private Inputs() {
    }

    /** Edge ints then uniformly random ints. */
    public static IntArray edgeInts(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        IntArray a = new IntArray(n);
        for (int i = 0; i < n; i++) {
            a.set(i, i < INT_EDGES.length ? INT_EDGES[i] : r.nextInt());
        }
        return a;
    }

    /** Random ints in [lo, hi). */
    public static IntArray ints(int n, long seed, int lo, int hi) {
        SplittableRandom r = new SplittableRandom(seed);
        IntArray a = new IntArray(n);
        for (int i = 0; i < n; i++) {
            a.set(i, r.nextInt(lo, hi));
        }
        return a;
    }

    public static LongArray edgeLongs(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        LongArray a = new LongArray(n);
        for (int i = 0; i < n; i++) {
            a.set(i, i < LONG_EDGES.length ? LONG_EDGES[i] : r.nextLong());
        }
        return a;
    }

    /** Edge floats (NaN, infinities, -0, conversion limits) then random floats in [-100, 100). */
    public static FloatArray edgeFloats(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        FloatArray a = new FloatArray(n);
        for (int i = 0; i < n; i++) {
            a.set(i, i < FLOAT_EDGES.length ? FLOAT_EDGES[i] : (float) r.nextDouble(-100, 100));
        }
        return a;
    }

    /** Random floats in [lo, hi): finite, normal, no surprises. */
    public static FloatArray floats(int n, long seed, double lo, double hi) {
        SplittableRandom r = new SplittableRandom(seed);
        FloatArray a = new FloatArray(n);
        for (int i = 0; i < n; i++) {
            a.set(i, (float) r.nextDouble(lo, hi));
        }
        return a;
    }

    public static DoubleArray edgeDoubles(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        DoubleArray a = new DoubleArray(n);
        for (int i = 0; i < n; i++) {
            a.set(i, i < DOUBLE_EDGES.length ? DOUBLE_EDGES[i] : r.nextDouble(-100, 100));
        }
        return a;
    }

    public static DoubleArray doubles(int n, long seed, double lo, double hi) {
        SplittableRandom r = new SplittableRandom(seed);
        DoubleArray a = new DoubleArray(n);
        for (int i = 0; i < n; i++) {
            a.set(i, r.nextDouble(lo, hi));
        }
        return a;
    }

    public static ByteArray bytes(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        ByteArray a = new ByteArray(n);
        for (int i = 0; i < n; i++) {
            a.set(i, (byte) r.nextInt());
        }
        return a;
    }
}
