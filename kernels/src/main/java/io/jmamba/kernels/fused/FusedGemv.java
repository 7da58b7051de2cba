package io.jmamba.kernels.fused;

import io.jmamba.kernels.nn.GraphParts;
import io.jmamba.kernels.nn.ShapeCheck;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.api.WorkerGrid2D;

import java.util.Objects;

/**
 * Host API of {@link FusedGemvKernels}: the norm-fed GEMVs of a decode step, for W in fp32 or in bf16
 * passed as its packed float view ({@code packedBf16}; {@link io.jmamba.kernels.nn.LinearBf16#packedView}). Up to {@link FusedGemvKernels#ROWS} rows per
 * grid row; inputs up to {@link FusedGemvKernels#MAX_IN} wide ({@link #fits}). Bf16 W at up to
 * {@link #WARP_FORM_MAX_ROWS} rows takes the warp form ({@link FusedGemvWarpKernels}: no shared memory, no barriers).
 */
public final class FusedGemv {
    private FusedGemv() {
    }

    /**
     * Most rows for which the bf16 kernels take their warp form ({@link FusedGemvWarpKernels}: one row per grid
     * row, norm in registers, no barriers); more rows take the work-group form, which reads W once per
     * {@link FusedGemvKernels#ROWS} rows.
     */
    public static final int WARP_FORM_MAX_ROWS = 2;

    /**
     * {@code -Djmamba.fusedGemv.warpForm=false} keeps every batch on the work-group form (to time the two forms
     * against each other in one build).
     */
    static final boolean WARP_FORM = !"false".equals(System.getProperty("jmamba.fusedGemv.warpForm"));

    /**
     * {@code -Djmamba.fusedGemv.preGate=false} keeps the gate (silu(z)) inside the out_proj GEMV's warps
     * ({@link FusedGemvWarpKernels#gatedNormGemvBf16}) instead of in convSsm ({@link FusedGemvGatedWarpKernels}),
     * to time the two against each other in one build.
     */
    static final boolean PRE_GATE = !"false".equals(System.getProperty("jmamba.fusedGemv.preGate"));

    /** Kernels of the few-row (at most {@link #WARP_FORM_MAX_ROWS}) bf16 GEMVs. */
    public enum FewRowForm {
        /** {@link FusedGemvStagedKernels}: the input row read once per work-group into local memory. */
        STAGED,
        /** {@link FusedGemvWarpKernels}, {@link FusedGemvGatedWarpKernels}: every warp reads the whole row itself. */
        WARP;

        /**
         * STAGED, or WARP with {@code -Djmamba.fusedGemv.staged=false} (to time the two in one build).
         */
        public static final FewRowForm DEFAULT =
                "false".equals(System.getProperty("jmamba.fusedGemv.staged")) ? WARP : STAGED;
    }

    /**
     * Whether the decode step should have convSsm write y * silu(z) ({@link Mamba2Decode#addConvSsm} with gateZ) and
     * pass {@code yGated} to {@link #addGatedNormGemv}: bf16 W at the warp form's few rows, the gate before the
     * norm (norm_before_gate = false), norm groups in whole 8-column chunks.
     */
    public static boolean preGated(int rows, boolean packedBf16, int groupSize, boolean normBeforeGate) {
        return PRE_GATE && WARP_FORM && packedBf16 && rows <= WARP_FORM_MAX_ROWS && groupSize % 8 == 0 && !normBeforeGate;
    }

    /** Whether rows of {@code in} fit the kernels' local rows. */
    public static boolean fits(int in) {
        return in <= FusedGemvKernels.MAX_IN;
    }

    /**
     * Warps per output: one. Unlike the plain GEMV, every work-group here first normalises its rows (reads
     * the whole input row from L2 and reduces it), so fewer, fuller work-groups win: the 130M model's
     * out_proj (768 outputs of 1536) is 192 groups re-reading 12 KB each, not 768 (9.4 MB of L2 reads
     * for 2.4 MB of bf16 weights).
     */
    static int split(int in, int out) {
        return 1;
    }

    /**
     * Task {@code prefix + "_normgemv"}: residualOut = hidden (+ residualIn), y = RMSNorm(residualOut) * normW . W^T
     * (+ bias). {@code residualIn} null: no residual (first layer); {@code residualOut} null: not written
     * (the lm_head); otherwise it must be a different array from {@code residualIn}.
     */
    public static void addNormGemv(TaskGraph g, GridScheduler grids, String prefix, int rows, int in, int out,
                                   FloatArray hidden, FloatArray residualIn, FloatArray normW, FloatArray w, boolean packedBf16,
                                   FloatArray bias, FloatArray y, FloatArray residualOut, float eps) {
        addNormGemv(g, grids, prefix, rows, in, out, hidden, residualIn, normW, w, packedBf16, bias, y, residualOut, eps,
                FewRowForm.DEFAULT);
    }

