package io.jmamba.kernels.nn;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.KernelMath;
import io.jmamba.runtime.api.Parallel;

/**
 * y = x . W^T (+ bias) for linear layers: x (rows, in), W (out, in) as PyTorch stores it, y (rows, out).
 * <ul>
 *   <li>{@link #gemm}: 64 x 64 output tiles per work-group of 256 items, 4 x 4 outputs per item;
 *       each step stages 16-deep slices of x and W in local memory, so every element loaded from
 *       global memory is used 64 times.</li>
 *   <li>{@link #gemv}: the first GEMV for one (or a few) tokens, kept for comparison (Linear.Path.GEMV_TREE;
 *       {@link GemvWarpKernel} is the default): 32 items per output read consecutive elements of a
 *       W row (coalesced), use each for up to 4 rows, and reduce in local memory.</li>
 *   <li>{@link #gemmSplitK} + {@link #splitKReduce}: the GEMM with K cut in slices, so that a product
 *       with few output tiles (tens of rows) still gives the device hundreds of work-groups.</li>
 * </ul>
 * The GEMM inner loops multiply-add with {@link KernelMath#fma}: one instruction where {@code a * b + c}
 * costs two under CUDA's --fmad=false (Java's two roundings).
 * The work-group kernels need the grids {@link Linear} gives them. {@link #addBias} follows a library
 * GEMM (cuBLAS) that computes the product alone.
 */
public final class LinearKernels {
    private LinearKernels() {
    }

    /** Output tile edge of {@link #gemm}: a work-group computes TILE x TILE outputs. */
    public static final int TILE = 64;
    /** Depth of the operand slices staged in local memory. */
    public static final int K_STEP = 16;
    /** Work-items per {@link #gemm} group: 16 x 16, each owning 4 x 4 outputs strided by 16. */
    public static final int GEMM_GROUP = 256;
    static final int SIDE = 16;
    static final int PER = 4;
    /** Local rows are TILE + 1 floats apart so that the staging stores spread over the banks. */
    static final int LS = TILE + 1;
    /** Work-group size of {@link #gemv}. */
    public static final int GEMV_GROUP = 256;
    /** Items per output in {@link #gemv}: a power of two (tree reduction), one warp's worth of consecutive loads. */
    public static final int GEMV_LANES = 32;
    /** Outputs per {@link #gemv} work-group. */
    public static final int GEMV_OUTPUTS = GEMV_GROUP / GEMV_LANES;
    /** Rows per {@link #gemv} work-group: each W element loaded is used for all of them. */
    public static final int GEMV_ROWS = 4;

    /**
     * Tiled GEMM. 1-D launch: one work-group of {@link #GEMM_GROUP} items per 64 x 64 output tile,
     * {@code ceil(rows / 64) * ceil(out / 64)} groups (1-D because CUDA caps grid y/z at 65535). Each
     * K step stages x[64 rows, 16] and W[64 outputs, 16] in local memory (loaded along k, which is
     * contiguous in both), then every item accumulates its 4 x 4 outputs from registers.
     */
    public static void gemm(KernelContext ctx, FloatArray x, FloatArray w, FloatArray bias, FloatArray y,
                            int rows, int in, int out, boolean hasBias) {
        float[] xs = ctx.allocateFloatLocalArray(K_STEP * LS);
        float[] ws = ctx.allocateFloatLocalArray(K_STEP * LS);
        float[] acc = new float[PER * PER];
        int lid = ctx.localIdx;
        int tx = lid % SIDE;
        int ty = lid / SIDE;
        int tilesOut = (out + TILE - 1) / TILE;
        int col0 = (ctx.groupIdx % tilesOut) * TILE;
        int row0 = (ctx.groupIdx / tilesOut) * TILE;
        for (int e = 0; e < PER * PER; e++) {
            acc[e] = 0f;
        }
        for (int k0 = 0; k0 < in; k0 += K_STEP) {
            stageSlice(x, w, xs, ws, lid, k0, in, row0, col0, rows, in, out);
            ctx.localBarrier();
            multiplySlice(xs, ws, acc, tx, ty);
            ctx.localBarrier();
        }
        for (int r = 0; r < PER; r++) {
            int row = row0 + ty + SIDE * r;
            for (int q = 0; q < PER; q++) {
                int col = col0 + tx + SIDE * q;
                if (row < rows && col < out) {
                    float v = acc[r * PER + q];
                    if (hasBias) {
                        v += bias.get(col);
                    }
                    y.set((long) row * out + col, v);
                }
            }
        }
    }

