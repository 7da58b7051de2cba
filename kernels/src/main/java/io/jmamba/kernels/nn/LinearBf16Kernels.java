package io.jmamba.kernels.nn;

import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.Parallel;

import static io.jmamba.kernels.nn.LinearKernels.GEMM_GROUP;
import static io.jmamba.kernels.nn.LinearKernels.K_STEP;
import static io.jmamba.kernels.nn.LinearKernels.LS;
import static io.jmamba.kernels.nn.LinearKernels.PER;
import static io.jmamba.kernels.nn.LinearKernels.SIDE;
import static io.jmamba.kernels.nn.LinearKernels.TILE;

/**
 * Linear-layer kernels for bf16 weights (fp32 activations, fp32 accumulation), the many-row side of
 * {@link LinearBf16}:
 * <ul>
 *   <li>{@link #gemm}: {@link LinearKernels#gemm} with W widened from bf16 as it is staged (same tiles,
 *       same grid): the portable path, for devices without cuBLAS.</li>
 *   <li>{@link #toBf16}: rounds fp32 activations to bf16 (nearest, ties to even) for cuBLAS's
 *       bf16 x bf16 -> fp32 GEMM on the tensor cores.</li>
 * </ul>
 */
public final class LinearBf16Kernels {
    private LinearBf16Kernels() {
    }

    /**
     * Tiled GEMM, x fp32 (rows, in), W bf16 (out, in), y fp32 (rows, out). 1-D launch as
     * {@link LinearKernels#gemm}: {@code ceil(rows / 64) * ceil(out / 64)} groups of
     * {@link LinearKernels#GEMM_GROUP} items.
     */
    public static void gemm(KernelContext ctx, FloatArray x, BFloat16Array w, FloatArray bias, FloatArray y,
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
            LinearKernels.multiplySlice(xs, ws, acc, tx, ty);
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

    /** dst[r, c] = bf16(src[r, c]) for rows x cols elements (two loops: sizes beyond 2^31 elements stay exact). */
    public static void toBf16(FloatArray src, BFloat16Array dst, int rows, int cols) {
        for (@Parallel int c = 0; c < cols; c++) {
            for (@Parallel int r = 0; r < rows; r++) {
                long at = (long) r * cols + c;
                dst.set(at, src.get(at));
            }
        }
    }
}
