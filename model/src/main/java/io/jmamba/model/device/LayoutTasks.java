package io.jmamba.model.device;

import io.jmamba.kernels.nn.Layout;
import io.jmamba.kernels.nn.LayoutKernels;
import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.TaskGraph;

/**
 * The layout moves between token-major and channel-major activations, as one-line task adds. The
 * transposes come in two forms: tiled through local memory ({@link LayoutKernels#transposeTiled}, coalesced on both
 * sides) or the plain {@code @Parallel} kernels of {@link ModelKernels} (one side strided), kept to time
 * one against the other.
 */
public final class LayoutTasks {
    private LayoutTasks() {
    }

    /** dst [tokens, n] = src [tokens, srcCols][:, c0 : c0 + n]. */
    public static void columns(TaskGraph g, String id, FloatArray src, int srcCols, int c0, int n, FloatArray dst, int tokens) {
        g.task(id, ModelKernels::columns, src, dst, tokens, srcCols, c0, n);
    }

    /** Three column ranges [offK, offK + nK) of src [tokens, srcCols] into dst0, dst1, dst2, in one task. */
    public static void columns3(TaskGraph g, String id, FloatArray src, int srcCols, int tokens, FloatArray dst0, int off0,
                                int n0, FloatArray dst1, int off1, int n1, FloatArray dst2, int off2, int n2) {
        g.task(id, ModelKernels::columns3, src, tokens, srcCols, dst0, off0, n0, dst1, off1, n1, dst2, off2, n2);
    }

    /**
     * dst [batch, n, seqlen] = src [batch * seqlen, srcCols][:, c0 : c0 + n], transposed per sequence;
     * {@code tiled} picks {@link LayoutKernels#transposeTiled} (its grid goes to {@code grids}).
     */
    public static void toChannels(TaskGraph g, GridScheduler grids, String id, FloatArray src, int srcCols, int c0, int n,
                                  FloatArray dst, int batch, int seqlen, boolean tiled) {
        if (!tiled) {
            g.task(id, ModelKernels::tokensToChannels, src, dst, batch, seqlen, srcCols, c0, n);
            return;
        }
        // per sequence: rows = positions, columns = the n channels
        transpose(g, grids, id, src, dst, batch, seqlen, n, c0, (long) seqlen * srcCols, srcCols,
                (long) n * seqlen, seqlen);
    }

    /**
     * dst [batch * seqlen, n] = src [batch, channels, seqlen][:, c0 : c0 + n, :], transposed per
     * sequence; {@code tiled} as for {@link #toChannels}.
     */
    public static void toTokens(TaskGraph g, GridScheduler grids, String id, FloatArray src, int channels, int c0, int n,
                                FloatArray dst, int batch, int seqlen, boolean tiled) {
        if (!tiled) {
            g.task(id, ModelKernels::channelsToTokens, src, dst, batch, channels, seqlen, c0, n);
            return;
        }
        // per sequence: rows = the n channels, columns = positions
        transpose(g, grids, id, src, dst, batch, n, seqlen, (long) c0 * seqlen, (long) channels * seqlen, seqlen,
                (long) seqlen * n, n);
    }

    /**
     * {@link #toTokens} into bf16 ({@link Bf16LayoutKernels#transposeTiledToBf16}; tiled only, the bf16
     * prefill has no plain form to time against).
     */
    public static void toTokensBf16(TaskGraph g, GridScheduler grids, String id, FloatArray src, int channels, int c0, int n,
                                    BFloat16Array dst, int batch, int seqlen) {
        g.task(id, Bf16LayoutKernels::transposeTiledToBf16, new io.jmamba.runtime.api.KernelContext(), src, dst, batch, n,
                seqlen, (long) c0 * seqlen, (long) channels * seqlen, (long) seqlen, 0L, (long) seqlen * n, (long) n);
        grids.addWorkerGrid(g.getName() + "." + id, Layout.tiledTransposeGrid(batch, n, seqlen));
    }

    /** dst [tokens, n] = bf16(src [tokens, srcCols][:, c0 : c0 + n]). */
    public static void columnsBf16(TaskGraph g, String id, FloatArray src, int srcCols, int c0, int n, BFloat16Array dst,
                                   int tokens) {
        g.task(id, Bf16LayoutKernels::columnsToBf16, src, tokens, srcCols, c0, n, dst);
    }

    private static void transpose(TaskGraph g, GridScheduler grids, String id, FloatArray src, FloatArray dst, int batch,
                                  int rows, int cols, long srcOff, long srcBatchStride, long srcRowStride,
                                  long dstBatchStride, long dstRowStride) {
        g.task(id, LayoutKernels::transposeTiled, new io.jmamba.runtime.api.KernelContext(), src, dst, batch, rows, cols,
                srcOff, srcBatchStride, srcRowStride, 0L, dstBatchStride, dstRowStride);
        grids.addWorkerGrid(g.getName() + "." + id, Layout.tiledTransposeGrid(batch, rows, cols));
    }

    /** dst = src (the first n floats): a final state becomes the state the next call starts from. */
    public static void copy(TaskGraph g, String id, FloatArray src, FloatArray dst, long n) {
        g.task(id, ModelKernels::copy, src, dst, Math.toIntExact(n));
    }
}