    /** As above, with the few-row bf16 kernels of {@code form}. */
    public static void addNormGemv(TaskGraph g, GridScheduler grids, String prefix, int rows, int in, int out,
                                   FloatArray hidden, FloatArray residualIn, FloatArray normW, FloatArray w, boolean packedBf16,
                                   FloatArray bias, FloatArray y, FloatArray residualOut, float eps, FewRowForm form) {
        Objects.requireNonNull(form, "form");
        GraphParts.checkPrefix(prefix);
        check(rows, in, out, w, packedBf16, bias, y);
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
        if (WARP_FORM && packedBf16 && rows <= WARP_FORM_MAX_ROWS && form == FewRowForm.STAGED) {
            long groups = (out + FusedGemvStagedKernels.WARPS * FusedGemvStagedKernels.OUTS - 1)
                    / (FusedGemvStagedKernels.WARPS * FusedGemvStagedKernels.OUTS);
            ShapeCheck.intProduct("fused GEMV work-items", groups, FusedGemvStagedKernels.GROUP);
            g.task(id, FusedGemvStagedKernels::normGemvBf16, new KernelContext(), hidden, rin, normW, w, b, y,
                    rout, rows, in, out, eps, residualIn != null, residualOut != null, bias != null);
            grids.addWorkerGrid(g.getName() + "." + id, new WorkerGrid2D(groups * FusedGemvStagedKernels.GROUP, rows)
                    .setLocalWork(FusedGemvStagedKernels.GROUP, 1));
            return;
        }
        if (WARP_FORM && packedBf16 && rows <= WARP_FORM_MAX_ROWS) {
            g.task(id, FusedGemvWarpKernels::normGemvBf16, new KernelContext(), hidden, rin, normW, w, b, y,
                    rout, rows, in, out, eps, residualIn != null, residualOut != null, bias != null);
            grids.addWorkerGrid(g.getName() + "." + id, warpGrid(rows, out));
            return;
        }
        if (packedBf16) {
            g.task(id, FusedGemvKernels::normGemvBf16, new KernelContext(), hidden, rin, normW, w, b, y,
                    rout, rows, in, out, eps, residualIn != null, residualOut != null, bias != null, split);
        } else {
            g.task(id, FusedGemvKernels::normGemvF32, new KernelContext(), hidden, rin, normW, w, b, y,
                    rout, rows, in, out, eps, residualIn != null, residualOut != null, bias != null, split);
        }
        grids.addWorkerGrid(g.getName() + "." + id, grid(rows, out, split));
    }

    /**
     * Whether {@link #addEmbedNormGemv} takes {@code rows} with this weight: packed bf16 W at the few-row staged
     * form's rows ({@link FewRowForm#DEFAULT} STAGED, warp forms enabled).
     */
    public static boolean embedFits(int rows, boolean packedBf16) {
        return WARP_FORM && packedBf16 && rows <= WARP_FORM_MAX_ROWS && FewRowForm.DEFAULT == FewRowForm.STAGED;
    }

    /**
     * Task {@code prefix + "_embgemv"}: {@link FusedEmbedGemvKernels#embedNormGemvBf16}: residualOut = table[ids],
     * y = RMSNorm(residualOut) * normW . W^T (+ bias), the embedding lookup folded into the first layer's GEMV.
     * Needs {@link #embedFits}.
     */
    public static void addEmbedNormGemv(TaskGraph g, GridScheduler grids, String prefix, int rows, int in, int out,
                                        io.jmamba.runtime.api.IntArray ids, FloatArray table, int vocab, FloatArray normW,
                                        FloatArray w, boolean packedBf16, FloatArray bias, FloatArray y,
                                        FloatArray residualOut, float eps) {
        GraphParts.checkPrefix(prefix);
        if (!embedFits(rows, packedBf16)) {
            throw new IllegalArgumentException("the embedding + GEMV kernel needs packed bf16 W, at most " + WARP_FORM_MAX_ROWS
                    + " rows and the staged form; got rows " + rows + ", bf16 " + packedBf16 + ", form " + FewRowForm.DEFAULT);
        }
        check(rows, in, out, w, packedBf16, bias, y);
        ShapeCheck.requirePositive("vocab", vocab);
        ShapeCheck.requireShape("ids", ids, "(rows)", rows);
        ShapeCheck.requireShape("embedding", table, "(vocab, in)", vocab, in);
        ShapeCheck.requireShape("normWeight", normW, "(in)", in);
        Objects.requireNonNull(residualOut, "residualOut");
        ShapeCheck.requireShape("residualOut", residualOut, "(rows, in)", rows, in);
        long groups = (out + FusedGemvStagedKernels.WARPS * FusedGemvStagedKernels.OUTS - 1)
                / (FusedGemvStagedKernels.WARPS * FusedGemvStagedKernels.OUTS);
        ShapeCheck.intProduct("fused GEMV work-items", groups, FusedGemvStagedKernels.GROUP);
        String id = prefix + "_embgemv";
        g.task(id, FusedEmbedGemvKernels::embedNormGemvBf16, new KernelContext(), ids, table, normW, w,
                GraphParts.orPlaceholder(g, bias), y, residualOut, rows, in, out, vocab, eps, bias != null);
        grids.addWorkerGrid(g.getName() + "." + id, new WorkerGrid2D(groups * FusedGemvStagedKernels.GROUP, rows)
                .setLocalWork(FusedGemvStagedKernels.GROUP, 1));
    }

