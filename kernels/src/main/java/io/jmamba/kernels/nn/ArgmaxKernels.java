package io.jmamba.kernels.nn;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.KernelContext;

/** Index of the largest value of each row (greedy decoding over the vocabulary). */
public final class ArgmaxKernels {
    private ArgmaxKernels() {
    }

    /** Work-group size; a power of two for the tree reduction. */
    public static final int GROUP = 256;

    /**
     * One work-group per row: grid (rows * GROUP), local (GROUP). Ties go to the lowest index, as
     * torch.argmax; NaN values are never chosen (comparisons with NaN are false).
     */
    public static void argmax(KernelContext ctx, FloatArray logits, IntArray out, int rows, int vocab) {
        float[] bestValue = ctx.allocateFloatLocalArray(GROUP);
        int[] bestIndex = ctx.allocateIntLocalArray(GROUP);
        int lid = ctx.localIdx;
        int r = ctx.groupIdx;
        long base = (long) r * vocab;
        float best = Float.NEGATIVE_INFINITY;
        int bestAt = -1;
        for (int i = lid; i < vocab; i += GROUP) {
            float v = logits.get(base + i);
            if (v > best || bestAt < 0 && v == best) {
                best = v;
                bestAt = i;
            }
        }
        bestValue[lid] = best;
        bestIndex[lid] = bestAt;
        ctx.localBarrier();
        for (int half = GROUP / 2; half > 0; half = half / 2) {
            if (lid < half) {
                float v = bestValue[lid + half];
                int at = bestIndex[lid + half];
                int mine = bestIndex[lid];
                if (at >= 0 && (mine < 0 || v > bestValue[lid] || v == bestValue[lid] && at < mine)) {
                    bestValue[lid] = v;
                    bestIndex[lid] = at;
                }
            }
            ctx.localBarrier();
        }
        if (lid == 0) {
            // a row of only NaN has no maximum; 0 keeps the id valid for the next embedding lookup
            out.set(r, Math.max(bestIndex[0], 0));
        }
    }
}
