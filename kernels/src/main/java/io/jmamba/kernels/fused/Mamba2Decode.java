package io.jmamba.kernels.fused;

import io.jmamba.kernels.nn.GraphParts;
import io.jmamba.kernels.nn.ShapeCheck;
import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.api.WorkerGrid1D;

import java.util.Objects;

/** Host API of {@link Mamba2DecodeKernels}: adds the fused decode-step kernels to a task graph. */
public final class Mamba2Decode {
    private Mamba2Decode() {
    }

    /**
     * A Mamba-2 layer's decode shapes and dt handling.
     *
     * @param dtMin, dtMax the dt limit; applied unless it is (0, +inf)
     */
    public record Shape(int batch, int heads, int headdim, int groups, int dstate, int width, boolean dtSoftplus,
                        float dtMin, float dtMax) {
        public Shape {
            ShapeCheck.requirePositive("batch", batch);
            ShapeCheck.requirePositive("heads", heads);
            ShapeCheck.requirePositive("headdim", headdim);
            ShapeCheck.requirePositive("groups", groups);
            ShapeCheck.requirePositive("dstate", dstate);
            ShapeCheck.requirePositive("width", width);
            if (heads % groups != 0) {
                throw new IllegalArgumentException("heads (" + heads + ") must be a multiple of groups (" + groups + ")");
            }
            if (dstate > Mamba2DecodeKernels.MAX_DSTATE) {
                throw new IllegalArgumentException("dstate " + dstate + " exceeds the fused decode kernel's "
                        + Mamba2DecodeKernels.MAX_DSTATE);
            }
            if (width < 2) {
                throw new IllegalArgumentException("the fused decode step needs a conv width of at least 2, got " + width);
            }
        }

        public int dInner() {
            return heads * headdim;
        }

        public int convDim() {
            return dInner() + 2 * groups * dstate;
        }

        /** Columns of the in_proj output: z, xBC, dt. */
        public int inRows() {
            return dInner() + convDim() + heads;
        }

        boolean dtLimit() {
            return dtMin > 0 || dtMax != Float.POSITIVE_INFINITY;
        }
    }

    /**
     * Task {@code prefix + "_convssm"}: {@link Mamba2DecodeKernels#convSsm}. {@code convBias}, {@code d} and
     * {@code dtBias} may be null.
     */
    public static void addConvSsm(TaskGraph g, GridScheduler grids, String prefix, Shape s, FloatArray zxbcdt,
                                  FloatArray convState, FloatArray convW, FloatArray convBias, FloatArray ssmState,
                                  FloatArray a, FloatArray d, FloatArray dtBias, FloatArray y) {
        addConvSsm(g, grids, prefix, s, zxbcdt, convState, convW, convBias, ssmState, a, d, dtBias, y, false);
    }

    /**
     * {@link #addConvSsm(TaskGraph, GridScheduler, String, Shape, FloatArray, FloatArray, FloatArray, FloatArray,
     * FloatArray, FloatArray, FloatArray, FloatArray, FloatArray)}; with {@code gateZ} y is written gated:
     * y * silu(z), z the first dInner columns of {@code zxbcdt} (for {@link FusedGemv#addGatedNormGemv}'s pre-gated form).
     */
    public static void addConvSsm(TaskGraph g, GridScheduler grids, String prefix, Shape s, FloatArray zxbcdt,
                                  FloatArray convState, FloatArray convW, FloatArray convBias, FloatArray ssmState,
                                  FloatArray a, FloatArray d, FloatArray dtBias, FloatArray y, boolean gateZ) {
        Objects.requireNonNull(s, "shape");
        GraphParts.checkPrefix(prefix);
        int stateLen = s.width() - 1;
        ShapeCheck.requireShape("zxbcdt", zxbcdt, "(batch, inRows)", s.batch(), s.inRows());
        ShapeCheck.requireShape("convState", convState, "(batch, convDim, width - 1)", s.batch(), s.convDim(), stateLen);
        ShapeCheck.requireShape("convWeight", convW, "(convDim, width)", s.convDim(), s.width());
        if (convBias != null) {
            ShapeCheck.requireShape("convBias", convBias, "(convDim)", s.convDim());
        }
        ShapeCheck.requireShape("ssmState", ssmState, "(batch, heads, headdim, dstate)", s.batch(), s.heads(), s.headdim(), s.dstate());
        ShapeCheck.requireShape("A", a, "(heads)", s.heads());
        if (d != null) {
            ShapeCheck.requireShape("D", d, "(heads)", s.heads());
        }
        if (dtBias != null) {
            ShapeCheck.requireShape("dtBias", dtBias, "(heads)", s.heads());
        }
        ShapeCheck.requireShape("y", y, "(batch, dInner)", s.batch(), s.dInner());
        int flags = (convBias != null ? Mamba2DecodeKernels.CONV_BIAS : 0) | (d != null ? Mamba2DecodeKernels.HAS_D : 0)
                | (s.dtSoftplus() ? Mamba2DecodeKernels.DT_SOFTPLUS : 0) | (s.dtLimit() ? Mamba2DecodeKernels.DT_LIMIT : 0)
                | (dtBias != null ? Mamba2DecodeKernels.DT_BIAS : 0) | (gateZ ? Mamba2DecodeKernels.GATE_Z : 0);
        int lanes = Mamba2DecodeKernels.lanes(s.dstate(), s.batch());
        int rowsPerGroup = Mamba2DecodeKernels.GROUP / lanes;
        long groups = (long) s.batch() * s.heads() * ((s.headdim() + rowsPerGroup - 1) / rowsPerGroup);
        ShapeCheck.intProduct("fused conv+SSM work-items", groups, Mamba2DecodeKernels.GROUP);
        String id = prefix + "_convssm";
        g.task(id, Mamba2DecodeKernels::convSsm, new KernelContext(), zxbcdt, convState, convW,
                GraphParts.orPlaceholder(g, convBias), ssmState, a, GraphParts.orPlaceholder(g, d),
                GraphParts.orPlaceholder(g, dtBias), y, s.batch(), s.heads(), s.headdim(), s.groups(), s.dtMin(), s.dtMax(),
                s.dstate(), s.width(), lanes, flags);
        grids.addWorkerGrid(g.getName() + "." + id,
                new WorkerGrid1D(groups * Mamba2DecodeKernels.GROUP).setLocalWork(Mamba2DecodeKernels.GROUP));
    }

