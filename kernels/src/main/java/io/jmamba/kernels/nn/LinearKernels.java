package io.jmamba.kernels.nn;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.Specialize;

/**
 * y = x . W^T (+ bias) for linear layers: x (rows, in), W (out, in) as PyTorch stores it, y (rows, out).
 * <ul>
 *   <li>{@link #gemm}: 16 x 16 output tiles per work-group; each step stages a 16 x 16 slice of x and
 *       of W in local memory so every element loaded from global memory is used 16 times.</li>
 *   <li>{@link #gemv}: for one (or a few) tokens, one work-group of {@link #GEMV_GROUP} items per
 *       output: the items read consecutive elements of a W row (coalesced) and reduce in local memory.</li>
 * </ul>
 * Both need the grids {@link Linear} gives them.
 */
public final class LinearKernels {
    private LinearKernels() {
    }

    /** Tile edge of {@link #gemm}; the work-group is TILE x TILE. */
    public static final int TILE = 16;
    /** Local rows are TILE + 1 floats apart so that column reads do not hit one bank. */
    static final int STRIDE = TILE + 1;
    /** Work-group size of {@link #gemv}; a power of two for the tree reduction. */
    public static final int GEMV_GROUP = 128;

    /**
     * Tiled GEMM. Grid: (roundUp(out, TILE), roundUp(rows, TILE)), local (TILE, TILE); x is dimension 0
     * (output column) so that neighbouring items write neighbouring elements of y.
     */
    public static void gemm(KernelContext ctx, FloatArray x, FloatArray w, FloatArray bias, FloatArray y,
                            int rows, int in, int out, @Specialize boolean hasBias) {
        float[] xs = ctx.allocateFloatLocalArray(TILE * STRIDE);
        float[] ws = ctx.allocateFloatLocalArray(TILE * STRIDE);
        int tx = ctx.localIdx;
        int ty = ctx.localIdy;
        int col0 = ctx.groupIdx * TILE;
        int row0 = ctx.groupIdy * TILE;
        int col = col0 + tx;
        int row = row0 + ty;
        float acc = 0f;
        for (int k0 = 0; k0 < in; k0 += TILE) {
            int k = k0 + tx;
            // item (tx, ty) loads x[row0 + ty, k0 + tx] and W[col0 + ty, k0 + tx]: consecutive tx, consecutive k
            float xv = 0f;
            if (row < rows && k < in) {
                xv = x.get((long) row * in + k);
            }
            xs[ty * STRIDE + tx] = xv;
            float wv = 0f;
            if (col0 + ty < out && k < in) {
                wv = w.get((long) (col0 + ty) * in + k);
            }
            ws[ty * STRIDE + tx] = wv;
            ctx.localBarrier();
            for (int kk = 0; kk < TILE; kk++) {
                acc += xs[ty * STRIDE + kk] * ws[tx * STRIDE + kk];
            }
            ctx.localBarrier();
        }
        if (row < rows && col < out) {
            if (hasBias) {
                acc += bias.get(col);
            }
            y.set((long) row * out + col, acc);
        }
    }

    /**
     * GEMV for few rows. Grid: (out * GEMV_GROUP, rows), local (GEMV_GROUP, 1): work-group (o, r)
     * computes y[r, o].
     */
    public static void gemv(KernelContext ctx, FloatArray x, FloatArray w, FloatArray bias, FloatArray y,
                            int rows, int in, int out, @Specialize boolean hasBias) {
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
