package io.jmamba.bench.scaling.series;

import io.jmamba.runtime.api.FloatArray;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.stream.LongStream;

/**
 * Deterministic benchmark inputs. Timing must not depend on the data (but NaNs and denormals would
 * slow some devices), so a block of seeded random values is tiled over the array: filling a
 * billion-element input stays a memory copy rather than a billion random draws.
 */
public final class Inputs {
    private static final int BLOCK = 1 << 16;

    private Inputs() {
    }

    /** Uniform values in [-1, 1). */
    public static void fill(FloatArray a, long seed) {
        fill(a, seed, -1f, 1f);
    }

    /** Uniform values in [lo, hi). */
    public static void fill(FloatArray a, long seed, float lo, float hi) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] block = new float[(int) Math.min(BLOCK, a.getSize())];
        for (int i = 0; i < block.length; i++) {
            block[i] = (float) (lo + r.nextDouble() * (hi - lo));
        }
        MemorySegment dst = a.getSegment();
        long blocks = (a.getSize() + block.length - 1) / block.length;
        // a 1M-token input is gigabytes: fill it on every core
        LongStream.range(0, blocks).parallel().forEach(k -> {
            long at = k * block.length;
            int n = (int) Math.min(block.length, a.getSize() - at);
            MemorySegment.copy(block, 0, dst, ValueLayout.JAVA_FLOAT, at * Float.BYTES, n);
        });
    }
}