    /** Task {@code prefix + "_gnshift"}: {@link Mamba2DecodeKernels#gatedNormShift} with norm groups of {@code groupSize}. */
    public static void addGatedNormShift(TaskGraph g, GridScheduler grids, String prefix, Shape s, FloatArray y,
                                         FloatArray zxbcdt, FloatArray weight, FloatArray out, FloatArray convState,
                                         int groupSize, float eps, boolean normBeforeGate) {
        int groups = checkGatedNormShift(prefix, s, y, zxbcdt, weight, out, convState, groupSize);
        String id = prefix + "_gnshift";
        g.task(id, Mamba2DecodeKernels::gatedNormShift, new KernelContext(), y, zxbcdt, weight, out, convState, s.batch(),
                s.dInner(), s.inRows(), s.convDim(), groupSize, eps, normBeforeGate, groups, s.width());
        grids.addWorkerGrid(g.getName() + "." + id,
                new WorkerGrid1D((long) groups * Mamba2DecodeKernels.GROUP).setLocalWork(Mamba2DecodeKernels.GROUP));
    }

    /**
     * Task {@code prefix + "_gnshift"}: {@link Mamba2DecodeKernels#gatedNormShiftBf16Out}, the normalised y written in
     * bf16 for a bf16 GEMM that reads it directly.
     */
    public static void addGatedNormShiftBf16Out(TaskGraph g, GridScheduler grids, String prefix, Shape s, FloatArray y,
                                                FloatArray zxbcdt, FloatArray weight, BFloat16Array out, FloatArray convState,
                                                int groupSize, float eps, boolean normBeforeGate) {
        int groups = checkGatedNormShift(prefix, s, y, zxbcdt, weight, out, convState, groupSize);
        String id = prefix + "_gnshift";
        g.task(id, Mamba2DecodeKernels::gatedNormShiftBf16Out, new KernelContext(), y, zxbcdt, weight, out, convState,
                s.batch(), s.dInner(), s.inRows(), s.convDim(), groupSize, eps, normBeforeGate, groups, s.width());
        grids.addWorkerGrid(g.getName() + "." + id,
                new WorkerGrid1D((long) groups * Mamba2DecodeKernels.GROUP).setLocalWork(Mamba2DecodeKernels.GROUP));
    }

    /**
     * Whether {@link #addPreGatedNormShift} takes norm groups of {@code groupSize} with the gate before the norm
     * ({@code normBeforeGate} false: convSsm can then write the gated y), unless {@code -Djmamba.decode.preGatedNorm=false}.
     */
    public static boolean preGatedNormFits(int groupSize, boolean normBeforeGate) {
        return PRE_GATED_NORM && !normBeforeGate && groupSize <= PreGatedNormKernels.SLOTS * PreGatedNormKernels.GROUP;
    }

