package io.jmamba.model.device;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelContext;

/**
 * A batched matrix transpose through local memory, for the layout moves between token-major and
 * channel-major activations at prefill lengths. Element (b, r, c) of the source is at
 * {@code srcOff + b * srcBatchStride + r * srcRowStride + c}; it goes to (b, c, r) of the destination,
 * at {@code dstOff + b * dstBatchStride + c * dstRowStride + r}. A work-group of {@link #TILE} x
 * {@link #ROWS} items moves one {@link #TILE} x {@link #TILE} tile: it reads the tile's rows (consecutive
 * items, consecutive c), and writes the tile's columns (consecutive items, consecutive r), so both
 * sides are coalesced; the local tile is {@link #TILE} + 1 wide so the column reads hit distinct banks.
 */
public final class TransposeKernels {
    private TransposeKernels() {
    }

    /** Tile edge: one warp's worth of consecutive addresses. */
    public static final int TILE = 32;
    /** Item rows per work-group; each item moves TILE / ROWS elements. */
    public static final int ROWS = 8;
    private static final int LS = TILE + 1;

    /**
     * Grid (ceil(cols / TILE) * TILE, ceil(rows / TILE) * ROWS, batch), local (TILE, ROWS, 1); see
     * {@link LayoutTasks}.
     */
    public static void transpose(KernelContext ctx, FloatArray src, FloatArray dst, int rows, int cols,
                                 long srcOff, long srcBatchStride, long srcRowStride,
                                 long dstOff, long dstBatchStride, long dstRowStride) {
        float[] tile = ctx.allocateFloatLocalArray(TILE * LS);
        int tx = ctx.localIdx;
        int ty = ctx.localIdy;
        int c0 = ctx.groupIdx * TILE;
        int r0 = ctx.groupIdy * TILE;
        int b = ctx.groupIdz;
        long srcBase = srcOff + b * srcBatchStride;
        long dstBase = dstOff + b * dstBatchStride;
        for (int k = 0; k < TILE; k += ROWS) {
            int r = r0 + ty + k;
            int c = c0 + tx;
            if (r < rows && c < cols) {
                tile[(ty + k) * LS + tx] = src.get(srcBase + r * srcRowStride + c);
            }
        }
        ctx.localBarrier();
        for (int k = 0; k < TILE; k += ROWS) {
            int c = c0 + ty + k;
            int r = r0 + tx;
            if (r < rows && c < cols) {
                dst.set(dstBase + c * dstRowStride + r, tile[tx * LS + ty + k]);
            }
        }
    }
}
