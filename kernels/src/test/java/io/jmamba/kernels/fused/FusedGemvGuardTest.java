package io.jmamba.kernels.fused;

import io.jmamba.kernels.nn.GemvWarpKernel;
import io.jmamba.kernels.support.GuardedLaunch;
import io.jmamba.kernels.support.GuardedLaunch.Case;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.backend.LaunchGrid;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.Map;

import static io.jmamba.kernels.support.GuardArgs.floats;
import static io.jmamba.kernels.support.GuardArgs.packedBf16;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The decode GEMVs whose warp reductions (work-group barriers on OpenCL) sit inside {@code if (r < nr)}, nr the live
 * rows of a work-group's row block ({@link FusedGemvKernels}, {@link GemvWarpKernel#reduceAndStore}), and the few-row
 * pre-gated/staged forms, at row counts that leave the last row block partial and output counts that leave the last
 * work-group's warps partly idle: every buffer is guarded ({@link GuardedLaunch}) and must match the JVM run.
 */
class FusedGemvGuardTest {
    private static final float EPS = 1e-5f;
    private static final float TOL = 1e-4f;
    private static final int IN = 96;
    private static final int OUT = 7;
    private static final int WIDTH = 4;

    /** Default-path cases that run by default (each shape is a PoCL compile: the rest are tagged slow). */
    private static final Set<String> QUICK = Set.of("FusedGemvKernels.normGemvBf16 rows 5 in 96",
            "FusedGemvKernels.gatedNormGemvBf16 rows 5 dInner 96 norm groups of 32", "GemvWarpKernel.gemv rows 5 split 1",
            "FusedGemvStagedKernels.preGatedGemvBf16 rows 2 dInner 96 norm groups of 32");

    @TestFactory
    List<DynamicTest> partialRowBlocksStayInsideTheirBuffers() {
        var quick = partialRowBlocksStayInsideTheirBuffersCases().stream().filter(c -> QUICK.contains(c.name())).toList();
        assertEquals(QUICK.size(), quick.size(), "every QUICK name is a case");
        return GuardedLaunch.tests(quick);
    }

    @Tag("slow")
    @TestFactory
    List<DynamicTest> partialRowBlocksStayInsideTheirBuffersAllShapes() {
        return GuardedLaunch.tests(partialRowBlocksStayInsideTheirBuffersCases().stream()
                .filter(c -> !QUICK.contains(c.name())).toList());
    }

    private static List<Case> partialRowBlocksStayInsideTheirBuffersCases() {
        List<Case> cases = new ArrayList<>();
        for (int rows : new int[] {3, 5}) {
            for (boolean bf16 : new boolean[] {true, false}) {
                cases.add(normGemv(rows, bf16));
                cases.add(gatedNormGemv(rows, bf16));
            }
            for (int split : new int[] {1, 2}) {
                cases.add(warpGemv(rows, split));
            }
        }
        // model widths: the 130M's d_model and a d_inner of one norm group, near MAX_IN with 4 odd-width groups
        cases.add(normGemv(5, true, 768));
        cases.add(gatedNormGemv(5, true, new Mamba2Decode.Shape(5, 24, 64, 1, 16, WIDTH, true, 0f, Float.POSITIVE_INFINITY), 1536));
        cases.add(gatedNormGemv(6, true, new Mamba2Decode.Shape(6, 4, 510, 4, 16, WIDTH, true, 0f, Float.POSITIVE_INFINITY), 510));
        for (int rows : new int[] {1, 2}) {
            cases.add(stagedNormGemv(rows));
            cases.add(preGated(FusedGemvStagedKernels.class, rows));
            cases.add(preGated(FusedGemvGatedWarpKernels.class, rows));
        }
        return cases;
    }

    /**
     * Widths whose last pass over a row is partial for some items of a work-group (the width range where PoCL once
     * mis-ran PreGatedNormKernels' last slot), one norm group a row: every form.
     */
    @Tag("slow")
    @TestFactory
    List<DynamicTest> widthSweepStaysInsideTheBuffers() {
        List<Case> cases = new ArrayList<>();
        for (int in : new int[] {1544, 1800, 2040}) {
            cases.add(normGemv(5, true, in));
            for (int rows : new int[] {1, 2, 5}) {
                Mamba2Decode.Shape s = new Mamba2Decode.Shape(rows, 1, in, 1, 16, WIDTH, true, 0f, Float.POSITIVE_INFINITY);
                if (rows == 5) {
                    cases.add(gatedNormGemv(rows, true, s, in));
                } else {
                    cases.add(preGated(FusedGemvStagedKernels.class, rows, s));
                    cases.add(preGated(FusedGemvGatedWarpKernels.class, rows, s));
                }
            }
        }
        return GuardedLaunch.tests(cases);
    }

    private static LaunchGrid grid(long groupsX, long gridRows, int group) {
        return new LaunchGrid(new long[] {groupsX * group, gridRows}, new long[] {group, 1});
    }

    private static long rowBlocks(int rows) {
        return (rows + FusedGemvKernels.ROWS - 1) / FusedGemvKernels.ROWS;
    }

    private static Case normGemv(int rows, boolean bf16) {
        return normGemv(rows, bf16, IN);
    }

    private static Case normGemv(int rows, boolean bf16, int in) {
        String name = "FusedGemvKernels.normGemv" + (bf16 ? "Bf16" : "F32") + " rows " + rows + " in " + in;
        Map<Integer, Object> spec = bf16 ? Map.of(9, in, 15, 1) : Map.of(15, 1);
        long groups = (OUT + FusedGemvKernels.WARPS - 1) / FusedGemvKernels.WARPS;
        return new Case(name, GuardedLaunch.method(FusedGemvKernels.class, bf16 ? "normGemvBf16" : "normGemvF32"), spec,
                grid(groups, rowBlocks(rows), FusedGemvKernels.GROUP),
                () -> new Object[] {null, floats(1, (long) rows * in), floats(2, (long) rows * in), floats(3, in),
                        bf16 ? packedBf16(4, (long) OUT * in) : floats(4, (long) OUT * in), floats(5, OUT),
                        new FloatArray((long) rows * OUT), new FloatArray((long) rows * in), rows, in, OUT, EPS, true, true,
                        true, 1}, TOL);
    }

