package io.jmamba.kernels.fused;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.KernelMath;
import io.jmamba.runtime.api.Specialize;

/**
 * The first layer's in_proj of a decode step with the embedding lookup folded in: {@link FusedGemvStagedKernels#normGemvBf16}
 * whose input row is row {@code ids[row]} of the embedding table instead of a hidden array that an embedding launch
 * filled. Work-group 0 of each row writes the looked-up row to {@code residualOut} (the first layer's residual, as
 * the unfused step's normGemv writes its input there); an id outside [0, vocab) gives a row of NaN as
 * {@link io.jmamba.kernels.nn.EmbeddingKernels#gather} does. One launch fewer per step; same arithmetic, same
 * layout, grid and lane mapping as the staged kernel.
 */
public final class FusedEmbedGemvKernels {
    private FusedEmbedGemvKernels() {
    }

    /** Work-group size: as {@link FusedGemvStagedKernels#GROUP}. */
    static final int GROUP = FusedGemvStagedKernels.GROUP;
    static final int WARPS = FusedGemvStagedKernels.WARPS;
    static final int OUTS = FusedGemvStagedKernels.OUTS;
    static final int STRIDE = FusedGemvStagedKernels.STRIDE;

    /**
     * residualOut = table[ids[row]] (NaN for an id outside the vocabulary); y = RMSNorm(residualOut) * normW . W^T
     * (+ bias) with W packed bf16. Grid ({@code ceil(out / (WARPS * OUTS)) * GROUP}, {@code rows}), local ({@code GROUP}, 1).
     */
    public static void embedNormGemvBf16(KernelContext ctx, IntArray ids, FloatArray table, FloatArray normW, FloatArray w,
                                         FloatArray bias, FloatArray y, FloatArray residualOut, int rows, @Specialize int in,
                                         int out, int vocab, float eps, boolean hasBias) {
        float[] xs = ctx.allocateFloatLocalArray(FusedGemvKernels.MAX_IN);
        float[] partial = ctx.allocateFloatLocalArray(WARPS);
        float[] wv = new float[OUTS * 4 * FusedGemvWarpKernels.CHUNKS];
        float[] nw = new float[8 * FusedGemvWarpKernels.CHUNKS];
        float[] t = new float[4];
        float[] acc = new float[OUTS];
        int lid = ctx.localIdx;
        int lane = lid % KernelContext.WARP_SIZE;
        int warp = lid / KernelContext.WARP_SIZE;
        int row = ctx.groupIdy;
        int o0 = (ctx.groupIdx * WARPS + warp) * OUTS;
        int inP = in / 2;
        // weights: W's rows (DRAM, the step's bulk), then the lane's norm-weight columns
        FusedGemvWarpKernels.loadRows(w, wv, lane, o0, inP, out);
        FusedGemvWarpKernels.normWeights(normW, nw, lane, in);
        // the ids come from the launch before (the last step's argmax) or from the host
        ctx.gridDependencyWait();
        ctx.launchDependents();
        int id = ids.get(row);
        boolean valid = id >= 0 && id < vocab;
        long base = valid ? (long) id * in : 0L;
        long outBase = (long) row * in;
        boolean writer = ctx.groupIdx == 0;
        float ss = 0f;
        for (int q = lid; 4 * q < in; q += GROUP) {
            table.get4(base + 4 * q, t, 0);
            if (!valid) {
                // as EmbeddingKernels.gather: an id outside the vocabulary gives a row of NaN
                for (int e = 0; e < 4; e++) {
                    t[e] = Float.NaN;
                }
            }
            if (writer) {
                residualOut.set4(outBase + 4 * q, t, 0);
            }
            ss = FusedGemvStagedKernels.stage(xs, t, q, ss);
        }
        float scale = FusedGemvStagedKernels.rmsScale(ctx, partial, ss, lane, warp, WARPS, in, eps);
        FusedGemvStagedKernels.dotPair(acc, xs, nw, wv, scale, lane, inP, true);
        // OUTS == 2, written out (warp reductions are work-group barriers on OpenCL)
        float a0 = ctx.warpReduceSum(acc[0]);
        float a1 = ctx.warpReduceSum(acc[1]);
        FusedGemvStagedKernels.storePair(y, bias, a0, a1, row, out, o0, hasBias, lane == 0);
    }
}
