package io.jmamba.kernels.nn;

import io.jmamba.kernels.fused.FusedGemvStagedKernels;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.KernelMath;
import io.jmamba.runtime.api.Specialize;

/**
 * A decode step's lm_head GEMV with the first stage of the greedy argmax folded in: logits (rows, out) = x . W^T
 * (+ bias) for packed bf16 W ({@link LinearBf16#packedView}), and per work-group the best (value, index) of its
 * outputs, which {@link #combine} reduces per row. That is one launch (and one 200 KB re-read of
 * the logits) less than {@link GemvBf16PackedKernel} followed by {@link ArgmaxTwoStageKernels#partials}.
 *
 * <p>A work-group of {@link #WARPS} warps owns {@link #BLOCKS} x {@link #WARPS} consecutive outputs of one row; warp
 * {@code w} computes outputs {@code first + w + WARPS b} one after the other, so that a row's partials number
 * {@code out / 32} (1,572 for a 50,280 vocabulary: a few loads per item in the combine), not one per warp. The
 * x row stays in registers for all of them; the next output's W row is loaded before the current one is reduced
 * (two register sets), and the first one before {@link KernelContext#gridDependencyWait()} (W is no launch's
 * output). Lane {@code l} reads packed floats {@code 4 l + 128 j} (columns {@code 8 l + 256 j .. + 7}) as
 * {@link GemvBf16PackedKernel} does. Needs {@code in % 8 == 0} and {@code in <= }{@link #MAX_IN}.
 *
 * <p>Argmax rules as {@link ArgmaxTwoStageKernels}: largest value, ties to the lowest index, NaN never chosen; a
 * partial without a candidate has index -1. Grid ({@code parts * GROUP}, {@code rows}), local ({@link #GROUP}, 1),
 * {@code parts = ceil(out / (BLOCKS * WARPS))}.
 */
public final class GemvBf16ArgmaxKernel {
    private GemvBf16ArgmaxKernel() {
    }

    /** Warps per work-group. */
    public static final int WARPS = 4;
    /** Work-items per work-group. */
    public static final int GROUP = WARPS * KernelContext.WARP_SIZE;
    /** Outputs each warp computes in turn. */
    public static final int BLOCKS = 8;
    /** Outputs per work-group, and so per argmax partial. */
    public static final int OUTPUTS = WARPS * BLOCKS;
    /** Packed floats one warp instruction covers (256 bf16 columns). */
    static final int CHUNK = 4 * KernelContext.WARP_SIZE;
    /** 16-byte W loads per lane and output: the register arrays' size. */
    static final int CHUNKS = 6;
    /** Widest x row: {@link #CHUNKS} chunks of 256 columns. */
    public static final int MAX_IN = CHUNKS * 2 * CHUNK;

    /** Work-groups (argmax partials) per row for {@code out} outputs. */
    public static int partsPerRow(int out) {
        return (out + OUTPUTS - 1) / OUTPUTS;
    }

    /** See the class comment. */
    public static void gemvArgmax(KernelContext ctx, FloatArray x, FloatArray wPacked, FloatArray bias, FloatArray y,
                                  FloatArray partValue, IntArray partIndex, int rows, @Specialize int in, int out,
                                  boolean hasBias, int parts) {
        float[] warpValue = ctx.allocateFloatLocalArray(WARPS);
        int[] warpIndex = ctx.allocateIntLocalArray(WARPS);
        float[] wv = new float[4 * CHUNKS];
        float[] wn = new float[4 * CHUNKS];
        float[] xv = new float[8 * CHUNKS];
        int lid = ctx.localIdx;
        int lane = lid % KernelContext.WARP_SIZE;
        int warp = lid / KernelContext.WARP_SIZE;
        int row = ctx.groupIdy;
        int inP = in / 2;
        int first = ctx.groupIdx * OUTPUTS + warp;
        // the first output's W row before the wait (a row past the end reads the last one; nothing is written for it)
        long wRow = (long) Math.min(first, out - 1) * inP;
        for (int j = 0; j < CHUNKS; j++) {
            int kp = 4 * lane + CHUNK * j;
            if (kp + 4 <= inP) {
                wPacked.get4(wRow + kp, wv, 4 * j);
            }
        }
        // x comes from the launch before (the final norm)
        ctx.gridDependencyWait();
        ctx.launchDependents();
        long xRow = (long) row * in;
        for (int j = 0; j < CHUNKS; j++) {
            int kp = 4 * lane + CHUNK * j;
            if (kp + 4 <= inP) {
                x.get4(xRow + 2L * kp, xv, 8 * j);
                x.get4(xRow + 2L * kp + 4, xv, 8 * j + 4);
            }
        }
        blocksAndPartial(ctx, wPacked, bias, y, partValue, partIndex, warpValue, warpIndex, wv, wn, xv, lane, warp, row, inP,
                first, out, hasBias, parts);
    }