    /**
     * GEMV for few rows (decoding). A work-group of {@link #GEMV_GROUP} items computes
     * {@link #GEMV_OUTPUTS} outputs for up to {@link #GEMV_ROWS} rows: {@link #GEMV_LANES} items per
     * output read consecutive elements of its W row (coalesced) and use each for every row, so W, the
     * bulk of the traffic, is read once per block of rows. Partial sums meet in local memory.
     * Grid: (ceil(out / GEMV_OUTPUTS) * GEMV_GROUP, ceil(rows / GEMV_ROWS)), local (GEMV_GROUP, 1).
     */
    public static void gemv(KernelContext ctx, FloatArray x, FloatArray w, FloatArray bias, FloatArray y,
                            int rows, int in, int out, boolean hasBias) {
        float[] partial = ctx.allocateFloatLocalArray(GEMV_ROWS * GEMV_GROUP);
        float[] acc = new float[GEMV_ROWS];
        int lid = ctx.localIdx;
        int lane = lid % GEMV_LANES;
        int o = ctx.groupIdx * GEMV_OUTPUTS + lid / GEMV_LANES;
        int r0 = ctx.groupIdy * GEMV_ROWS;
        int nr = Math.min(GEMV_ROWS, rows - r0);
        for (int r = 0; r < GEMV_ROWS; r++) {
            acc[r] = 0f;
        }
        if (o < out) {
            long wRow = (long) o * in;
            for (int k = lane; k < in; k += GEMV_LANES) {
                float wv = w.get(wRow + k);
                for (int r = 0; r < nr; r++) {
                    acc[r] += wv * x.get((long) (r0 + r) * in + k);
                }
            }
        }
        for (int r = 0; r < GEMV_ROWS; r++) {
            partial[r * GEMV_GROUP + lid] = acc[r];
        }
        ctx.localBarrier();
        for (int half = GEMV_LANES / 2; half > 0; half = half / 2) {
            if (lane < half) {
                for (int r = 0; r < GEMV_ROWS; r++) {
                    partial[r * GEMV_GROUP + lid] = partial[r * GEMV_GROUP + lid] + partial[r * GEMV_GROUP + lid + half];
                }
            }
            ctx.localBarrier();
        }
        if (lane == 0 && o < out) {
            for (int r = 0; r < nr; r++) {
                float v = partial[r * GEMV_GROUP + lid];
                if (hasBias) {
                    v += bias.get(o);
                }
                y.set((long) (r0 + r) * out + o, v);
            }
        }
    }

    /**
     * y[r, j] += bias[j]. Dimension 0 walks the contiguous column index j, so consecutive work-items
     * touch consecutive addresses.
     */
    public static void addBias(FloatArray y, FloatArray bias, int rows, int out) {
        for (@Parallel int j = 0; j < out; j++) {
            for (@Parallel int r = 0; r < rows; r++) {
                long at = (long) r * out + j;
                y.set(at, y.get(at) + bias.get(j));
            }
        }
    }

