package io.jmamba.kernels.nn;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.KernelContext;

/**
 * Per-row argmax in two launches, so that a single row (batch-1 decoding over a 50K vocabulary) is
 * spread over many work-groups instead of one: {@link #partials} gives each (row, slice of
 * {@link #SLICE} columns) a work-group that writes the slice's best (value, index), and {@link #combine}
 * reduces a row's partials with one work-group. Same answer as {@link ArgmaxKernels#argmax}: the largest
 * value, ties to the lowest index, NaN never chosen, a row without a candidate (all NaN) gives 0.
 * A partial with index -1 means "no candidate in the slice".
 *
 * <p>Within a work-group the reduction is warp-wide ({@link KernelContext#warpReduceMax} of the values,
 * then {@link KernelContext#warpReduceMin} of the indices holding that value) and then over the warps'
 * results in local memory: two barriers instead of a tree of eight.
 */
public final class ArgmaxTwoStageKernels {
    private ArgmaxTwoStageKernels() {
    }

    /** Work-group size of both kernels; a multiple of the warp. */
    public static final int GROUP = 256;
    /** Columns per partial: two per work-item, read as two coalesced sweeps. */
    public static final int SLICE = 2 * GROUP;
    private static final int WARPS = GROUP / KernelContext.WARP_SIZE;
    private static final int NONE = Integer.MAX_VALUE;

    /** Partials per row for {@code vocab} columns. */
    public static int partsPerRow(int vocab) {
        return (vocab + SLICE - 1) / SLICE;
    }

    /**
     * Stage one: grid (rows * parts * GROUP), local (GROUP). Work-group {@code g} covers row
     * {@code g / parts}, columns {@code [(g % parts) * SLICE, + SLICE)}; writes {@code partValue[g]},
     * {@code partIndex[g]}.
     */
    public static void partials(KernelContext ctx, FloatArray logits, FloatArray partValue, IntArray partIndex, int rows,
                                int vocab, int parts) {
        float[] warpValue = ctx.allocateFloatLocalArray(WARPS);
        int[] warpIndex = ctx.allocateIntLocalArray(WARPS);
        int lid = ctx.localIdx;
        int g = ctx.groupIdx;
        int r = g / parts;
        int start = (g - r * parts) * SLICE;
        int end = Math.min(start + SLICE, vocab);
        long base = (long) r * vocab;
        float best = Float.NEGATIVE_INFINITY;
        int bestAt = -1;
        // programmatic dependent launch on CUDA: resident while the logits' kernel drains
        ctx.gridDependencyWait();
        ctx.launchDependents();
        for (int i = start + lid; i < end; i += GROUP) {
            float v = logits.get(base + i);
            if (v > best || bestAt < 0 && v == best) {
                best = v;
                bestAt = i;
            }
        }
        int at = groupArgmax(ctx, warpValue, warpIndex, lid, best, bestAt);
        if (lid == 0) {
            partValue.set(g, warpValue[0]);
            partIndex.set(g, at);
        }
    }

    /** Stage two: grid (rows * GROUP), local (GROUP); one work-group reduces a row's {@code parts} partials. */
    public static void combine(KernelContext ctx, FloatArray partValue, IntArray partIndex, IntArray out, int rows,
                               int parts) {
        float[] warpValue = ctx.allocateFloatLocalArray(WARPS);
        int[] warpIndex = ctx.allocateIntLocalArray(WARPS);
        int lid = ctx.localIdx;
        int r = ctx.groupIdx;
        long base = (long) r * parts;
        float best = Float.NEGATIVE_INFINITY;
        int bestAt = -1;
        ctx.gridDependencyWait();
        ctx.launchDependents();
        for (int i = lid; i < parts; i += GROUP) {
            float v = partValue.get(base + i);
            int at = partIndex.get(base + i);
            // parts are visited in column order, so among equal values the earlier one stays
            if (at >= 0 && (bestAt < 0 || v > best)) {
                best = v;
                bestAt = at;
            }
        }
        int at = groupArgmax(ctx, warpValue, warpIndex, lid, best, bestAt);
        if (lid == 0) {
            // a row of only NaN has no maximum; 0 keeps the id valid for the next embedding lookup
            out.set(r, Math.max(at, 0));
        }
    }

    /**
     * The work-group's best (value, index) over every item's ({@code value}, {@code index}); index -1 is
     * "no candidate" and values of candidates are never NaN. Returns the index (-1 if none) on every
     * item; {@code warpValue[0]} holds the value afterwards.
     */
    static int groupArgmax(KernelContext ctx, float[] warpValue, int[] warpIndex, int lid, float value, int index) {
        float top = ctx.warpReduceMax(value);
        int at = ctx.warpReduceMin(index >= 0 && value == top ? index : NONE);
        int warp = lid / KernelContext.WARP_SIZE;
        if (ctx.laneId() == 0) {
            warpValue[warp] = top;
            warpIndex[warp] = at;
        }
        ctx.localBarrier();
        int lane = ctx.laneId();
        float v = lane < WARPS ? warpValue[lane] : Float.NEGATIVE_INFINITY;
        int i = lane < WARPS ? warpIndex[lane] : NONE;
        float groupTop = ctx.warpReduceMax(v);
        int groupAt = ctx.warpReduceMin(i != NONE && v == groupTop ? i : NONE);
        ctx.localBarrier(); // everyone has read warpValue before item 0 overwrites it
        if (lid == 0) {
            warpValue[0] = groupTop;
        }
        ctx.localBarrier();
        return groupAt == NONE ? -1 : groupAt;
    }
}
