package io.jmamba.kernels.nn;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.api.WorkerGrid;
import io.jmamba.runtime.api.WorkerGrid1D;
import io.jmamba.runtime.api.WorkerGrid2D;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.cuda.CuBlas;

import java.util.List;
import java.util.Objects;

/**
 * Host API of a linear layer, y (rows, out) = x (rows, in) . W (out, in)^T + bias (out): in_proj,
 * x_proj, dt_proj, out_proj and lm_head. Few rows (decoding) take the warp GEMV ({@link GemvWarpKernel}),
 * more take the tiled GEMM; {@link Path} forces one. On CUDA devices {@link Path#AUTO_CUBLAS} hands the many-row products to
 * cuBLAS instead (fp32 sgemm in cuBLAS's default math mode: fp32 arithmetic and accumulation, no TF32).
 */
public final class Linear {
    private Linear() {
    }

    /** Up to this many rows a GEMV per row beats a GEMM tile that would be mostly empty. */
    public static final int GEMV_MAX_ROWS = 4;

    /**
     * The warp GEMV gives an output more warps (up to {@link GemvWarpKernel#WARPS}) while there are fewer
     * than this many warps in all: 16 for each of an H100's 132 SMs, enough loads in flight to keep its
     * memory busy.
     */
    static final int GEMV_TARGET_WARPS = 2048;

    /**
     * Below this many 64 x 64 output tiles {@link Path#AUTO} cuts K in slices ({@link Path#GEMM_SPLIT_K}):
     * a few dozen work-groups would leave most of a GPU's compute units idle.
     */
    public static final int MIN_GEMM_GROUPS = 128;
    /** Work-groups the split-K GEMM aims for. */
    static final int SPLIT_K_TARGET_GROUPS = 256;
    /** At most this many K slices (each adds rows x out floats of partial sums). */
    static final int MAX_SPLITS = 16;
    /** Each K slice is at least this deep, so that its tile loads are not all overhead. */
    static final int MIN_SLICE = 4 * LinearKernels.K_STEP;

    /** Which kernel computes the product. */
    public enum Path {
        /**
         * GEMV up to {@link #GEMV_MAX_ROWS} rows, beyond that the JIT tiled GEMM, with K cut in slices
         * when there are fewer than {@link #MIN_GEMM_GROUPS} output tiles: any device.
         */
        AUTO,
        /** The JIT tiled GEMM, one work-group per output tile. */
        GEMM,
        /** The JIT tiled GEMM with K in slices (as many as fill the device; one when K is short) and a reduction. */
        GEMM_SPLIT_K,
        /** The JIT warp GEMV ({@link GemvWarpKernel}). */
        GEMV,
        /**
         * The first JIT GEMV ({@link LinearKernels#gemv}: 32 items per output, scalar loads, a tree
         * reduction in local memory), kept to time the warp GEMV against.
         */
        GEMV_TREE,
        /**
         * cuBLAS sgemm (CUDA devices only: on another device the graph fails when it runs, naming the
         * device). A bias is added by a small JIT kernel after the product.
         */
        CUBLAS,
        /** GEMV up to {@link #GEMV_MAX_ROWS} rows, cuBLAS beyond: what CUDA devices use. */
        AUTO_CUBLAS,
        /**
         * As {@link #AUTO_CUBLAS}, the cuBLAS products on the tensor cores in TF32 (inputs rounded to a
         * 10-bit mantissa, fp32 accumulation; about 1e-3 relative error per product). Opt-in only: never
         * chosen by default.
         */
        AUTO_CUBLAS_TF32,
        /** As {@link #AUTO_CUBLAS} with {@link #GEMV_TREE} for few rows: the before state of the warp GEMV. */
        AUTO_CUBLAS_GEMV_TREE;

        /** AUTO_CUBLAS on CUDA devices, AUTO elsewhere. */
        public static Path autoFor(ComputeDevice device) {
            return device.backendName().equals("cuda") ? AUTO_CUBLAS : AUTO;
        }
    }

    /**
     * Appends task {@code prefix + "_gemm"} or {@code prefix + "_gemv"} with the kernel chosen by row count
     * ({@link Path#AUTO}).
     */
    public static void addTo(TaskGraph graph, GridScheduler grids, String prefix, int rows, int in, int out,
                             FloatArray x, FloatArray w, FloatArray bias, FloatArray y) {
        addTo(graph, grids, prefix, rows, in, out, x, w, bias, y, Path.AUTO);
    }

