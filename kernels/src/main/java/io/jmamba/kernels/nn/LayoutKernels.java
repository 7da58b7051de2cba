package io.jmamba.kernels.nn;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.Parallel;

/**
 * Data movement between the layouts the layers use: splitting a fused projection's columns (Mamba-2's
 * in_proj gives [z | xBC | dt] per token) and switching between token-major (batch, seqlen, dim) and
 * channel-major (batch, dim, seqlen) tensors.
 */
public final class LayoutKernels {
    /** Side of the square tile {@link #transposeTiled} stages through local memory. */
    public static final int TILE = 32;
    /** Work-group rows of {@link #transposeTiled}: a work-group is TILE x TILE_ROWS items, each moving TILE / TILE_ROWS elements. */
    public static final int TILE_ROWS = 8;

    private LayoutKernels() {
    }

    /** dst[r, dstOffset + c] = src[r, srcOffset + c] for c in [0, width): a column block of a row-major matrix. */
    public static void copyColumns(FloatArray src, FloatArray dst, int rows, int width, int srcCols, int srcOffset,
                                   int dstCols, int dstOffset) {
        for (@Parallel int c = 0; c < width; c++) { // dimension 0: consecutive items, consecutive columns
            for (@Parallel int r = 0; r < rows; r++) {
                dst.set((long) r * dstCols + dstOffset + c, src.get((long) r * srcCols + srcOffset + c));
            }
        }
    }

    /**
     * dst (batch, cols, rows) = src (batch, rows, cols), through a TILE x TILE tile in local memory so
     * that both the reads and the writes of a warp are contiguous (the plain {@link #transpose} writes
     * {@code rows} floats apart: at a million tokens, one 32-byte sector per float). Launch with work-groups
     * of (TILE, TILE_ROWS, 1) and a global size of whole groups: (tiles over cols) x TILE,
     * (tiles over rows) x TILE_ROWS, batch; any smaller number of groups is correct (the tile loops
     * stride by the group counts). The tile has a padding column so the column-wise reads of the
     * second half hit different local-memory banks.
     *
     * <p>Both sides are strided views, so a column range of a wider tensor moves without a copy:
     * element (b, r, c) is read at {@code srcOff + b * srcBatchStride + r * srcRowStride + c} and written
     * as (b, c, r) at {@code dstOff + b * dstBatchStride + c * dstRowStride + r}. Dense tensors have
     * strides (rows * cols, cols) and (rows * cols, rows).
     */
    public static void transposeTiled(KernelContext ctx, FloatArray src, FloatArray dst, int batch, int rows, int cols,
                                      long srcOff, long srcBatchStride, long srcRowStride,
                                      long dstOff, long dstBatchStride, long dstRowStride) {
        float[] tile = ctx.allocateFloatLocalArray(TILE * (TILE + 1));
        int tilesX = (cols - 1) / TILE + 1;
        int tilesY = (rows - 1) / TILE + 1;
        int groupsX = ctx.globalGroupSizeX / TILE;
        int groupsY = ctx.globalGroupSizeY / TILE_ROWS;
        int groupsZ = ctx.globalGroupSizeZ;
        int lx = ctx.localIdx;
        int ly = ctx.localIdy;
        // every loop bound depends on group ids only, so the whole work-group reaches each barrier
        for (int b = ctx.groupIdz; b < batch; b += groupsZ) {
            long srcBase = srcOff + b * srcBatchStride;
            long dstBase = dstOff + b * dstBatchStride;
            for (int ty = ctx.groupIdy; ty < tilesY; ty += groupsY) {
                for (int tx = ctx.groupIdx; tx < tilesX; tx += groupsX) {
                    int c = tx * TILE + lx;
                    for (int k = 0; k < TILE; k += TILE_ROWS) {
                        int r = ty * TILE + ly + k;
                        if (r < rows && c < cols) {
                            tile[(ly + k) * (TILE + 1) + lx] = src.get(srcBase + r * srcRowStride + c);
                        }
                    }
                    ctx.localBarrier();
                    int r2 = ty * TILE + lx; // consecutive work-items: consecutive source rows = consecutive dst floats
                    for (int k = 0; k < TILE; k += TILE_ROWS) {
                        int c2 = tx * TILE + ly + k;
                        if (r2 < rows && c2 < cols) {
                            dst.set(dstBase + c2 * dstRowStride + r2, tile[lx * (TILE + 1) + ly + k]);
                        }
                    }
                    ctx.localBarrier(); // the tile is refilled by the next iteration
                }
            }
        }
    }

    /** dst (batch, cols, rows) = src (batch, rows, cols) with the last two dimensions swapped (kept to time against {@link #transposeTiled}). */
    public static void transpose(FloatArray src, FloatArray dst, int batch, int rows, int cols) {
        for (@Parallel int c = 0; c < cols; c++) { // dimension 0: reads are coalesced, writes strided
            for (@Parallel int r = 0; r < rows; r++) {
                for (@Parallel int b = 0; b < batch; b++) {
                    dst.set(((long) b * cols + c) * rows + r, src.get(((long) b * rows + r) * cols + c));
                }
            }
        }
    }
}