    private static Mamba2Decode.Shape shape(int rows) {
        // dInner 96 in three norm groups of 32, convDim 128, inRows 227
        return new Mamba2Decode.Shape(rows, 3, 32, 1, 16, WIDTH, true, 0f, Float.POSITIVE_INFINITY);
    }

    private static Case gatedNormGemv(int rows, boolean bf16) {
        return gatedNormGemv(rows, bf16, shape(rows), 32);
    }

    private static Case gatedNormGemv(int rows, boolean bf16, Mamba2Decode.Shape s, int groupSize) {
        String name = "FusedGemvKernels.gatedNormGemv" + (bf16 ? "Bf16" : "F32") + " rows " + rows + " dInner " + s.dInner()
                + " norm groups of " + groupSize;
        Map<Integer, Object> spec = bf16 ? Map.of(9, s.dInner(), 13, groupSize, 18, WIDTH, 19, 1) : Map.of(18, WIDTH, 19, 1);
        int groupsX = (OUT + FusedGemvKernels.WARPS - 1) / FusedGemvKernels.WARPS;
        return new Case(name, GuardedLaunch.method(FusedGemvKernels.class, bf16 ? "gatedNormGemvBf16" : "gatedNormGemvF32"),
                spec, grid(groupsX, rowBlocks(rows), FusedGemvKernels.GROUP),
                () -> new Object[] {null, floats(1, (long) rows * s.dInner()), floats(2, (long) rows * s.inRows()),
                        floats(3, s.dInner()), bf16 ? packedBf16(4, (long) OUT * s.dInner()) : floats(4, (long) OUT * s.dInner()),
                        floats(5, OUT), new FloatArray((long) rows * OUT), floats(6, (long) rows * s.convDim() * (WIDTH - 1)),
                        rows, s.dInner(), OUT, s.inRows(), s.convDim(), groupSize, EPS, false, true, groupsX, WIDTH, 1}, TOL);
    }

    private static Case warpGemv(int rows, int split) {
        int in = 100; // a ragged tail of in % 4 columns
        int perGroup = GemvWarpKernel.WARPS / split;
        long groups = (OUT + perGroup - 1) / perGroup;
        long blocks = (rows + GemvWarpKernel.ROWS - 1) / GemvWarpKernel.ROWS;
        return new Case("GemvWarpKernel.gemv rows " + rows + " split " + split, GuardedLaunch.method(GemvWarpKernel.class, "gemv"),
                Map.of(9, split), grid(groups, blocks, GemvWarpKernel.GROUP),
                () -> new Object[] {null, floats(1, (long) rows * in), floats(2, (long) OUT * in), floats(3, OUT),
                        new FloatArray((long) rows * OUT), rows, in, OUT, true, split}, TOL);
    }

    private static Case stagedNormGemv(int rows) {
        int out = 19; // three work-groups of 8 outputs, the last with 3
        int per = FusedGemvStagedKernels.WARPS * FusedGemvStagedKernels.OUTS;
        long groups = (out + per - 1) / per;
        return new Case("FusedGemvStagedKernels.normGemvBf16 rows " + rows,
                GuardedLaunch.method(FusedGemvStagedKernels.class, "normGemvBf16"), Map.of(9, IN),
                grid(groups, rows, FusedGemvStagedKernels.GROUP),
                () -> new Object[] {null, floats(1, (long) rows * IN), floats(2, (long) rows * IN), floats(3, IN),
                        packedBf16(4, (long) out * IN), floats(5, out), new FloatArray((long) rows * out),
                        new FloatArray((long) rows * IN), rows, IN, out, EPS, true, true, true}, TOL);
    }

    private static Case preGated(Class<?> owner, int rows) {
        return preGated(owner, rows, shape(rows));
    }

    /** The pre-gated GEMV, norm groups of {@code s.headdim()} (32 for {@link #shape}). */
    private static Case preGated(Class<?> owner, int rows, Mamba2Decode.Shape s) {
        int groupSize = s.heads() == 1 ? s.dInner() : 32;
        int group = owner == FusedGemvStagedKernels.class ? FusedGemvStagedKernels.GROUP : FusedGemvGatedWarpKernels.GROUP;
        int warps = owner == FusedGemvStagedKernels.class ? FusedGemvStagedKernels.WARPS : FusedGemvGatedWarpKernels.WARPS;
        int gx = (OUT + warps - 1) / warps;
        return new Case(owner.getSimpleName() + ".preGatedGemvBf16 rows " + rows + " dInner " + s.dInner() + " norm groups of "
                + groupSize, GuardedLaunch.method(owner, "preGatedGemvBf16"),
                Map.of(9, s.dInner(), 13, groupSize, 17, WIDTH), grid(gx, rows, group),
                () -> new Object[] {null, floats(1, (long) rows * s.dInner()), floats(2, (long) rows * s.inRows()),
                        floats(3, s.dInner()), packedBf16(4, (long) OUT * s.dInner()), floats(5, OUT),
                        new FloatArray((long) rows * OUT), floats(6, (long) rows * s.convDim() * (WIDTH - 1)), rows,
                        s.dInner(), OUT, s.inRows(), s.convDim(), groupSize, EPS, true, gx, WIDTH}, TOL);
    }
}
