package io.jmamba.bench.scaling.series;

import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.LongStream;

/**
 * Deterministic benchmark inputs. Timing must not depend on the data (but NaNs and denormals would
 * slow some devices), so a block of seeded random values is tiled over the array: filling a
 * billion-element input stays a memory copy rather than a billion random draws.
 *
 * <p>Long inputs are views of a shared pool per value range ({@link #shared}): a 1M-token sweep
 * point then costs no host allocation or filling, only the copy to the device, and the shorter
 * points of a sweep reuse the same memory. Kernels only read their inputs, so views may alias.
 */
public final class Inputs {
    private static final int BLOCK = 1 << 16;
    private static final Map<String, MemorySegment> POOLS = new HashMap<>();
    private static final Map<String, MemorySegment> BF16_POOLS = new HashMap<>();

    private Inputs() {
    }

    /** Uniform values in [-1, 1). */
    public static void fill(FloatArray a, long seed) {
        fill(a, seed, -1f, 1f);
    }

    /** Uniform values in [lo, hi). */
    public static void fill(FloatArray a, long seed, float lo, float hi) {
        fill(a.getSegment(), a.getSize(), seed, lo, hi);
    }

    /**
     * A read-only input of {@code n} floats uniform in [lo, hi): a view of the pool for that range,
     * grown (and filled, on every core) when it is too short. Never write into it.
     */
    public static synchronized FloatArray shared(long n, float lo, float hi) {
        String key = lo + ".." + hi;
        MemorySegment pool = POOLS.get(key);
        if (pool == null || pool.byteSize() < n * Float.BYTES) {
            POOLS.remove(key); // let the smaller pool go before the larger one is made
            pool = Arena.ofAuto().allocate(Math.max(1, n) * Float.BYTES, 64);
            fill(pool, n, 0x5eed, lo, hi);
            POOLS.put(key, pool);
        }
        return FloatArray.fromSegment(pool.asSlice(0, n * Float.BYTES));
    }

    /**
     * A read-only bf16 input of {@code n} values uniform in [lo, hi) (each rounded to bf16): a view of
     * the bf16 pool for that range, as {@link #shared} for fp32. Never write into it.
     */
    public static synchronized BFloat16Array sharedBf16(long n, float lo, float hi) {
        String key = lo + ".." + hi;
        MemorySegment pool = BF16_POOLS.get(key);
        if (pool == null || pool.byteSize() < n * 2) {
            BF16_POOLS.remove(key);
            pool = Arena.ofAuto().allocate(Math.max(1, n) * 2, 64);
            fillBf16(pool, n, 0x5eed, lo, hi);
            BF16_POOLS.put(key, pool);
        }
        return BFloat16Array.fromSegment(pool.asSlice(0, n * 2));
    }

    private static void fillBf16(MemorySegment dst, long size, long seed, float lo, float hi) {
        SplittableRandom r = new SplittableRandom(seed);
        short[] block = new short[(int) Math.min(BLOCK, Math.max(1, size))];
        for (int i = 0; i < block.length; i++) {
            block[i] = BFloat16Array.fromFloat((float) (lo + r.nextDouble() * (hi - lo)));
        }
        long blocks = (size + block.length - 1) / block.length;
        LongStream.range(0, blocks).parallel().forEach(k -> {
            long at = k * block.length;
            int n = (int) Math.min(block.length, size - at);
            MemorySegment.copy(block, 0, dst, ValueLayout.JAVA_SHORT, at * 2, n);
        });
    }

    private static void fill(MemorySegment dst, long size, long seed, float lo, float hi) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] block = new float[(int) Math.min(BLOCK, Math.max(1, size))];
        for (int i = 0; i < block.length; i++) {
            block[i] = (float) (lo + r.nextDouble() * (hi - lo));
        }
        long blocks = (size + block.length - 1) / block.length;
        // a 1M-token input is gigabytes: fill it on every core
        LongStream.range(0, blocks).parallel().forEach(k -> {
            long at = k * block.length;
            int n = (int) Math.min(block.length, size - at);
            MemorySegment.copy(block, 0, dst, ValueLayout.JAVA_FLOAT, at * Float.BYTES, n);
        });
    }
}