    /**
     * As {@link #addTo(TaskGraph, GridScheduler, String, int, int, int, FloatArray, FloatArray, FloatArray, FloatArray)}
     * with the kernel given. The cuBLAS path adds the library task {@code prefix + "_cublas"} and, with a
     * bias, the kernel task {@code prefix + "_bias"}.
     */
    public static void addTo(TaskGraph graph, GridScheduler grids, String prefix, int rows, int in, int out,
                             FloatArray x, FloatArray w, FloatArray bias, FloatArray y, Path path) {
        Objects.requireNonNull(graph, "graph");
        Objects.requireNonNull(grids, "grids");
        Objects.requireNonNull(path, "path");
        GraphParts.checkPrefix(prefix);
        check(rows, in, out, x, w, bias, y);
        FloatArray b = GraphParts.orPlaceholder(graph, bias);
        boolean autoCublas = path == Path.AUTO_CUBLAS || path == Path.AUTO_CUBLAS_TF32 || path == Path.AUTO_CUBLAS_GEMV_TREE;
        boolean auto = path == Path.AUTO || autoCublas;
        boolean gemvTree = path == Path.GEMV_TREE || path == Path.AUTO_CUBLAS_GEMV_TREE && rows <= GEMV_MAX_ROWS;
        boolean gemv = !gemvTree && (path == Path.GEMV || auto && rows <= GEMV_MAX_ROWS);
        boolean cublas = !gemv && !gemvTree && (path == Path.CUBLAS || autoCublas);
        String g = graph.getName() + ".";
        if (cublas) {
            // row-major y[rows, out] = x[rows, in] . (W[out, in])^T: A = x untransposed, B = W transposed
            graph.libraryTask(prefix + "_cublas", path == Path.AUTO_CUBLAS_TF32
                    ? CuBlas.sgemmTf32(false, true, rows, out, in, 1f, 0f)
                    : CuBlas.sgemm(false, true, rows, out, in, 1f, 0f), x, w, y);
            if (bias != null) {
                String id = prefix + "_bias";
                graph.task(id, LinearKernels::addBias, y, bias, rows, out);
                grids.addWorkerGrid(g + id, GraphParts.loopGrid(out, rows));
            }
        } else if (gemv) {
            addWarpGemv(graph, grids, prefix, rows, in, out, x, w, bias, b, y);
        } else if (gemvTree) {
            String id = prefix + "_gemv";
            long rowBlocks = gemvRowBlocks(rows, LinearKernels.GEMV_ROWS);
            long outBlocks = (out + LinearKernels.GEMV_OUTPUTS - 1) / LinearKernels.GEMV_OUTPUTS;
            ShapeCheck.intProduct("GEMV work-items", outBlocks, LinearKernels.GEMV_GROUP);
            graph.task(id, LinearKernels::gemv, new KernelContext(), x, w, b, y, rows, in, out, bias != null);
            grids.addWorkerGrid(g + id, new WorkerGrid2D(outBlocks * LinearKernels.GEMV_GROUP, rowBlocks)
                    .setLocalWork(LinearKernels.GEMV_GROUP, 1));
        } else if (path == Path.GEMM_SPLIT_K || auto && tiles(rows) * tiles(out) < MIN_GEMM_GROUPS && splits(rows, in, out) > 1) {
            int splits = splits(rows, in, out);
            int kChunk = kChunk(in, splits);
            String id = prefix + "_gemmk";
            long groups = tiles(rows) * tiles(out) * splits;
            ShapeCheck.intProduct("GEMM work-items", groups, LinearKernels.GEMM_GROUP);
            FloatArray partial = new FloatArray((long) splits * rows * out); // never leaves the device
            graph.task(id, LinearKernels::gemmSplitK, new KernelContext(), x, w, partial, rows, in, out, kChunk);
            grids.addWorkerGrid(g + id, new WorkerGrid1D(groups * LinearKernels.GEMM_GROUP).setLocalWork(LinearKernels.GEMM_GROUP));
            String sum = prefix + "_gemmk_sum";
            graph.task(sum, LinearKernels::splitKReduce, partial, b, y, rows, out, splits, bias != null);
            grids.addWorkerGrid(g + sum, GraphParts.loopGrid(out, rows));
        } else {
            String id = prefix + "_gemm";
            long groups = tiles(rows) * tiles(out);
            ShapeCheck.intProduct("GEMM work-items", groups, LinearKernels.GEMM_GROUP);
            graph.task(id, LinearKernels::gemm, new KernelContext(), x, w, b, y, rows, in, out, bias != null);
            grids.addWorkerGrid(g + id, new WorkerGrid1D(groups * LinearKernels.GEMM_GROUP).setLocalWork(LinearKernels.GEMM_GROUP));
        }
    }

