package io.jmamba.kernels.nn;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.KernelMath;
import io.jmamba.runtime.api.Specialize;

/**
 * y[r, o] = sum over k of x[r, k] W[o, k] (+ bias[o]) for a few rows (decoding), written to stream W
 * at memory bandwidth: W is the only large operand (the lm_head of a 130M model is 154 MB, and each
 * decode step reads every weight once), so the kernel is a memory copy with multiply-adds on the side.
 *
 * <ul>
 *   <li>One warp (or {@code split} warps) per output: lane {@code l} reads the float4 at
 *       {@code k = 4 l + 128 j} of the output's W row, so one warp instruction moves 512 consecutive
 *       bytes (CUDA {@code float4}, OpenCL {@code vload4}).</li>
 *   <li>{@link #UNROLL} such loads are issued before the first multiply-add needs one, so each warp has
 *       up to 4 KB in flight (8 float4 per lane) rather than one 512-byte load at a time: a 768-wide
 *       row (the 130M model's in_proj and lm_head) is one batch of loads.</li>
 *   <li>Each W element is used for every row of the block ({@link #ROWS}); x is tiny and read again per
 *       row (a cache hit), fused multiply-adds ({@link KernelMath#fma}) accumulate per lane.</li>
 *   <li>The lanes' partial sums meet with {@link KernelContext#warpReduceSum}; with {@code split > 1}
 *       warps per output (outputs too few to fill the device, e.g. out_proj's 768) the warps' sums then
 *       meet in local memory, added in a fixed order.</li>
 * </ul>
 * Sizing (sm_90 via nvcc: about 90 registers, no stack): 5 work-groups, 20 warps per SM, so an SM keeps
 * about 60 KB of W in flight for a 768-wide row, where an H100 needs roughly 20 KB per SM (3.35 TB/s
 * times about 0.8 us of latency over 132 SMs). The 130M model's in_proj (3352 outputs) is 838
 * work-groups, its out_proj (768 outputs, split 4) 768, its lm_head 12572.
 * Grid: ({@code ceil(out / (WARPS / split)) * GROUP}, {@code ceil(rows / ROWS)}), local ({@link #GROUP}, 1);
 * {@code split} is 1, 2 or 4. W rows whose start is not 16-byte aligned ({@code in} not a multiple of 4)
 * are correct but take CUDA's scalar fallback of {@code get4}; the {@code in % 4} last columns are added
 * by single loads.
 */
public final class GemvWarpKernel {
    private GemvWarpKernel() {
    }

    /** Warps per work-group. */
    public static final int WARPS = 4;
    /** Work-items per work-group. */
    public static final int GROUP = WARPS * KernelContext.WARP_SIZE;
    /** Rows per work-group: each W element loaded is used for all of them. */
    public static final int ROWS = 4;
    /** Float4 loads per lane issued together. */
    public static final int UNROLL = 8;
    /** Columns one warp instruction covers: a float4 per lane. */
    public static final int CHUNK = 4 * KernelContext.WARP_SIZE;

