package io.jmamba.kernels.nn;

import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.KernelMath;
import io.jmamba.runtime.api.Specialize;

/**
 * {@link GemvWarpKernel} with W in bf16: y[r, o] = sum over k of x[r, k] W[o, k] (+ bias[o]), x, bias and
 * y in fp32, each W element widened exactly to fp32 and accumulated in fp32 with fused multiply-adds
 * (what the official bf16 runs do, with fp32 accumulation). The decode step of a small model is a
 * stream of weights, so half the bytes is half the time once the loads run at memory bandwidth.
 *
 * <ul>
 *   <li>Lane {@code l} of a warp reads the four bf16 at {@code k = 4 l + 128 j} of the output's W row
 *       ({@link BFloat16Array#get4}: one 8-byte load), so one warp instruction moves 256 consecutive
 *       bytes; {@link #UNROLL} of them are issued before the first multiply-add, so a 768-wide row
 *       (in_proj, lm_head of the 130M model: 6 chunks) is one batch of loads.</li>
 *   <li>Everything else is {@link GemvWarpKernel}'s: {@link #ROWS} x rows per W load, {@code split}
 *       warps per output when outputs are few (out_proj), warp shuffles then a fixed-order sum in local
 *       memory, the {@code in % 4} last columns by single loads.</li>
 * </ul>
 * Grid: ({@code ceil(out / (WARPS / split)) * GROUP}, {@code ceil(rows / ROWS)}), local ({@link #GROUP}, 1).
 * W rows must start 8-byte aligned for the vector load ({@code in % 4 == 0}); others take CUDA's
 * scalar fallback of {@code get4} and are still correct.
 */
public final class GemvBf16Kernel {
    private GemvBf16Kernel() {
    }

    /** Warps per work-group (as {@link GemvWarpKernel}, so {@link Linear#gemvSplit} applies). */
    public static final int WARPS = GemvWarpKernel.WARPS;
    /** Work-items per work-group. */
    public static final int GROUP = WARPS * KernelContext.WARP_SIZE;
    /** Rows per work-group: each W element loaded is used for all of them. */
    public static final int ROWS = GemvWarpKernel.ROWS;
    /** Four-element (8-byte) W loads per lane issued together: 2 KB in flight per warp. */
    public static final int UNROLL = 8;
    /** Columns one warp instruction covers: four bf16 per lane. */
    public static final int CHUNK = 4 * KernelContext.WARP_SIZE;

    /** See the class comment; {@code split} warps share an output ({@code WARPS % split == 0}). */
    public static void gemv(KernelContext ctx, FloatArray x, BFloat16Array w, FloatArray bias, FloatArray y,
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
        GemvWarpKernel.reduceAndStore(ctx, acc, sums, bias, y, r0, nr, out, hasBias, split, lid, lane, warp, perGroup);
    }
}
