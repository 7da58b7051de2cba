package io.jmamba.runtime.conformance;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.HalfFloatArray;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.LongArray;
import io.jmamba.runtime.api.Parallel;

import java.util.List;

/** 64-bit index arithmetic and half-precision storage. */
public final class IndexingKernels {
    static final int N = 200;

    private IndexingKernels() {
    }

    /** Offsets computed in long whose intermediates exceed 2^31 before being reduced into range (a permutation of 0..n-1). */
    public static void longIndexMath(IntArray a, IntArray out, int n, long stride) {
        for (@Parallel int i = 0; i < n; i++) {
            long big = (long) i * stride;
            long idx = big % n;
            long j = (big >>> 20) % n;
            out.set(idx, a.get(j) - i);
            out.set(n + (long) i, (int) (big >>> 32));
        }
    }

    /** A sequential loop over a long induction variable, and a long loop bound from getSize(). */
    public static void longLoopVariable(LongArray a, LongArray out, int rows) {
        long width = a.getSize() / rows;
        for (@Parallel int r = 0; r < rows; r++) {
            long s = 0;
            for (long k = (long) r * width; k < (long) (r + 1) * width; k++) {
                s = s * 7 + a.get(k);
            }
            out.set(r, s);
        }
    }

    /** Half storage: loads widen exactly, stores round to nearest even (overflow to infinity). */
    public static void halfLoadStore(HalfFloatArray h, FloatArray f, HalfFloatArray hout, FloatArray fout, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            float x = h.get(i);
            fout.set(i, x);
            hout.set(i, x * 3.0f + f.get(i));
        }
    }

    /** The same half array read and written by index expressions in long. */
    public static void halfLongIndex(HalfFloatArray h, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            long j = (long) n + i;
            h.set(j, h.get((long) i) * 0.5f - 1f);
        }
    }

    static List<ConformanceCase> cases() {
        return List.of(
                ConformanceCase.of(IndexingKernels.class, "longIndexMath",
                        () -> new Object[] {Inputs.edgeInts(N, 211), new IntArray(2 * N), N, 3_000_000_019L}),
                ConformanceCase.of(IndexingKernels.class, "longLoopVariable",
                        () -> new Object[] {Inputs.edgeLongs(12 * 17, 212), new LongArray(12), 12}),
                ConformanceCase.of(IndexingKernels.class, "halfLoadStore",
                        () -> new Object[] {halves(N, 213), Inputs.edgeFloats(N, 214), new HalfFloatArray(N), new FloatArray(N), N}),
                ConformanceCase.of(IndexingKernels.class, "halfLongIndex",
                        () -> new Object[] {halves(2 * N, 215), N}));
    }

    /** Random halves plus the ones that matter: ties, the largest finite, infinities, NaN, subnormals. */
    static HalfFloatArray halves(int n, long seed) {
        FloatArray f = Inputs.floats(n, seed, -70000, 70000);
        float[] special = {0f, -0f, 65504f, -65504f, Float.POSITIVE_INFINITY, Float.NaN, 6.1035156e-5f, 5.9604645e-8f,
                1.00048828125f, 2049f, 0.333f, -1e-6f};
        HalfFloatArray h = new HalfFloatArray(n);
        for (int i = 0; i < n; i++) {
            h.set(i, i < special.length ? special[i] : f.get(i) / (1 + (i % 5) * 100));
        }
        return h;
    }
}