    /**
     * Task {@code prefix + "_gngemv"}: out = gatedRMSNorm(yIn, z) . W^T (+ bias), z the first d_inner columns
     * of {@code zxbcdt}, plus the conv-state shift of the step (see {@link Mamba2DecodeKernels#gatedNormShift}).
     */
    public static void addGatedNormGemv(TaskGraph g, GridScheduler grids, String prefix, Mamba2Decode.Shape s, int out,
                                        FloatArray yIn, FloatArray zxbcdt, FloatArray gateW, FloatArray w, boolean packedBf16,
                                        FloatArray bias,
                                        FloatArray y, FloatArray convState, int groupSize, float eps, boolean normBeforeGate) {
        addGatedNormGemv(g, grids, prefix, s, out, yIn, zxbcdt, gateW, w, packedBf16, bias, y, convState, groupSize, eps,
                normBeforeGate, false);
    }

    /**
     * As above; {@code yGated}: {@code yIn} is already y * silu(z) (convSsm with gateZ), which only the pre-gated
     * form takes: it needs {@link #preGated} to hold.
     */
    public static void addGatedNormGemv(TaskGraph g, GridScheduler grids, String prefix, Mamba2Decode.Shape s, int out,
                                        FloatArray yIn, FloatArray zxbcdt, FloatArray gateW, FloatArray w, boolean packedBf16,
                                        FloatArray bias, FloatArray y, FloatArray convState, int groupSize, float eps,
                                        boolean normBeforeGate, boolean yGated) {
        addGatedNormGemv(g, grids, prefix, s, out, yIn, zxbcdt, gateW, w, packedBf16, bias, y, convState, groupSize, eps,
                normBeforeGate, yGated, FewRowForm.DEFAULT);
    }

