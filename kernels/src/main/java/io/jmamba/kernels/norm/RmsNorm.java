package io.jmamba.kernels.norm;

import io.jmamba.kernels.nn.GraphParts;
import io.jmamba.kernels.nn.ShapeCheck;
import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.api.WorkerGrid1D;
import io.jmamba.runtime.backend.ComputeDevice;

import java.util.List;
import java.util.Objects;

/**
 * Host API of the residual RMSNorm that starts each Mamba block and ends the stack (norm_f):
 * {@code residualOut = x + residual; out = rmsnorm(residualOut) * weight}. The residual stays fp32.
 */
public final class RmsNorm {
    private RmsNorm() {
    }

    /**
     * Appends task {@code prefix + "_rmsnorm"} with the {@link NormVariant#DEFAULT} kernel.
     *
     * @param x           (rows, dim)
     * @param residual    (rows, dim), or null (first layer: the residual becomes x)
     * @param weight      (dim)
     * @param out         (rows, dim)
     * @param residualOut (rows, dim); may be {@code residual} itself to update it in place
     */
    public static void addTo(TaskGraph graph, GridScheduler grids, String prefix, int rows, int dim, float eps,
                             FloatArray x, FloatArray residual, FloatArray weight, FloatArray out, FloatArray residualOut) {
        addTo(graph, grids, prefix, rows, dim, eps, x, residual, weight, out, residualOut, NormVariant.DEFAULT);
    }

    /** {@link #addTo(TaskGraph, GridScheduler, String, int, int, float, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray)} with the given kernel. */
    public static void addTo(TaskGraph graph, GridScheduler grids, String prefix, int rows, int dim, float eps,
                             FloatArray x, FloatArray residual, FloatArray weight, FloatArray out, FloatArray residualOut,
                             NormVariant variant) {
        Objects.requireNonNull(graph, "graph");
        Objects.requireNonNull(grids, "grids");
        Objects.requireNonNull(variant, "variant");
        GraphParts.checkPrefix(prefix);
        check(rows, dim, eps, x, residual, weight, out, residualOut);
        String id = prefix + "_rmsnorm";
        int local = variant == NormVariant.WIDE ? NormWideKernels.localSize(dim) : NormKernels.GROUP;
        ShapeCheck.intProduct("rows * " + local + " work-items", rows, local);
        FloatArray res = GraphParts.orPlaceholder(graph, residual);
        if (variant == NormVariant.WIDE) {
            graph.task(id, NormWideKernels::rmsNormResidual, new KernelContext(), x, res, weight, out, residualOut, rows, dim,
                    eps, residual != null);
        } else {
            graph.task(id, NormKernels::rmsNormResidualGroup, new KernelContext(), x, res, weight, out, residualOut, rows, dim,
                    eps, residual != null);
        }
        grids.addWorkerGrid(graph.getName() + "." + id, new WorkerGrid1D((long) rows * local).setLocalWork(local));
    }

    /**
     * Appends task {@code prefix + "_rmsnorm"} writing the normalised rows in bf16
     * ({@link NormBf16Kernels#rmsNormResidualBf16Out}: the input of a bf16 GEMM, so that no cast kernel runs);
     * the residual stays fp32. Parameters as {@link #addTo(TaskGraph, GridScheduler, String, int, int, float,
     * FloatArray, FloatArray, FloatArray, FloatArray, FloatArray)}.
     */
    public static void addToBf16Out(TaskGraph graph, GridScheduler grids, String prefix, int rows, int dim, float eps,
                                    FloatArray x, FloatArray residual, FloatArray weight, BFloat16Array out,
                                    FloatArray residualOut) {
        Objects.requireNonNull(graph, "graph");
        Objects.requireNonNull(grids, "grids");
        GraphParts.checkPrefix(prefix);
        checkBf16Out(rows, dim, eps, x, residual, weight, out, residualOut);
        String id = prefix + "_rmsnorm";
        int local = NormWideKernels.localSize(dim);
        ShapeCheck.intProduct("rows * " + local + " work-items", rows, local);
        FloatArray res = GraphParts.orPlaceholder(graph, residual);
        graph.task(id, NormBf16Kernels::rmsNormResidualBf16Out, new KernelContext(), x, res, weight, out, residualOut, rows,
                dim, eps, residual != null);
        grids.addWorkerGrid(graph.getName() + "." + id, new WorkerGrid1D((long) rows * local).setLocalWork(local));
    }

    /** One call of {@link #addToBf16Out} on {@code device}: out and residualOut back. */
    public static void runBf16Out(ComputeDevice device, int rows, int dim, float eps, FloatArray x, FloatArray residual,
                                  FloatArray weight, BFloat16Array out, FloatArray residualOut) {
        checkBf16Out(rows, dim, eps, x, residual, weight, out, residualOut);
        GraphParts.runOnce(device, "rmsnormbf16", GraphParts.arrays(x, residual, weight), List.of(out, residualOut),
                (g, grids) -> addToBf16Out(g, grids, "norm", rows, dim, eps, x, residual, weight, out, residualOut));
    }

    static void checkBf16Out(int rows, int dim, float eps, FloatArray x, FloatArray residual, FloatArray weight,
                             BFloat16Array out, FloatArray residualOut) {
        check(rows, dim, eps, x, residual, weight, residualOut, residualOut);
        ShapeCheck.requireShape("out", out, "(rows, dim)", rows, dim);
    }

    /** One call on {@code device}: copies x, residual, weight in and out, residualOut back. */
    public static void run(ComputeDevice device, int rows, int dim, float eps, FloatArray x, FloatArray residual,
                           FloatArray weight, FloatArray out, FloatArray residualOut) {
        run(device, rows, dim, eps, x, residual, weight, out, residualOut, NormVariant.DEFAULT);
    }

    /** One call on {@code device} with the given kernel. */
    public static void run(ComputeDevice device, int rows, int dim, float eps, FloatArray x, FloatArray residual,
                           FloatArray weight, FloatArray out, FloatArray residualOut, NormVariant variant) {
        check(rows, dim, eps, x, residual, weight, out, residualOut);
        GraphParts.runOnce(device, "rmsnorm", GraphParts.arrays(x, residual, weight), List.of(out, residualOut),
                (g, grids) -> addTo(g, grids, "norm", rows, dim, eps, x, residual, weight, out, residualOut, variant));
    }

    static void check(int rows, int dim, float eps, FloatArray x, FloatArray residual, FloatArray weight, FloatArray out,
                      FloatArray residualOut) {
        ShapeCheck.requirePositive("rows", rows);
        ShapeCheck.requirePositive("dim", dim);
        if (!(eps >= 0f)) {
            throw new IllegalArgumentException("eps must be >= 0, got " + eps);
        }
        ShapeCheck.requireShape("x", x, "(rows, dim)", rows, dim);
        if (residual != null) {
            ShapeCheck.requireShape("residual", residual, "(rows, dim)", rows, dim);
        }
        ShapeCheck.requireShape("weight", weight, "(dim)", dim);
        ShapeCheck.requireShape("out", out, "(rows, dim)", rows, dim);
        ShapeCheck.requireShape("residual_out", residualOut, "(rows, dim)", rows, dim);
    }
}