    /** Task {@code prefix + "_gemv"}: the warp GEMV, its grid as {@link GemvWarpKernel} says. */
    private static void addWarpGemv(TaskGraph graph, GridScheduler grids, String prefix, int rows, int in, int out,
                                    FloatArray x, FloatArray w, FloatArray bias, FloatArray b, FloatArray y) {
        String id = prefix + "_gemv";
        int split = gemvSplit(in, out);
        graph.task(id, GemvWarpKernel::gemv, new KernelContext(), x, w, b, y, rows, in, out, bias != null, split);
        grids.addWorkerGrid(graph.getName() + "." + id, warpGemvGrid(rows, out, split));
    }

    /**
     * The launch grid of the warp GEMVs ({@link GemvWarpKernel}, {@link GemvBf16Kernel}, {@link GemvBf16PackedKernel}:
     * {@link GemvWarpKernel#GROUP} items, {@code WARPS / split} outputs per work-group, {@link GemvWarpKernel#ROWS}
     * rows per grid row).
     */
    static WorkerGrid warpGemvGrid(int rows, int out, int split) {
        long rowBlocks = gemvRowBlocks(rows, GemvWarpKernel.ROWS);
        int perGroup = GemvWarpKernel.WARPS / split;
        long groups = (out + perGroup - 1) / perGroup;
        ShapeCheck.intProduct("GEMV work-items", groups, GemvWarpKernel.GROUP);
        return new WorkerGrid2D(groups * GemvWarpKernel.GROUP, rowBlocks).setLocalWork(GemvWarpKernel.GROUP, 1);
    }

    /** Grid rows of a GEMV taking {@code rowsPerBlock} input rows per grid row; too many for CUDA's grid is an error. */
    static long gemvRowBlocks(int rows, int rowsPerBlock) {
        long rowBlocks = (rows + rowsPerBlock - 1) / rowsPerBlock;
        if (rowBlocks > GraphParts.MAX_GRID_YZ) {
            throw new IllegalArgumentException("the GEMV path takes at most " + GraphParts.MAX_GRID_YZ * rowsPerBlock
                    + " rows (one grid row per " + rowsPerBlock + " input rows; CUDA's limit), got " + rows
                    + "; use the GEMM path");
        }
        return rowBlocks;
    }

    /**
     * Warps per output of the warp GEMV: doubled (up to {@link GemvWarpKernel#WARPS}) while the launch has
     * fewer than {@link #GEMV_TARGET_WARPS} warps and every lane keeps at least two float4 loads of its row.
     */
    static int gemvSplit(int in, int out) {
        int split = 1;
        while (split < GemvWarpKernel.WARPS && (long) out * split < GEMV_TARGET_WARPS
                && in >= 4L * GemvWarpKernel.CHUNK * split) {
            split *= 2;
        }
        return split;
    }

    /** One call on {@code device}. */
    public static void run(ComputeDevice device, int rows, int in, int out, FloatArray x, FloatArray w, FloatArray bias,
                           FloatArray y, Path path) {
        check(rows, in, out, x, w, bias, y);
        GraphParts.runOnce(device, "linear", GraphParts.arrays(x, w, bias), List.of(y),
                (g, grids) -> addTo(g, grids, "lin", rows, in, out, x, w, bias, y, path));
    }

    static void check(int rows, int in, int out, FloatArray x, FloatArray w, FloatArray bias, FloatArray y) {
        ShapeCheck.requirePositive("rows", rows);
        ShapeCheck.requirePositive("in", in);
        ShapeCheck.requirePositive("out", out);
        ShapeCheck.requireShape("x", x, "(rows, in)", rows, in);
        ShapeCheck.requireShape("W", w, "(out, in)", out, in);
        if (bias != null) {
            ShapeCheck.requireShape("bias", bias, "(out)", out);
        }
        ShapeCheck.requireShape("y", y, "(rows, out)", rows, out);
    }

    /** K slices for the split-K GEMM: enough groups to reach the target, each slice at least MIN_SLICE deep. */
    static int splits(int rows, int in, int out) {
        long groups = tiles(rows) * tiles(out);
        long want = (SPLIT_K_TARGET_GROUPS + groups - 1) / groups;
        long s = Math.max(1, Math.min(Math.min(want, MAX_SPLITS), in / MIN_SLICE));
        return (int) ((in + kChunk(in, (int) s) - 1) / kChunk(in, (int) s));
    }

    /** The depth of each of {@code splits} K slices: a whole number of K_STEPs. */
    static int kChunk(int in, int splits) {
        int chunk = (in + splits - 1) / splits;
        return (chunk + LinearKernels.K_STEP - 1) / LinearKernels.K_STEP * LinearKernels.K_STEP;
    }

    static long tiles(long v) {
        return (v + LinearKernels.TILE - 1) / LinearKernels.TILE;
    }
}
