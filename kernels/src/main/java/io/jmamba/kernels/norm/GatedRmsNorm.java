package io.jmamba.kernels.norm;

import io.jmamba.kernels.nn.GraphParts;
import io.jmamba.kernels.nn.ShapeCheck;
import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.DataTransferMode;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.WorkerGrid1D;
import io.jmamba.runtime.backend.ComputeDevice;

import java.util.List;
import java.util.Objects;

/**
 * Host API of Mamba-2's grouped gated RMSNorm (mamba_ssm's RMSNormGated with group_size =
 * d_inner / n_groups): {@code out = rmsnorm_g(x * silu(z)) * weight}, or with {@code normBeforeGate}
 * {@code rmsnorm_g(x) * weight * silu(z)}; statistics per group of {@code groupSize} columns.
 */
public final class GatedRmsNorm {
    private GatedRmsNorm() {
    }

    /** Sizes and flags of one call. */
    public record Config(int rows, int dim, int groupSize, float eps, boolean normBeforeGate) {
        public Config validate() {
            ShapeCheck.requirePositive("rows", rows);
            ShapeCheck.requirePositive("dim", dim);
            ShapeCheck.requirePositive("group_size", groupSize);
            if (dim % groupSize != 0) {
                throw new IllegalArgumentException("group_size: dim (" + dim + ") must be a multiple of group_size ("
                        + groupSize + ")");
            }
            if (!(eps >= 0f)) {
                throw new IllegalArgumentException("eps must be >= 0, got " + eps);
            }
            ShapeCheck.intProduct("rows * groups * " + NormKernels.GROUP + " work-items", rows, dim / groupSize, NormKernels.GROUP);
            return this;
        }
    }

    /**
     * Appends task {@code prefix + "_gatednorm"} with the {@link NormVariant#DEFAULT} kernel.
     *
     * @param x      (rows, dim)
     * @param z      (rows, dim) gate, or null for a plain grouped RMSNorm
     * @param weight (dim)
     * @param out    (rows, dim); may be {@code x}
     */
    public static void addTo(TaskGraph graph, GridScheduler grids, String prefix, Config cfg, FloatArray x, FloatArray z,
                             FloatArray weight, FloatArray out) {
        addTo(graph, grids, prefix, cfg, x, z, weight, out, NormVariant.DEFAULT);
    }

    /** {@link #addTo(TaskGraph, GridScheduler, String, Config, FloatArray, FloatArray, FloatArray, FloatArray)} with the given kernel. */
    public static void addTo(TaskGraph graph, GridScheduler grids, String prefix, Config cfg, FloatArray x, FloatArray z,
                             FloatArray weight, FloatArray out, NormVariant variant) {
        Objects.requireNonNull(graph, "graph");
        Objects.requireNonNull(grids, "grids");
        Objects.requireNonNull(variant, "variant");
        GraphParts.checkPrefix(prefix);
        check(cfg, x, z, weight, out);
        String id = prefix + "_gatednorm";
        long workGroups = (long) cfg.rows() * (cfg.dim() / cfg.groupSize());
        FloatArray gate = GraphParts.orPlaceholder(graph, z);
        int local;
        if (variant == NormVariant.WIDE) {
            local = NormWideKernels.localSize(cfg.groupSize());
            ShapeCheck.intProduct("rows * groups * " + local + " work-items", workGroups, local);
            graph.task(id, NormWideKernels::gatedRmsNorm, new KernelContext(), x, gate, weight, out, cfg.rows(), cfg.dim(),
                    cfg.groupSize(), cfg.eps(), z != null, cfg.normBeforeGate());
        } else {
            local = NormKernels.GROUP;
            graph.task(id, NormKernels::gatedRmsNormGroup, new KernelContext(), x, gate, weight, out, cfg.rows(), cfg.dim(),
                    cfg.groupSize(), cfg.eps(), z != null, cfg.normBeforeGate());
        }
        grids.addWorkerGrid(graph.getName() + "." + id, new WorkerGrid1D(workGroups * local).setLocalWork(local));
    }

