package io.jmamba.model.device;

import io.jmamba.kernels.nn.LayoutKernels;
import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.Parallel;

/**
 * The layout moves of the bf16-activation prefill ({@link KernelChoices#bf16Activations}): the same moves
 * as {@link LayoutKernels#transposeTiled} and {@link ModelKernels#columns}, with the destination rounded
 * to bf16 on the way (round to nearest even, as torch's {@code .to(bfloat16)}), so that the bf16 SSD's
 * operands are written once at half the bytes instead of written in fp32 and cast by another kernel.
 */
public final class Bf16LayoutKernels {
    private Bf16LayoutKernels() {
    }

    /**
     * {@link LayoutKernels#transposeTiled} with a bf16 destination: dst (b, c, r) = bf16(src (b, r, c)) over
     * strided views; launch exactly as that kernel ({@link io.jmamba.kernels.nn.Layout#tiledTransposeGrid}).
     */
    public static void transposeTiledToBf16(KernelContext ctx, FloatArray src, BFloat16Array dst, int batch, int rows,
                                            int cols, long srcOff, long srcBatchStride, long srcRowStride,
                                            long dstOff, long dstBatchStride, long dstRowStride) {
        int tileSide = LayoutKernels.TILE;
        int tileRows = LayoutKernels.TILE_ROWS;
        float[] tile = ctx.allocateFloatLocalArray(LayoutKernels.TILE * (LayoutKernels.TILE + 1));
        int tilesX = (cols - 1) / tileSide + 1;
        int tilesY = (rows - 1) / tileSide + 1;
        int groupsX = ctx.globalGroupSizeX / tileSide;
        int groupsY = ctx.globalGroupSizeY / tileRows;
        int groupsZ = ctx.globalGroupSizeZ;
        int lx = ctx.localIdx;
        int ly = ctx.localIdy;
        // every loop bound depends on group ids only, so the whole work-group reaches each barrier
        for (int b = ctx.groupIdz; b < batch; b += groupsZ) {
            long srcBase = srcOff + b * srcBatchStride;
            long dstBase = dstOff + b * dstBatchStride;
            for (int ty = ctx.groupIdy; ty < tilesY; ty += groupsY) {
                for (int tx = ctx.groupIdx; tx < tilesX; tx += groupsX) {
                    int c = tx * tileSide + lx;
                    for (int k = 0; k < tileSide; k += tileRows) {
                        int r = ty * tileSide + ly + k;
                        if (r < rows && c < cols) {
                            tile[(ly + k) * (tileSide + 1) + lx] = src.get(srcBase + r * srcRowStride + c);
                        }
                    }
                    ctx.localBarrier();
                    int r2 = ty * tileSide + lx; // consecutive work-items: consecutive destination elements
                    for (int k = 0; k < tileSide; k += tileRows) {
                        int c2 = tx * tileSide + ly + k;
                        if (r2 < rows && c2 < cols) {
                            dst.set(dstBase + c2 * dstRowStride + r2, tile[lx * (tileSide + 1) + ly + k]);
                        }
                    }
                    ctx.localBarrier(); // the tile is refilled by the next iteration
                }
            }
        }
    }

    /**
     * A column range of a token-major tensor, rounded to bf16: dst[t, j] = bf16(src[t, off + j]) for j &lt; n
     * (Mamba-2 prefill: dt out of in_proj's [z | xBC | dt]).
     */
    public static void columnsToBf16(FloatArray src, int tokens, int srcCols, int off, int n, BFloat16Array dst) {
        for (@Parallel int j = 0; j < n; j++) { // dimension 0: consecutive items, consecutive columns
            for (@Parallel int t = 0; t < tokens; t++) {
                dst.set((long) t * n + j, src.get((long) t * srcCols + off + j));
            }
        }
    }
}
