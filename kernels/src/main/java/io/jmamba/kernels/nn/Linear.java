package io.jmamba.kernels.nn;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.api.WorkerGrid1D;
import io.jmamba.runtime.api.WorkerGrid2D;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.cuda.CuBlas;

import java.util.List;
import java.util.Objects;

/**
 * Host API of a linear layer, y (rows, out) = x (rows, in) . W (out, in)^T + bias (out): in_proj,
 * x_proj, dt_proj, out_proj and lm_head. Few rows (decoding) take the GEMV kernel, more take the tiled
 * GEMM; {@link Path} forces one. On CUDA devices {@link Path#AUTO_CUBLAS} hands the many-row products to
 * cuBLAS instead (fp32 sgemm in cuBLAS's default math mode: fp32 arithmetic and accumulation, no TF32).
 */
public final class Linear {
    private Linear() {
    }

    /** Up to this many rows a GEMV per row beats a GEMM tile that would be mostly empty. */
    public static final int GEMV_MAX_ROWS = 4;

    /** Which kernel computes the product. */
    public enum Path {
        /** GEMV up to {@link #GEMV_MAX_ROWS} rows, the JIT tiled GEMM beyond: any device. */
        AUTO,
        /** The JIT tiled GEMM. */
        GEMM,
        /** The JIT GEMV. */
        GEMV,
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
        AUTO_CUBLAS_TF32;

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
        boolean auto = path == Path.AUTO || path == Path.AUTO_CUBLAS || path == Path.AUTO_CUBLAS_TF32;
        boolean gemv = path == Path.GEMV || auto && rows <= GEMV_MAX_ROWS;
        boolean cublas = !gemv && (path == Path.CUBLAS || path == Path.AUTO_CUBLAS || path == Path.AUTO_CUBLAS_TF32);
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
            String id = prefix + "_gemv";
            long rowBlocks = (rows + LinearKernels.GEMV_ROWS - 1) / LinearKernels.GEMV_ROWS;
            if (rowBlocks > GraphParts.MAX_GRID_YZ) {
                throw new IllegalArgumentException("the GEMV path takes at most " + GraphParts.MAX_GRID_YZ * LinearKernels.GEMV_ROWS
                        + " rows (one grid row per " + LinearKernels.GEMV_ROWS + " input rows; CUDA's limit), got " + rows
                        + "; use the GEMM path");
            }
            long outBlocks = (out + LinearKernels.GEMV_OUTPUTS - 1) / LinearKernels.GEMV_OUTPUTS;
            ShapeCheck.intProduct("GEMV work-items", outBlocks, LinearKernels.GEMV_GROUP);
            graph.task(id, LinearKernels::gemv, new KernelContext(), x, w, b, y, rows, in, out, bias != null);
            grids.addWorkerGrid(g + id, new WorkerGrid2D(outBlocks * LinearKernels.GEMV_GROUP, rowBlocks)
                    .setLocalWork(LinearKernels.GEMV_GROUP, 1));
        } else {
            String id = prefix + "_gemm";
            long groups = tiles(rows) * tiles(out);
            ShapeCheck.intProduct("GEMM work-items", groups, LinearKernels.GEMM_GROUP);
            graph.task(id, LinearKernels::gemm, new KernelContext(), x, w, b, y, rows, in, out, bias != null);
            grids.addWorkerGrid(g + id, new WorkerGrid1D(groups * LinearKernels.GEMM_GROUP).setLocalWork(LinearKernels.GEMM_GROUP));
        }
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

    static long tiles(long v) {
        return (v + LinearKernels.TILE - 1) / LinearKernels.TILE;
    }
}