    /**
     * {@link #gemvArgmax} of x = RMSNorm(hidden (+ residualIn)) * normW, the final norm folded in (one launch fewer
     * again; residualOut is not written: nothing reads the last residual). Each work-group stages its row once
     * (16-byte loads from L2, 1,572 groups x 6 KB for the 130M head against 77 MB of W from DRAM), reduces the
     * squares with one warp reduction and one barrier, and each lane takes its columns, normalised, from local
     * memory into registers. The norm weight's columns and the first W row are loaded before the wait.
     */
    public static void normGemvArgmax(KernelContext ctx, FloatArray hidden, FloatArray residualIn, FloatArray normW,
                                      FloatArray wPacked, FloatArray bias, FloatArray y, FloatArray partValue,
                                      IntArray partIndex, int rows, @Specialize int in, int out, float eps,
                                      boolean hasResidual, boolean hasBias, int parts) {
        float[] xs = ctx.allocateFloatLocalArray(MAX_IN);
        float[] partial = ctx.allocateFloatLocalArray(WARPS);
        float[] warpValue = ctx.allocateFloatLocalArray(WARPS);
        int[] warpIndex = ctx.allocateIntLocalArray(WARPS);
        float[] wv = new float[4 * CHUNKS];
        float[] wn = new float[4 * CHUNKS];
        float[] xv = new float[8 * CHUNKS];
        float[] nw = new float[8 * CHUNKS];
        float[] t = new float[4];
        float[] r = new float[4];
        int lid = ctx.localIdx;
        int lane = lid % KernelContext.WARP_SIZE;
        int warp = lid / KernelContext.WARP_SIZE;
        int row = ctx.groupIdy;
        int inP = in / 2;
        int first = ctx.groupIdx * OUTPUTS + warp;
        long wRow = (long) Math.min(first, out - 1) * inP;
        for (int j = 0; j < CHUNKS; j++) {
            int kp = 4 * lane + CHUNK * j;
            if (kp + 4 <= inP) {
                wPacked.get4(wRow + kp, wv, 4 * j);
                normW.get4(2L * kp, nw, 8 * j);
                normW.get4(2L * kp + 4, nw, 8 * j + 4);
            }
        }
        // hidden and the residual come from the last layer
        ctx.gridDependencyWait();
        ctx.launchDependents();
        long base = (long) row * in;
        float ss = 0f;
        for (int q = lid; 4 * q < in; q += GROUP) {
            hidden.get4(base + 4 * q, t, 0);
            if (hasResidual) {
                residualIn.get4(base + 4 * q, r, 0);
                FusedGemvStagedKernels.addResidual(t, r);
            }
            for (int e = 0; e < 4; e++) {
                xs[4 * q + e] = t[e];
                ss += t[e] * t[e];
            }
        }
        float scale = FusedGemvStagedKernels.rmsScale(ctx, partial, ss, lane, warp, WARPS, in, eps);
        for (int j = 0; j < CHUNKS; j++) {
            int kp = 4 * lane + CHUNK * j;
            if (kp + 4 <= inP) {
                for (int e = 0; e < 8; e++) {
                    xv[8 * j + e] = xs[2 * kp + e] * scale * nw[8 * j + e];
                }
            }
        }
        blocksAndPartial(ctx, wPacked, bias, y, partValue, partIndex, warpValue, warpIndex, wv, wn, xv, lane, warp, row, inP,
                first, out, hasBias, parts);
    }

