package io.jmamba.kernels.support;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.IntArray;

import java.util.Random;

/** Seeded argument arrays for {@link GuardedLaunch} cases: uniform floats, packed bf16 weights, zeros. */
public final class GuardArgs {
    private GuardArgs() {
    }

    /** n floats uniform in [-1, 1) from {@code seed}. */
    public static FloatArray floats(long seed, long n) {
        Random r = new Random(seed);
        FloatArray a = new FloatArray(n);
        for (long i = 0; i < n; i++) {
            a.set(i, r.nextFloat() * 2f - 1f);
        }
        return a;
    }

    /** n floats uniform in [lo, hi) from {@code seed}. */
    public static FloatArray floats(long seed, long n, float lo, float hi) {
        Random r = new Random(seed);
        FloatArray a = new FloatArray(n);
        for (long i = 0; i < n; i++) {
            a.set(i, lo + r.nextFloat() * (hi - lo));
        }
        return a;
    }

    /**
     * {@code n} (even) bf16 values uniform in [-1, 1) packed two per float, element 2k in the low half: the layout
     * of LinearBf16.packedView that the packed GEMVs read.
     */
    public static FloatArray packedBf16(long seed, long n) {
        Random r = new Random(seed);
        FloatArray a = new FloatArray(n / 2);
        for (long i = 0; i < n / 2; i++) {
            int even = Float.floatToRawIntBits(r.nextFloat() * 2f - 1f) >>> 16;
            int odd = Float.floatToRawIntBits(r.nextFloat() * 2f - 1f) >>> 16;
            a.set(i, Float.intBitsToFloat(odd << 16 | even));
        }
        return a;
    }

    /** n ints uniform in [0, bound) from {@code seed}. */
    public static IntArray ints(long seed, long n, int bound) {
        Random r = new Random(seed);
        IntArray a = new IntArray(n);
        for (long i = 0; i < n; i++) {
            a.set(i, r.nextInt(bound));
        }
        return a;
    }
}
