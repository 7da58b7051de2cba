package io.jmamba.kernels.scan;

import io.jmamba.kernels.support.Bf16Tensor;
import io.jmamba.kernels.support.GuardedGraph;
import io.jmamba.kernels.support.Tensor;
import io.jmamba.kernels.support.TestTensors;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The selective scan variants whose barriers sit in work-group-strided loops ({@link SelectiveScanTiled16Kernels}: over
 * (row, chunk) work items and the chunk's token tiles; {@link SelectiveScanBlockKernel}: over rows and tiles), fp32
 * and bf16, at row counts, chunk lengths and sequence lengths that leave the last work item, chunk and tile partial,
 * with every array guarded ({@link GuardedGraph}): no store past any buffer, every array as the JVM run left it.
 */
class ScanGuardTest {
    private static final float F32_TOL = 1e-4f;
    private static final float BF16_TOL = 0x1p-7f;

    /** Default-path cases that run by default (each shape is a PoCL compile: the rest are tagged slow). */
    private static final Set<String> QUICK = Set.of("fp32 scan TILED16 b2 d5 L61 n16 g1 chunk 16");

    @TestFactory
    List<DynamicTest> raggedChunksAndTilesStayInsideTheirBuffers() {
        var quick = raggedChunksAndTilesStayInsideTheirBuffersCases().stream().filter(c -> QUICK.contains(c.name())).toList();
        assertEquals(QUICK.size(), quick.size(), "every QUICK name is a case");
        return GuardedGraph.tests(quick);
    }

    @Tag("slow")
    @TestFactory
    List<DynamicTest> raggedChunksAndTilesStayInsideTheirBuffersAllShapes() {
        return GuardedGraph.tests(raggedChunksAndTilesStayInsideTheirBuffersCases().stream()
                .filter(c -> !QUICK.contains(c.name())).toList());
    }

    private static List<GuardedGraph.Case> raggedChunksAndTilesStayInsideTheirBuffersCases() {
        List<GuardedGraph.Case> cases = new ArrayList<>();
        // {batch, dim, seqlen, dstate, groups, chunk length}
        int[][] shapes = {{2, 5, 61, 16, 1, 16}, {1, 3, 100, 7, 1, 64}, {2, 4, 37, 16, 2, 16}};
        long seed = 40;
        for (int[] s : shapes) {
            long sd = seed++;
            String shape = "b" + s[0] + " d" + s[1] + " L" + s[2] + " n" + s[3] + " g" + s[4] + " chunk " + s[5];
            for (SelectiveScan.Variant v : SelectiveScan.Variant.values()) {
                cases.add(new GuardedGraph.Case("fp32 scan " + v + " " + shape,
                        () -> SelectiveScanTest.Problem.random(sd, s[0], s[1], s[2], s[3], s[4], s[4] > 1),
                        (graph, grids, p) -> ((SelectiveScanTest.Problem) p).builder().variant(v).chunkLength(s[5]).build()
                                .addTo(graph, "scan", grids), F32_TOL));
            }
            cases.add(new GuardedGraph.Case("bf16 scan " + shape,
                    () -> SelectiveScanBf16Test.Bf16Problem.of(SelectiveScanTest.Problem.random(sd, s[0], s[1], s[2], s[3], s[4],
                            s[4] > 1)),
                    (graph, grids, p) -> {
                        SelectiveScan scan = ((SelectiveScanBf16Test.Bf16Problem) p).builder().chunkLength(s[5]).build();
                        scan.addTo(graph, "scan", grids, Bf16Tensor.zeros(scan.outShape()), Tensor.zeros(scan.stateShape()));
                    }, BF16_TOL));
        }
        return cases;
    }

    /**
     * The decode state update (LANES, the default: shuffles over the lanes of a row, every item through them) at row
     * counts and state sizes that leave the last work-group and the last lane pass partial.
     */
    @Tag("slow")
    @TestFactory
    List<DynamicTest> stateUpdateStaysInsideTheBuffers() {
        List<GuardedGraph.Case> cases = new ArrayList<>();
        // {batch, dim, dstate}
        for (int[] s : new int[][] {{2, 13, 16}, {3, 6, 17}, {1, 70, 1}}) {
            cases.add(new GuardedGraph.Case("mamba1 state update LANES b" + s[0] + " d" + s[1] + " n" + s[2], () -> null,
                    (graph, grids, p) -> {
                        SplittableRandom rnd = new SplittableRandom(s[0] * 100L + s[1] * 10L + s[2]);
                        int batch = s[0], dim = s[1], n = s[2];
                        Tensor state = TestTensors.uniform(rnd, -1, 1, batch, dim, n);
                        Tensor x = TestTensors.uniform(rnd, -1, 1, batch, dim);
                        Tensor dt = TestTensors.uniform(rnd, -3, 1, batch, dim);
                        Tensor a = TestTensors.uniform(rnd, -2, -0.1, dim, n);
                        Tensor b = TestTensors.uniform(rnd, -1, 1, batch, 1, n);
                        Tensor c = TestTensors.uniform(rnd, -1, 1, batch, 1, n);
                        SelectiveStateUpdate.mamba1(state, x, dt, a, b, c).d(TestTensors.uniform(rnd, -1, 1, dim))
                                .z(TestTensors.uniform(rnd, -2, 2, batch, dim)).dtBias(TestTensors.uniform(rnd, -1, 1, dim))
                                .dtSoftplus(true).variant(SelectiveStateUpdateVariant.LANES).build().addTo(graph, "ssu", grids);
                    }, F32_TOL));
        }
        return GuardedGraph.tests(cases);
    }

    /** TILED16 (the default) and BLOCK at lengths around the 16-token tiles and the chunk, and rows around the groups. */
    @Tag("slow")
    @TestFactory
    List<DynamicTest> lengthSweepStaysInsideTheBuffers() {
        List<GuardedGraph.Case> cases = new ArrayList<>();
        for (int len : new int[] {1, 15, 16, 17, 33, 63, 64, 65, 130}) {
            for (int dim : new int[] {1, 7}) {
                long sd = len * 31L + dim;
                for (SelectiveScan.Variant v : List.of(SelectiveScan.Variant.TILED16, SelectiveScan.Variant.BLOCK)) {
                    cases.add(new GuardedGraph.Case("fp32 scan " + v + " d" + dim + " L" + len,
                            () -> SelectiveScanTest.Problem.random(sd, 1, dim, len, 16, 1, false),
                            (graph, grids, p) -> ((SelectiveScanTest.Problem) p).builder().variant(v).chunkLength(64).build()
                                    .addTo(graph, "scan", grids), F32_TOL));
                }
            }
        }
        return GuardedGraph.tests(cases);
    }
}