    /**
     * The part both kernels share once this lane's x columns are in {@code xv} and the first W row in {@code wv}:
     * warp {@code warp} computes outputs {@code first + WARPS b} one after the other (the next row's W loaded into
     * {@code wn} before the current one is reduced), stores them, and keeps its best; the warps' bests then meet
     * in local memory ({@code warpValue}, {@code warpIndex}) and item 0 writes the work-group's partial.
     */
    static void blocksAndPartial(KernelContext ctx, FloatArray wPacked, FloatArray bias, FloatArray y, FloatArray partValue,
                                 IntArray partIndex, float[] warpValue, int[] warpIndex, float[] wv, float[] wn, float[] xv,
                                 int lane, int warp, int row, int inP, int first, int out, boolean hasBias, int parts) {
        int lid = ctx.localIdx;
        float best = Float.NEGATIVE_INFINITY;
        int bestAt = -1;
        for (int b = 0; b < BLOCKS; b++) {
            int o = first + b * WARPS;
            if (b + 1 < BLOCKS) {
                long nRow = (long) Math.min(o + WARPS, out - 1) * inP;
                for (int j = 0; j < CHUNKS; j++) {
                    int kp = 4 * lane + CHUNK * j;
                    if (kp + 4 <= inP) {
                        wPacked.get4(nRow + kp, wn, 4 * j);
                    }
                }
            }
            float a = 0f;
            for (int j = 0; j < CHUNKS; j++) {
                if (4 * lane + CHUNK * j + 4 <= inP) {
                    for (int e = 0; e < 4; e++) {
                        int bits = Float.floatToRawIntBits(wv[4 * j + e]);
                        a = KernelMath.fma(xv[8 * j + 2 * e], Float.intBitsToFloat(bits << 16), a);
                        a = KernelMath.fma(xv[8 * j + 2 * e + 1], Float.intBitsToFloat(bits & 0xffff0000), a);
                    }
                }
            }
            float s = ctx.warpReduceSum(a);
            if (o < out) {
                if (hasBias) {
                    s += bias.get(o);
                }
                if (lane == 0) {
                    y.set((long) row * out + o, s);
                }
                // a warp's outputs rise with b: among equal values the first stays
                if (s > best || bestAt < 0 && s == best) {
                    best = s;
                    bestAt = o;
                }
            }
            for (int i = 0; i < 4 * CHUNKS; i++) {
                wv[i] = wn[i];
            }
        }
        if (lane == 0) {
            warpValue[warp] = best;
            warpIndex[warp] = bestAt;
        }
        ctx.localBarrier();
        if (lid == 0) {
            // the warps' outputs interleave, so ties go to the lower index explicitly
            float v = Float.NEGATIVE_INFINITY;
            int at = -1;
            for (int w = 0; w < WARPS; w++) {
                float wvw = warpValue[w];
                int wi = warpIndex[w];
                if (wi >= 0 && (at < 0 || wvw > v || wvw == v && wi < at)) {
                    v = wvw;
                    at = wi;
                }
            }
            long p = (long) row * parts + ctx.groupIdx;
            partValue.set(p, v);
            partIndex.set(p, at);
        }
    }

    /** Partials per item that {@link #combine} loads together (a row of up to {@code SLOTS * 256} partials). */
    static final int SLOTS = 8;

    /**
     * {@link ArgmaxTwoStageKernels#combine} for the many partials of {@link #gemvArgmax} (1,572 for the 130M head,
     * against 99 of {@link ArgmaxTwoStageKernels#partials}): each item first loads its first {@link #SLOTS} partials
     * at once (one L2 round trip instead of a chain of seven), then compares them in column order; rows with more
     * partials continue in the plain loop. Same rules and answer. Grid (rows * GROUP), local (GROUP) with
     * {@code GROUP = }{@link ArgmaxTwoStageKernels#GROUP}.
     */
    public static void combine(KernelContext ctx, FloatArray partValue, IntArray partIndex, IntArray out, int rows,
                               int parts) {
        float[] warpValue = ctx.allocateFloatLocalArray(ArgmaxTwoStageKernels.GROUP / KernelContext.WARP_SIZE);
        int[] warpIndex = ctx.allocateIntLocalArray(ArgmaxTwoStageKernels.GROUP / KernelContext.WARP_SIZE);
        float[] v = new float[SLOTS];
        int[] at = new int[SLOTS];
        int lid = ctx.localIdx;
        int r = ctx.groupIdx;
        long base = (long) r * parts;
        ctx.gridDependencyWait();
        ctx.launchDependents();
        for (int k = 0; k < SLOTS; k++) {
            int i = lid + k * ArgmaxTwoStageKernels.GROUP;
            v[k] = Float.NEGATIVE_INFINITY;
            at[k] = -1;
            if (i < parts) {
                v[k] = partValue.get(base + i);
                at[k] = partIndex.get(base + i);
            }
        }
        float best = Float.NEGATIVE_INFINITY;
        int bestAt = -1;
        // in column order, so among equal values the earlier one stays
        for (int k = 0; k < SLOTS; k++) {
            if (at[k] >= 0 && (bestAt < 0 || v[k] > best)) {
                best = v[k];
                bestAt = at[k];
            }
        }
        for (int i = lid + SLOTS * ArgmaxTwoStageKernels.GROUP; i < parts; i += ArgmaxTwoStageKernels.GROUP) {
            float pv = partValue.get(base + i);
            int pi = partIndex.get(base + i);
            if (pi >= 0 && (bestAt < 0 || pv > best)) {
                best = pv;
                bestAt = pi;
            }
        }
        int found = ArgmaxTwoStageKernels.groupArgmax(ctx, warpValue, warpIndex, lid, best, bestAt);
        if (lid == 0) {
            // a row of only NaN has no maximum; 0 keeps the id valid for the next embedding lookup
            out.set(r, Math.max(found, 0));
        }
    }
}