    /**
     * Appends task {@code prefix + "_gatednorm"} for a bf16 Mamba-2 prefill ({@link NormBf16Kernels#gatedRmsNormBf16}):
     * x in bf16, the gate read in place from a wider fp32 row, fp32 statistics; the result in fp32
     * ({@code out}) or rounded to bf16 ({@code outBf16}): exactly one of the two is given.
     *
     * @param x       (rows, dim), bf16
     * @param z       the gate: element (r, c) at {@code r * zStride + c}, zStride &gt;= dim (required: every Mamba-2 layer gates)
     * @param weight  (dim)
     * @param out     (rows, dim) fp32, or null
     * @param outBf16 (rows, dim) bf16, or null
     */
    public static void addToBf16(TaskGraph graph, GridScheduler grids, String prefix, Config cfg, BFloat16Array x,
                                 FloatArray z, int zStride, FloatArray weight, FloatArray out, BFloat16Array outBf16) {
        Objects.requireNonNull(graph, "graph");
        Objects.requireNonNull(grids, "grids");
        GraphParts.checkPrefix(prefix);
        checkBf16(cfg, x, z, zStride, weight, out, outBf16);
        String id = prefix + "_gatednorm";
        long workGroups = (long) cfg.rows() * (cfg.dim() / cfg.groupSize());
        int local = NormWideKernels.localSize(cfg.groupSize());
        ShapeCheck.intProduct("rows * groups * " + local + " work-items", workGroups, local);
        boolean bf16Out = outBf16 != null;
        // the unused output: a small placeholder the kernel never touches
        FloatArray o = bf16Out ? GraphParts.orPlaceholder(graph, null) : out;
        BFloat16Array ob = bf16Out ? outBf16 : new BFloat16Array(2);
        if (!bf16Out) {
            graph.transferToDevice(DataTransferMode.FIRST_EXECUTION, ob);
        }
        graph.task(id, NormBf16Kernels::gatedRmsNormBf16, new KernelContext(), x, z, zStride, weight, o, ob, cfg.rows(),
                cfg.dim(), cfg.groupSize(), cfg.eps(), cfg.normBeforeGate(), bf16Out);
        grids.addWorkerGrid(graph.getName() + "." + id, new WorkerGrid1D(workGroups * local).setLocalWork(local));
    }

    /** One call of {@link #addToBf16} on {@code device}; the output that is not null comes back. */
    public static void runBf16(ComputeDevice device, Config cfg, BFloat16Array x, FloatArray z, int zStride,
                               FloatArray weight, FloatArray out, BFloat16Array outBf16) {
        checkBf16(cfg, x, z, zStride, weight, out, outBf16);
        GraphParts.runOnce(device, "gatednormbf16", GraphParts.arrays(x, z, weight),
                List.of(outBf16 != null ? outBf16 : out),
                (g, grids) -> addToBf16(g, grids, "norm", cfg, x, z, zStride, weight, out, outBf16));
    }

    static void checkBf16(Config cfg, BFloat16Array x, FloatArray z, int zStride, FloatArray weight, FloatArray out,
                          BFloat16Array outBf16) {
        cfg.validate();
        ShapeCheck.requireShape("x", x, "(rows, dim)", cfg.rows(), cfg.dim());
        Objects.requireNonNull(z, "z (the bf16 gated norm needs a gate)");
        if (zStride < cfg.dim()) {
            throw new IllegalArgumentException("z_stride (" + zStride + ") must be at least dim (" + cfg.dim() + ")");
        }
        long zNeeded = (long) (cfg.rows() - 1) * zStride + cfg.dim();
        if (z.getSize() < zNeeded) {
            throw new IllegalArgumentException("z: rows " + cfg.rows() + " of stride " + zStride + " need " + zNeeded
                    + " elements, got " + z.getSize());
        }
        ShapeCheck.requireShape("weight", weight, "(dim)", cfg.dim());
        if ((out == null) == (outBf16 == null)) {
            throw new IllegalArgumentException("exactly one of out (fp32) and out_bf16 must be given");
        }
        if (out != null) {
            ShapeCheck.requireShape("out", out, "(rows, dim)", cfg.rows(), cfg.dim());
        } else {
            ShapeCheck.requireShape("out_bf16", outBf16, "(rows, dim)", cfg.rows(), cfg.dim());
        }
    }

    /** One call on {@code device}. */
    public static void run(ComputeDevice device, Config cfg, FloatArray x, FloatArray z, FloatArray weight, FloatArray out) {
        run(device, cfg, x, z, weight, out, NormVariant.DEFAULT);
    }

    /** One call on {@code device} with the given kernel. */
    public static void run(ComputeDevice device, Config cfg, FloatArray x, FloatArray z, FloatArray weight, FloatArray out,
                           NormVariant variant) {
        check(cfg, x, z, weight, out);
        GraphParts.runOnce(device, "gatednorm", GraphParts.arrays(x, z, weight), List.of(out),
                (g, grids) -> addTo(g, grids, "norm", cfg, x, z, weight, out, variant));
    }

    static void check(Config cfg, FloatArray x, FloatArray z, FloatArray weight, FloatArray out) {
        cfg.validate();
        ShapeCheck.requireShape("x", x, "(rows, dim)", cfg.rows(), cfg.dim());
        if (z != null) {
            ShapeCheck.requireShape("z", z, "(rows, dim)", cfg.rows(), cfg.dim());
        }
        ShapeCheck.requireShape("weight", weight, "(dim)", cfg.dim());
        ShapeCheck.requireShape("out", out, "(rows, dim)", cfg.rows(), cfg.dim());
    }
}
