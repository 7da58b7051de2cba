package io.jmamba.kernels.nn;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.backend.ComputeDevice;

import java.util.List;
import java.util.Objects;

/** Host API of {@link LayoutKernels}: column-block copies and batched transposes. */
public final class Layout {
    private Layout() {
    }

    /**
     * Appends task {@code prefix + "_cols"}: dst (rows, dstCols)[:, dstOffset : dstOffset + width] =
     * src (rows, srcCols)[:, srcOffset : srcOffset + width].
     */
    public static void addCopyColumns(TaskGraph graph, GridScheduler grids, String prefix, int rows, int width,
                                      FloatArray src, int srcCols, int srcOffset, FloatArray dst, int dstCols, int dstOffset) {
        Objects.requireNonNull(graph, "graph");
        Objects.requireNonNull(grids, "grids");
        GraphParts.checkPrefix(prefix);
        checkColumns(rows, width, src, srcCols, srcOffset, dst, dstCols, dstOffset);
        String id = prefix + "_cols";
        graph.task(id, LayoutKernels::copyColumns, src, dst, rows, width, srcCols, srcOffset, dstCols, dstOffset);
        grids.addWorkerGrid(graph.getName() + "." + id, GraphParts.loopGrid(width, rows));
    }

    /** Appends task {@code prefix + "_transpose"}: dst (batch, cols, rows) = src (batch, rows, cols) transposed. */
    public static void addTranspose(TaskGraph graph, GridScheduler grids, String prefix, int batch, int rows, int cols,
                                    FloatArray src, FloatArray dst) {
        Objects.requireNonNull(graph, "graph");
        Objects.requireNonNull(grids, "grids");
        GraphParts.checkPrefix(prefix);
        checkTranspose(batch, rows, cols, src, dst);
        String id = prefix + "_transpose";
        graph.task(id, LayoutKernels::transpose, src, dst, batch, rows, cols);
        grids.addWorkerGrid(graph.getName() + "." + id, GraphParts.loopGrid(cols, rows, batch));
    }

    /** One column-block copy on {@code device}; {@code dst} is read in first so the other columns keep their values. */
    public static void runCopyColumns(ComputeDevice device, int rows, int width, FloatArray src, int srcCols, int srcOffset,
                                      FloatArray dst, int dstCols, int dstOffset) {
        checkColumns(rows, width, src, srcCols, srcOffset, dst, dstCols, dstOffset);
        GraphParts.runOnce(device, "layout", GraphParts.arrays(src, dst), List.of(dst),
                (g, grids) -> addCopyColumns(g, grids, "l", rows, width, src, srcCols, srcOffset, dst, dstCols, dstOffset));
    }

    /** One transpose on {@code device}. */
    public static void runTranspose(ComputeDevice device, int batch, int rows, int cols, FloatArray src, FloatArray dst) {
        checkTranspose(batch, rows, cols, src, dst);
        GraphParts.runOnce(device, "layout", GraphParts.arrays(src), List.of(dst),
                (g, grids) -> addTranspose(g, grids, "l", batch, rows, cols, src, dst));
    }

    static void checkColumns(int rows, int width, FloatArray src, int srcCols, int srcOffset, FloatArray dst, int dstCols,
                             int dstOffset) {
        ShapeCheck.requirePositive("rows", rows);
        ShapeCheck.requirePositive("width", width);
        ShapeCheck.requireShape("src", src, "(rows, srcCols)", rows, srcCols);
        ShapeCheck.requireShape("dst", dst, "(rows, dstCols)", rows, dstCols);
        if (srcOffset < 0 || (long) srcOffset + width > srcCols) {
            throw new IllegalArgumentException("src columns [" + srcOffset + ", " + ((long) srcOffset + width)
                    + ") are outside [0, " + srcCols + ")");
        }
        if (dstOffset < 0 || (long) dstOffset + width > dstCols) {
            throw new IllegalArgumentException("dst columns [" + dstOffset + ", " + ((long) dstOffset + width)
                    + ") are outside [0, " + dstCols + ")");
        }
    }

    static void checkTranspose(int batch, int rows, int cols, FloatArray src, FloatArray dst) {
        ShapeCheck.requirePositive("batch", batch);
        ShapeCheck.requirePositive("rows", rows);
        ShapeCheck.requirePositive("cols", cols);
        ShapeCheck.requireShape("src", src, "(batch, rows, cols)", batch, rows, cols);
        ShapeCheck.requireShape("dst", dst, "(batch, cols, rows)", batch, cols, rows);
    }
}
