package io.jmamba.kernels.nn;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelContext;

/**
 * y = x . W^T (+ bias) for linear layers: x (rows, in), W (out, in) as PyTorch stores it, y (rows, out).
 * <ul>
 *   <li>{@link #gemm}: 64 x 64 output tiles per work-group of 256 items, 4 x 4 outputs per item;
 *       each step stages 16-deep slices of x and W in local memory, so every element loaded from
 *       global memory is used 64 times.</li>
 *   <li>{@link #gemv}: for one (or a few) tokens, one work-group of {@link #GEMV_GROUP} items per
 *       output: the items read consecutive elements of a W row (coalesced) and reduce in local memory.</li>
 * </ul>
 * Both need the grids {@link Linear} gives them.
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
    /** Work-group size of {@link #gemv}; a power of two for the tree reduction. */
    public static final int GEMV_GROUP = 128;

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
            for (int e = 0; e < K_STEP * TILE / GEMM_GROUP; e++) {
                int idx = lid + GEMM_GROUP * e;
                int kk = idx % K_STEP;  // consecutive items: consecutive k of one row
                int m = idx / K_STEP;
                int k = k0 + kk;
                float xv = 0f;
                float wv = 0f;
                if (k < in) {
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
            ctx.localBarrier();
            for (int kk = 0; kk < K_STEP; kk++) {
                for (int r = 0; r < PER; r++) {
                    float xv = xs[kk * LS + ty + SIDE * r];
                    for (int q = 0; q < PER; q++) {
                        acc[r * PER + q] += xv * ws[kk * LS + tx + SIDE * q];
                    }
                }
            }
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
     * GEMV for few rows. Grid: (out * GEMV_GROUP, rows), local (GEMV_GROUP, 1): work-group (o, r)
     * computes y[r, o].
     */
    public static void gemv(KernelContext ctx, FloatArray x, FloatArray w, FloatArray bias, FloatArray y,
                            int rows, int in, int out, boolean hasBias) {
        float[] partial = ctx.allocateFloatLocalArray(GEMV_GROUP);
        int lid = ctx.localIdx;
        int o = ctx.groupIdx;
        int r = ctx.globalIdy;
        long xRow = (long) r * in;
        long wRow = (long) o * in;
        float acc = 0f;
        for (int k = lid; k < in; k += GEMV_GROUP) {
            acc += x.get(xRow + k) * w.get(wRow + k);
        }
        partial[lid] = acc;
        ctx.localBarrier();
        for (int half = GEMV_GROUP / 2; half > 0; half = half / 2) {
            if (lid < half) {
                partial[lid] = partial[lid] + partial[lid + half];
            }
            ctx.localBarrier();
        }
        if (lid == 0) {
            float v = partial[0];
            if (hasBias) {
                v += bias.get(o);
            }
            y.set((long) r * out + o, v);
        }
    }
}