    /**
     * {@code -Djmamba.decode.preGatedNorm=false} keeps {@link Mamba2DecodeKernels#gatedNormShift} (the gate in the norm)
     * beyond the fused GEMVs' rows, to time it against {@link PreGatedNormKernels} in one build.
     */
    static final boolean PRE_GATED_NORM = !"false".equals(System.getProperty("jmamba.decode.preGatedNorm"));

    /**
     * Task {@code prefix + "_gnshift"}: {@link PreGatedNormKernels}: out = rmsnorm_g(g) * weight with {@code g} the gated y
     * that convSsm wrote ({@link #addConvSsm} with gateZ), in fp32 ({@code out} a FloatArray) or bf16 (a
     * BFloat16Array), and the conv-state shift. Needs {@link #preGatedNormFits}.
     */
    public static void addPreGatedNormShift(TaskGraph g, GridScheduler grids, String prefix, Shape s, FloatArray gated,
                                            FloatArray zxbcdt, FloatArray weight, io.jmamba.runtime.api.NativeArray out,
                                            FloatArray convState, int groupSize, float eps) {
        checkGatedNormShift(prefix, s, gated, zxbcdt, weight, out, convState, groupSize);
        if (groupSize > PreGatedNormKernels.SLOTS * PreGatedNormKernels.GROUP) {
            throw new IllegalArgumentException("the pre-gated norm takes norm groups of at most "
                    + PreGatedNormKernels.SLOTS * PreGatedNormKernels.GROUP + " columns, got " + groupSize);
        }
        long normGroups = (long) s.batch() * (s.dInner() / groupSize);
        long shiftGroups = ((long) s.batch() * s.convDim() + PreGatedNormKernels.GROUP - 1) / PreGatedNormKernels.GROUP;
        long groups = Math.max(normGroups, shiftGroups);
        ShapeCheck.intProduct("pre-gated norm work-items", groups, PreGatedNormKernels.GROUP);
        String id = prefix + "_gnshift";
        if (out instanceof BFloat16Array o16) {
            g.task(id, PreGatedNormKernels::normShiftBf16Out, new KernelContext(), gated, zxbcdt, weight, o16, convState,
                    s.batch(), s.dInner(), s.inRows(), s.convDim(), groupSize, eps, s.width());
        } else if (out instanceof FloatArray o32) {
            g.task(id, PreGatedNormKernels::normShift, new KernelContext(), gated, zxbcdt, weight, o32, convState,
                    s.batch(), s.dInner(), s.inRows(), s.convDim(), groupSize, eps, s.width());
        } else {
            throw new IllegalArgumentException("out must be a FloatArray or a BFloat16Array, got " + out.getClass().getSimpleName());
        }
        grids.addWorkerGrid(g.getName() + "." + id,
                new WorkerGrid1D(groups * PreGatedNormKernels.GROUP).setLocalWork(PreGatedNormKernels.GROUP));
    }

    /** Checks the gated norm's arguments; returns its work-groups (the norm's or the shift's, whichever are more). */
    private static int checkGatedNormShift(String prefix, Shape s, FloatArray y, FloatArray zxbcdt, FloatArray weight,
                                           io.jmamba.runtime.api.NativeArray out, FloatArray convState, int groupSize) {
        Objects.requireNonNull(s, "shape");
        GraphParts.checkPrefix(prefix);
        ShapeCheck.requirePositive("groupSize", groupSize);
        if (s.dInner() % groupSize != 0) {
            throw new IllegalArgumentException("dInner (" + s.dInner() + ") must be a multiple of the norm group size (" + groupSize + ")");
        }
        ShapeCheck.requireShape("y", y, "(batch, dInner)", s.batch(), s.dInner());
        ShapeCheck.requireShape("zxbcdt", zxbcdt, "(batch, inRows)", s.batch(), s.inRows());
        ShapeCheck.requireShape("normWeight", weight, "(dInner)", s.dInner());
        ShapeCheck.requireShape("out", out, "(batch, dInner)", s.batch(), s.dInner());
        ShapeCheck.requireShape("convState", convState, "(batch, convDim, width - 1)", s.batch(), s.convDim(), s.width() - 1);
        long normGroups = (long) s.batch() * (s.dInner() / groupSize);
        long shiftGroups = ((long) s.batch() * s.convDim() + Mamba2DecodeKernels.GROUP - 1) / Mamba2DecodeKernels.GROUP;
        long groups = Math.max(normGroups, shiftGroups);
        ShapeCheck.intProduct("gated norm work-items", groups, Mamba2DecodeKernels.GROUP);
        return (int) groups;
    }
}
