package io.jmamba.kernels.norm;

import io.jmamba.kernels.support.GuardedGraph;
import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static io.jmamba.kernels.support.GuardArgs.floats;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The RMSNorm and gated RMSNorm variants (their tree or warp reductions run per work-group of a row or norm group,
 * with per-item loops over the row's columns after them), fp32 and bf16, at widths that leave the last pass over a
 * row partial and norm groups narrower and wider than a work-group, with every array guarded ({@link GuardedGraph}).
 */
class NormGuardTest {
    private static final float EPS = 1e-5f;
    private static final float F32_TOL = 1e-5f;
    private static final float BF16_TOL = 0x1p-7f;

    private record Rows(FloatArray x, FloatArray residual, FloatArray z, FloatArray weight) {
        static Rows random(long seed, int rows, int dim) {
            return new Rows(floats(seed, (long) rows * dim), floats(seed + 1, (long) rows * dim),
                    floats(seed + 2, (long) rows * dim), floats(seed + 3, dim));
        }
    }

    /** Default-path cases that run by default (each shape is a PoCL compile: the rest are tagged slow). */
    private static final Set<String> QUICK = Set.of("GatedRmsNorm WIDE rows 2 dim 135 groups of 45");

    @TestFactory
    List<DynamicTest> raggedRowsStayInsideTheirBuffers() {
        var quick = raggedRowsStayInsideTheirBuffersCases().stream().filter(c -> QUICK.contains(c.name())).toList();
        assertEquals(QUICK.size(), quick.size(), "every QUICK name is a case");
        return GuardedGraph.tests(quick);
    }

    @Tag("slow")
    @TestFactory
    List<DynamicTest> raggedRowsStayInsideTheirBuffersAllShapes() {
        return GuardedGraph.tests(raggedRowsStayInsideTheirBuffersCases().stream()
                .filter(c -> !QUICK.contains(c.name())).toList());
    }

    private static List<GuardedGraph.Case> raggedRowsStayInsideTheirBuffersCases() {
        List<GuardedGraph.Case> cases = new ArrayList<>();
        // {rows, dim}
        int[][] shapes = {{3, 100}, {2, 1000}, {5, 45}};
        long seed = 80;
        for (int[] s : shapes) {
            long sd = seed += 10;
            int rows = s[0], dim = s[1];
            String shape = "rows " + rows + " dim " + dim;
            for (NormVariant v : NormVariant.values()) {
                cases.add(new GuardedGraph.Case("RmsNorm " + v + " " + shape, () -> Rows.random(sd, rows, dim), (graph, grids, a) -> {
                    Rows in = (Rows) a;
                    RmsNorm.addTo(graph, grids, "norm", rows, dim, EPS, in.x(), in.residual(), in.weight(),
                            new FloatArray((long) rows * dim), new FloatArray((long) rows * dim), v);
                }, F32_TOL));
            }
            cases.add(new GuardedGraph.Case("RmsNorm bf16 out " + shape, () -> Rows.random(sd, rows, dim), (graph, grids, a) -> {
                Rows in = (Rows) a;
                RmsNorm.addToBf16Out(graph, grids, "norm", rows, dim, EPS, in.x(), in.residual(), in.weight(),
                        new BFloat16Array((long) rows * dim), new FloatArray((long) rows * dim));
            }, BF16_TOL));
        }
        // {rows, dim, groupSize}: groups narrower than a work-group, odd, one wider than 256
        int[][] gated = {{3, 96, 32}, {2, 135, 45}, {2, 640, 320}};
        for (int[] s : gated) {
            long sd = seed += 10;
            int rows = s[0], dim = s[1], groupSize = s[2];
            for (boolean before : new boolean[] {false, true}) {
                GatedRmsNorm.Config cfg = new GatedRmsNorm.Config(rows, dim, groupSize, EPS, before);
                String shape = "rows " + rows + " dim " + dim + " groups of " + groupSize + (before ? " norm before gate" : "");
                for (NormVariant v : NormVariant.values()) {
                    cases.add(new GuardedGraph.Case("GatedRmsNorm " + v + " " + shape, () -> Rows.random(sd, rows, dim),
                            (graph, grids, a) -> {
                                Rows in = (Rows) a;
                                GatedRmsNorm.addTo(graph, grids, "gnorm", cfg, in.x(), in.z(), in.weight(),
                                        new FloatArray((long) rows * dim), v);
                            }, F32_TOL));
                }
                if (!before) {
                    cases.add(new GuardedGraph.Case("GatedRmsNorm bf16 " + shape, () -> Rows.random(sd, rows, dim),
                            (graph, grids, a) -> {
                                Rows in = (Rows) a;
                                BFloat16Array x = new BFloat16Array((long) rows * dim);
                                for (long i = 0; i < x.getSize(); i++) {
                                    x.set(i, in.x().get(i));
                                }
                                GatedRmsNorm.addToBf16(graph, grids, "gnorm", cfg, x, in.z(), dim, in.weight(), null,
                                        new BFloat16Array((long) rows * dim));
                            }, BF16_TOL));
                }
            }
        }
        return cases;
    }
}
