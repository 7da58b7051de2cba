package io.jmamba.kernels.nn;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.api.WorkerGrid;
import io.jmamba.runtime.api.WorkerGrid3D;
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
        addTranspose(graph, grids, prefix, batch, rows, cols, src, dst, true);
    }

    /**
     * As {@link #addTranspose(TaskGraph, GridScheduler, String, int, int, int, FloatArray, FloatArray)}, with
     * {@code tiled} choosing {@link LayoutKernels#transposeTiled} (coalesced reads and writes) or the plain
     * {@link LayoutKernels#transpose} (strided writes; kept to time against).
     */
    public static void addTranspose(TaskGraph graph, GridScheduler grids, String prefix, int batch, int rows, int cols,
                                    FloatArray src, FloatArray dst, boolean tiled) {
        Objects.requireNonNull(graph, "graph");
        Objects.requireNonNull(grids, "grids");
        GraphParts.checkPrefix(prefix);
        checkTranspose(batch, rows, cols, src, dst);
        String id = prefix + "_transpose";
        if (tiled) {
            long plane = (long) rows * cols;
            graph.task(id, LayoutKernels::transposeTiled, new KernelContext(), src, dst, batch, rows, cols,
                    0L, plane, (long) cols, 0L, plane, (long) rows);
            grids.addWorkerGrid(graph.getName() + "." + id, tiledTransposeGrid(batch, rows, cols));
        } else {
            graph.task(id, LayoutKernels::transpose, src, dst, batch, rows, cols);
            grids.addWorkerGrid(graph.getName() + "." + id, GraphParts.loopGrid(cols, rows, batch));
        }
    }

    /**
     * Whole work-groups of (TILE, TILE_ROWS, 1): one per tile where CUDA's grid allows it (65535 groups in
     * y and z), fewer beyond, where the kernel's tile loops stride.
     */
    public static WorkerGrid tiledTransposeGrid(int batch, int rows, int cols) {
        long tilesX = Math.min((cols - 1L) / LayoutKernels.TILE + 1, 1L << 16);
        long tilesY = Math.min((rows - 1L) / LayoutKernels.TILE + 1, GraphParts.MAX_GRID_YZ);
        long groupsZ = Math.min(batch, GraphParts.MAX_GRID_YZ);
        return new WorkerGrid3D(tilesX * LayoutKernels.TILE, tilesY * LayoutKernels.TILE_ROWS, groupsZ)
                .setLocalWork(LayoutKernels.TILE, LayoutKernels.TILE_ROWS, 1);
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
        runTranspose(device, batch, rows, cols, src, dst, true);
    }

    /** One transpose on {@code device}, tiled or plain. */
    public static void runTranspose(ComputeDevice device, int batch, int rows, int cols, FloatArray src, FloatArray dst,
                                    boolean tiled) {
        checkTranspose(batch, rows, cols, src, dst);
        GraphParts.runOnce(device, "layout", GraphParts.arrays(src), List.of(dst),
                (g, grids) -> addTranspose(g, grids, "l", batch, rows, cols, src, dst, tiled));
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