    /**
     * {@link #gemm} over one slice of the K dimension, for products with too few output tiles to fill
     * the device (a batch-64 decode step: 64 rows make one row of tiles). Group {@code g} computes tile
     * {@code g % tiles} over {@code k in [s * kChunk, (s + 1) * kChunk)}, {@code s = g / tiles}, and
     * writes its partial sums to {@code partial[s, rows, out]}; {@link #splitKReduce} adds the slices.
     * Grid as for {@link #gemm} with {@code splits} times the groups.
     */
    public static void gemmSplitK(KernelContext ctx, FloatArray x, FloatArray w, FloatArray partial,
                                  int rows, int in, int out, int kChunk) {
        float[] xs = ctx.allocateFloatLocalArray(K_STEP * LS);
        float[] ws = ctx.allocateFloatLocalArray(K_STEP * LS);
        float[] acc = new float[PER * PER];
        int lid = ctx.localIdx;
        int tx = lid % SIDE;
        int ty = lid / SIDE;
        int tilesOut = (out + TILE - 1) / TILE;
        int tiles = tilesOut * ((rows + TILE - 1) / TILE);
        int tile = ctx.groupIdx % tiles;
        int split = ctx.groupIdx / tiles;
        int col0 = (tile % tilesOut) * TILE;
        int row0 = (tile / tilesOut) * TILE;
        int kBegin = split * kChunk;
        int kEnd = Math.min(in, kBegin + kChunk);
        for (int e = 0; e < PER * PER; e++) {
            acc[e] = 0f;
        }
        for (int k0 = kBegin; k0 < kEnd; k0 += K_STEP) {
            stageSlice(x, w, xs, ws, lid, k0, kEnd, row0, col0, rows, in, out);
            ctx.localBarrier();
            multiplySlice(xs, ws, acc, tx, ty);
            ctx.localBarrier();
        }
        long base = (long) split * rows * out;
        for (int r = 0; r < PER; r++) {
            int row = row0 + ty + SIDE * r;
            for (int q = 0; q < PER; q++) {
                int col = col0 + tx + SIDE * q;
                if (row < rows && col < out) {
                    partial.set(base + (long) row * out + col, acc[r * PER + q]);
                }
            }
        }
    }

    /**
     * y[r, j] = sum over s of partial[s, r, j] (+ bias[j]), the slices added in order (deterministic).
     * Dimension 0 walks the contiguous j.
     */
    public static void splitKReduce(FloatArray partial, FloatArray bias, FloatArray y, int rows, int out, int splits,
                                    boolean hasBias) {
        for (@Parallel int j = 0; j < out; j++) {
            for (@Parallel int r = 0; r < rows; r++) {
                long at = (long) r * out + j;
                float v = 0f;
                for (int s = 0; s < splits; s++) {
                    v += partial.get((long) s * rows * out + at);
                }
                if (hasBias) {
                    v += bias.get(j);
                }
                y.set(at, v);
            }
        }
    }

    /**
     * Stages the K_STEP-deep slice at {@code k0} of x's TILE rows from {@code row0} and W's TILE rows from
     * {@code col0} into {@code xs} and {@code ws} (k-major, LS floats apart), zero at k >= kEnd and past
     * rows or out; consecutive items load consecutive k of one row.
     */
    static void stageSlice(FloatArray x, FloatArray w, float[] xs, float[] ws, int lid, int k0, int kEnd, int row0,
                           int col0, int rows, int in, int out) {
        for (int e = 0; e < K_STEP * TILE / GEMM_GROUP; e++) {
            int idx = lid + GEMM_GROUP * e;
            int kk = idx % K_STEP;
            int m = idx / K_STEP;
            int k = k0 + kk;
            float xv = 0f;
            float wv = 0f;
            if (k < kEnd) {
                if (row0 + m < rows) {
                    xv = x.get((long) (row0 + m) * in + k);
                }
                if (col0 + m < out) {
                    wv = w.get((long) (col0 + m) * in + k);
                }
            }
            xs[kk * LS + m] = xv;
            ws[kk * LS + m] = wv;
        }
    }

    /**
     * acc[r * PER + q] (this item's outputs: tile row ty + SIDE r, column tx + SIDE q) += the staged slice's
     * products, as fused multiply-adds: the inner step of {@link #gemm}, {@link #gemmSplitK} and
     * {@link LinearBf16Kernels#gemm}.
     */
    static void multiplySlice(float[] xs, float[] ws, float[] acc, int tx, int ty) {
        for (int kk = 0; kk < K_STEP; kk++) {
            for (int r = 0; r < PER; r++) {
                float xv = xs[kk * LS + ty + SIDE * r];
                for (int q = 0; q < PER; q++) {
                    acc[r * PER + q] = KernelMath.fma(xv, ws[kk * LS + tx + SIDE * q], acc[r * PER + q]);
                }
            }
        }
    }
}
