package io.jmamba.kernels.fused;

import io.jmamba.kernels.nn.GraphParts;
import io.jmamba.kernels.nn.ShapeCheck;
import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.NativeArray;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.api.WorkerGrid2D;

import java.util.Objects;

/**
 * Host API of {@link FusedGemvKernels}: the norm-fed GEMVs of a decode step, for W in fp32
 * ({@link FloatArray}) or bf16 ({@link BFloat16Array}). Up to {@link FusedGemvKernels#ROWS} rows per
 * grid row; inputs up to {@link FusedGemvKernels#MAX_IN} wide ({@link #fits}).
 */
public final class FusedGemv {
    private FusedGemv() {
    }

    /** As io.jmamba.kernels.nn.Linear's GEMV: more warps per output while the launch has fewer than this many. */
    static final int TARGET_WARPS = 2048;

    /** Whether rows of {@code in} fit the kernels' local rows. */
    public static boolean fits(int in) {
        return in <= FusedGemvKernels.MAX_IN;
    }

    /** Warps per output: doubled (up to WARPS) while the launch is small and each lane keeps two loads. */
    static int split(int in, int out) {
        int split = 1;
        while (split < FusedGemvKernels.WARPS && (long) out * split < TARGET_WARPS && in >= 4L * FusedGemvKernels.CHUNK * split) {
            split *= 2;
        }
        return split;
    }

    /**
     * Task {@code prefix + "_normgemv"}: residualOut = hidden (+ residualIn), y = RMSNorm(residualOut) * normW . W^T
     * (+ bias). {@code residualIn} null: no residual (first layer); {@code residualOut} null: not written
     * (the lm_head); otherwise it must be a different array from {@code residualIn}.
     */
    public static void addNormGemv(TaskGraph g, GridScheduler grids, String prefix, int rows, int in, int out,
                                   FloatArray hidden, FloatArray residualIn, FloatArray normW, NativeArray w, FloatArray bias,
                                   FloatArray y, FloatArray residualOut, float eps) {
        GraphParts.checkPrefix(prefix);
        check(rows, in, out, w, bias, y);
        ShapeCheck.requireShape("hidden", hidden, "(rows, in)", rows, in);
        if (residualIn != null) {
            ShapeCheck.requireShape("residualIn", residualIn, "(rows, in)", rows, in);
        }
        if (residualOut != null) {
            ShapeCheck.requireShape("residualOut", residualOut, "(rows, in)", rows, in);
            if (residualOut == residualIn) {
                throw new IllegalArgumentException("residualOut must not be residualIn: work-groups still read it");
            }
        }
        ShapeCheck.requireShape("normWeight", normW, "(in)", in);
        int split = split(in, out);
        FloatArray b = GraphParts.orPlaceholder(g, bias);
        FloatArray rin = residualIn != null ? residualIn : hidden;
        FloatArray rout = residualOut != null ? residualOut : GraphParts.orPlaceholder(g, null);
        String id = prefix + "_normgemv";
        switch (w) {
            case BFloat16Array wb -> g.task(id, FusedGemvKernels::normGemvBf16, new KernelContext(), hidden, rin, normW, wb, b, y,
                    rout, rows, in, out, eps, residualIn != null, residualOut != null, bias != null, split);
            case FloatArray wf -> g.task(id, FusedGemvKernels::normGemvF32, new KernelContext(), hidden, rin, normW, wf, b, y,
                    rout, rows, in, out, eps, residualIn != null, residualOut != null, bias != null, split);
            default -> throw new IllegalArgumentException("W must be a FloatArray or a BFloat16Array, got " + w.getClass().getSimpleName());
        }
        grids.addWorkerGrid(g.getName() + "." + id, grid(rows, out, split));
    }

