package io.jmamba.kernels.nn;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.Parallel;

/**
 * Data movement between the layouts the layers use: splitting a fused projection's columns (Mamba-2's
 * in_proj gives [z | xBC | dt] per token) and switching between token-major (batch, seqlen, dim) and
 * channel-major (batch, dim, seqlen) tensors.
 */
public final class LayoutKernels {
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

    /** dst (batch, cols, rows) = src (batch, rows, cols) with the last two dimensions swapped. */
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