    /** See the class comment; {@code split} warps share an output ({@code WARPS % split == 0}). */
    public static void gemv(KernelContext ctx, FloatArray x, FloatArray w, FloatArray bias, FloatArray y,
                            int rows, int in, int out, boolean hasBias, @Specialize int split) {
        float[] sums = ctx.allocateFloatLocalArray(ROWS * WARPS);
        float[] wv = new float[4 * UNROLL];
        float[] xv = new float[4 * UNROLL];
        float[] acc = new float[ROWS];
        int lid = ctx.localIdx;
        int lane = lid % KernelContext.WARP_SIZE;
        int warp = lid / KernelContext.WARP_SIZE;
        int perGroup = WARPS / split;
        int o = ctx.groupIdx * perGroup + warp / split;
        // this lane's place among the split * 32 lanes that share output o
        int vlane = (warp % split) * KernelContext.WARP_SIZE + lane;
        int r0 = ctx.groupIdy * ROWS;
        int nr = Math.min(ROWS, rows - r0);
        for (int r = 0; r < ROWS; r++) {
            acc[r] = 0f;
        }
        if (o < out) {
            long wRow = (long) o * in;
            int stride = CHUNK * split;
            for (int k = 4 * vlane; k + 4 <= in; k += UNROLL * stride) {
                // all loads of this batch first: none waits for another
                for (int u = 0; u < UNROLL; u++) {
                    int ku = k + u * stride;
                    if (ku + 4 <= in) {
                        w.get4(wRow + ku, wv, 4 * u);
                    }
                }
                for (int r = 0; r < ROWS; r++) {
                    if (r < nr) {
                        // the row's x loads (cache hits) together too, not one round trip per multiply-add
                        long xRow = (long) (r0 + r) * in;
                        for (int u = 0; u < UNROLL; u++) {
                            int ku = k + u * stride;
                            if (ku + 4 <= in) {
                                x.get4(xRow + ku, xv, 4 * u);
                            }
                        }
                        float a = acc[r];
                        for (int u = 0; u < UNROLL; u++) {
                            if (k + u * stride + 4 <= in) {
                                a = KernelMath.fma(xv[4 * u], wv[4 * u], a);
                                a = KernelMath.fma(xv[4 * u + 1], wv[4 * u + 1], a);
                                a = KernelMath.fma(xv[4 * u + 2], wv[4 * u + 2], a);
                                a = KernelMath.fma(xv[4 * u + 3], wv[4 * u + 3], a);
                            }
                        }
                        acc[r] = a;
                    }
                }
            }
            int t = in - in % 4 + vlane; // the last in % 4 columns, one per lane
            if (t < in) {
                float wt = w.get(wRow + t);
                for (int r = 0; r < ROWS; r++) {
                    if (r < nr) {
                        acc[r] = KernelMath.fma(x.get((long) (r0 + r) * in + t), wt, acc[r]);
                    }
                }
            }
        }
        reduceAndStore(ctx, acc, sums, bias, y, r0, nr, out, hasBias, split, lid, lane, warp, perGroup);
    }

    /**
     * The end of the warp GEMVs ({@link GemvWarpKernel}, {@link GemvBf16Kernel}, {@link GemvBf16PackedKernel}):
     * each lane's partial sums {@code acc} (one per row of the block) meet by {@link KernelContext#warpReduceSum},
     * the {@code split} warps of an output then in local memory {@code sums} ({@code ROWS * WARPS} floats), added
     * in a fixed order, plus the bias, and y[r0 + r, o] is stored. {@code nr} (live rows of the block) is the same
     * for the whole work-group, so every item reaches the same reductions (on OpenCL and the JVM each is a
     * work-group barrier); a single row reduces once, not ROWS times. The caller's lid, lane, warp and
     * {@code perGroup = WARPS / split} are passed in, not recomputed: recomputed, ptxas gave the fp32 kernel 3
     * registers more.
     */
    static void reduceAndStore(KernelContext ctx, float[] acc, float[] sums, FloatArray bias, FloatArray y, int r0, int nr,
                               int out, boolean hasBias, int split, int lid, int lane, int warp, int perGroup) {
        for (int r = 0; r < ROWS; r++) {
            if (r < nr) {
                float s = ctx.warpReduceSum(acc[r]);
                if (lane == 0) {
                    sums[r * WARPS + warp] = s;
                }
            }
        }
        ctx.localBarrier();
        if (lid < ROWS * perGroup) {
            int r = lid / perGroup;
            int j = lid % perGroup;
            int oj = ctx.groupIdx * perGroup + j;
            if (r < nr && oj < out) {
                float v = 0f;
                for (int p = 0; p < split; p++) {
                    v += sums[r * WARPS + j * split + p];
                }
                if (hasBias) {
                    v += bias.get(oj);
                }
                y.set((long) (r0 + r) * out + oj, v);
            }
        }
    }
}