    /**
     * Task {@code prefix + "_gngemv"}: out = gatedRMSNorm(yIn, z) . W^T (+ bias), z the first d_inner columns
     * of {@code zxbcdt}, plus the conv-state shift of the step (see {@link Mamba2DecodeKernels#gatedNormShift}).
     */
    public static void addGatedNormGemv(TaskGraph g, GridScheduler grids, String prefix, Mamba2Decode.Shape s, int out,
                                        FloatArray yIn, FloatArray zxbcdt, FloatArray gateW, NativeArray w, FloatArray bias,
                                        FloatArray y, FloatArray convState, int groupSize, float eps, boolean normBeforeGate) {
        Objects.requireNonNull(s, "shape");
        GraphParts.checkPrefix(prefix);
        int rows = s.batch();
        int in = s.dInner();
        check(rows, in, out, w, bias, y);
        ShapeCheck.requirePositive("groupSize", groupSize);
        if (in % groupSize != 0) {
            throw new IllegalArgumentException("dInner (" + in + ") must be a multiple of the norm group size (" + groupSize + ")");
        }
        ShapeCheck.requireShape("y", yIn, "(batch, dInner)", rows, in);
        ShapeCheck.requireShape("zxbcdt", zxbcdt, "(batch, inRows)", rows, s.inRows());
        ShapeCheck.requireShape("normWeight", gateW, "(dInner)", in);
        ShapeCheck.requireShape("convState", convState, "(batch, convDim, width - 1)", rows, s.convDim(), s.width() - 1);
        int split = split(in, out);
        int perGroup = FusedGemvKernels.WARPS / split;
        int groupsX = (out + perGroup - 1) / perGroup;
        FloatArray b = GraphParts.orPlaceholder(g, bias);
        String id = prefix + "_gngemv";
        switch (w) {
            case BFloat16Array wb -> g.task(id, FusedGemvKernels::gatedNormGemvBf16, new KernelContext(), yIn, zxbcdt, gateW, wb,
                    b, y, convState, rows, in, out, s.inRows(), s.convDim(), groupSize, eps, normBeforeGate, bias != null, groupsX,
                    s.width(), split);
            case FloatArray wf -> g.task(id, FusedGemvKernels::gatedNormGemvF32, new KernelContext(), yIn, zxbcdt, gateW, wf,
                    b, y, convState, rows, in, out, s.inRows(), s.convDim(), groupSize, eps, normBeforeGate, bias != null, groupsX,
                    s.width(), split);
            default -> throw new IllegalArgumentException("W must be a FloatArray or a BFloat16Array, got " + w.getClass().getSimpleName());
        }
        grids.addWorkerGrid(g.getName() + "." + id, grid(rows, out, split));
    }

    private static io.jmamba.runtime.api.WorkerGrid grid(int rows, int out, int split) {
        int perGroup = FusedGemvKernels.WARPS / split;
        long groups = (out + perGroup - 1) / perGroup;
        long rowBlocks = (rows + FusedGemvKernels.ROWS - 1) / FusedGemvKernels.ROWS;
        ShapeCheck.intProduct("fused GEMV work-items", groups, FusedGemvKernels.GROUP);
        if (rowBlocks > 65535) {
            throw new IllegalArgumentException("the fused GEMV takes at most " + 65535 * FusedGemvKernels.ROWS + " rows, got " + rows);
        }
        return new WorkerGrid2D(groups * FusedGemvKernels.GROUP, rowBlocks).setLocalWork(FusedGemvKernels.GROUP, 1);
    }

    private static void check(int rows, int in, int out, NativeArray w, FloatArray bias, FloatArray y) {
        ShapeCheck.requirePositive("rows", rows);
        ShapeCheck.requirePositive("in", in);
        ShapeCheck.requirePositive("out", out);
        if (!fits(in)) {
            throw new IllegalArgumentException("the fused GEMV takes rows of at most " + FusedGemvKernels.MAX_IN + " columns, got " + in);
        }
        Objects.requireNonNull(w, "W");
        ShapeCheck.requireShape("W", w, "(out, in)", out, in);
        if (bias != null) {
            ShapeCheck.requireShape("bias", bias, "(out)", out);
        }
        ShapeCheck.requireShape("y", y, "(rows, out)", rows, out);
    }
}