    /** As above, with the few-row bf16 kernels of {@code form} (the pre-gated ones; the others have a warp form only). */
    public static void addGatedNormGemv(TaskGraph g, GridScheduler grids, String prefix, Mamba2Decode.Shape s, int out,
                                        FloatArray yIn, FloatArray zxbcdt, FloatArray gateW, FloatArray w, boolean packedBf16,
                                        FloatArray bias, FloatArray y, FloatArray convState, int groupSize, float eps,
                                        boolean normBeforeGate, boolean yGated, FewRowForm form) {
        Objects.requireNonNull(form, "form");
        Objects.requireNonNull(s, "shape");
        GraphParts.checkPrefix(prefix);
        int rows = s.batch();
        int in = s.dInner();
        check(rows, in, out, w, packedBf16, bias, y);
        ShapeCheck.requirePositive("groupSize", groupSize);
        if (in % groupSize != 0) {
            throw new IllegalArgumentException("dInner (" + in + ") must be a multiple of the norm group size (" + groupSize + ")");
        }
        if (in / groupSize > FusedGemvKernels.MAX_NORM_GROUPS) {
            throw new IllegalArgumentException("the fused gated-norm GEMV takes at most " + FusedGemvKernels.MAX_NORM_GROUPS
                    + " norm groups, got " + in / groupSize);
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
        if (yGated) {
            if (!preGated(rows, packedBf16, groupSize, normBeforeGate)) {
                throw new IllegalArgumentException("a pre-gated y needs the pre-gated GEMV form (bf16 W, at most "
                        + WARP_FORM_MAX_ROWS + " rows, norm groups a multiple of 8, norm after the gate, form enabled); got rows "
                        + rows + ", bf16 " + packedBf16 + ", groupSize " + groupSize + ", normBeforeGate " + normBeforeGate);
            }
            if (form == FewRowForm.STAGED) {
                int gx = (out + FusedGemvStagedKernels.WARPS - 1) / FusedGemvStagedKernels.WARPS;
                ShapeCheck.intProduct("fused GEMV work-items", gx, FusedGemvStagedKernels.GROUP);
                g.task(id, FusedGemvStagedKernels::preGatedGemvBf16, new KernelContext(), yIn, zxbcdt, gateW, w,
                        b, y, convState, rows, in, out, s.inRows(), s.convDim(), groupSize, eps, bias != null, gx, s.width());
                grids.addWorkerGrid(g.getName() + "." + id, new WorkerGrid2D((long) gx * FusedGemvStagedKernels.GROUP, rows)
                        .setLocalWork(FusedGemvStagedKernels.GROUP, 1));
                return;
            }
            int gx = (out + FusedGemvGatedWarpKernels.WARPS - 1) / FusedGemvGatedWarpKernels.WARPS;
            ShapeCheck.intProduct("fused GEMV work-items", gx, FusedGemvGatedWarpKernels.GROUP);
            g.task(id, FusedGemvGatedWarpKernels::preGatedGemvBf16, new KernelContext(), yIn, zxbcdt, gateW, w,
                    b, y, convState, rows, in, out, s.inRows(), s.convDim(), groupSize, eps, bias != null, gx, s.width());
            grids.addWorkerGrid(g.getName() + "." + id, new WorkerGrid2D((long) gx * FusedGemvGatedWarpKernels.GROUP, rows)
                    .setLocalWork(FusedGemvGatedWarpKernels.GROUP, 1));
            return;
        }
        if (WARP_FORM && packedBf16 && rows <= WARP_FORM_MAX_ROWS && groupSize % 8 == 0) {
            int warpGroupsX = warpGroupsX(out);
            g.task(id, FusedGemvWarpKernels::gatedNormGemvBf16, new KernelContext(), yIn, zxbcdt, gateW, w,
                    b, y, convState, rows, in, out, s.inRows(), s.convDim(), groupSize, eps, normBeforeGate, bias != null,
                    warpGroupsX, s.width());
            grids.addWorkerGrid(g.getName() + "." + id, warpGrid(rows, out));
            return;
        }
        if (packedBf16) {
            g.task(id, FusedGemvKernels::gatedNormGemvBf16, new KernelContext(), yIn, zxbcdt, gateW, w,
                    b, y, convState, rows, in, out, s.inRows(), s.convDim(), groupSize, eps, normBeforeGate, bias != null, groupsX,
                    s.width(), split);
        } else {
            g.task(id, FusedGemvKernels::gatedNormGemvF32, new KernelContext(), yIn, zxbcdt, gateW, w,
                    b, y, convState, rows, in, out, s.inRows(), s.convDim(), groupSize, eps, normBeforeGate, bias != null, groupsX,
                    s.width(), split);
        }
        grids.addWorkerGrid(g.getName() + "." + id, grid(rows, out, split));
    }

    private static int warpGroupsX(int out) {
        int perGroup = FusedGemvWarpKernels.WARPS * FusedGemvWarpKernels.OUTS;
        return (out + perGroup - 1) / perGroup;
    }

    private static io.jmamba.runtime.api.WorkerGrid warpGrid(int rows, int out) {
        long groups = warpGroupsX(out);
        ShapeCheck.intProduct("fused GEMV work-items", groups, FusedGemvWarpKernels.GROUP);
        return new WorkerGrid2D(groups * FusedGemvWarpKernels.GROUP, rows).setLocalWork(FusedGemvWarpKernels.GROUP, 1);
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

    private static void check(int rows, int in, int out, FloatArray w, boolean packedBf16, FloatArray bias, FloatArray y) {
        ShapeCheck.requirePositive("rows", rows);
        ShapeCheck.requirePositive("in", in);
        ShapeCheck.requirePositive("out", out);
        if (!fits(in)) {
            throw new IllegalArgumentException("the fused GEMV takes rows of at most " + FusedGemvKernels.MAX_IN + " columns, got " + in);
        }
        Objects.requireNonNull(w, "W");
        if (packedBf16) {
            if (in % 8 != 0) {
                throw new IllegalArgumentException("packed bf16 W needs in to be a multiple of 8, got " + in);
            }
            ShapeCheck.requireShape("W (packed bf16)", w, "(out, in / 2)", out, in / 2);
        } else {
            ShapeCheck.requireShape("W", w, "(out, in)", out, in);
        }
        if (bias != null) {
            ShapeCheck.requireShape("bias", bias, "(out)", out);
        }
        ShapeCheck.requireShape("y", y, "(rows, out)", rows, out);
    }
}
