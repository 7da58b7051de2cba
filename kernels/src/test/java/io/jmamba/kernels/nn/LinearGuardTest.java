package io.jmamba.kernels.nn;

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
 * The linear layers' JIT kernels (tiled GEMMs with barriers in K loops, split-K slices per work-group, the warp GEMVs
 * whose reductions sit in {@code if (r < nr)}, the tree GEMV; fp32 and bf16 W) and the tiled transpose (barriers in
 * loops over the tiles a work-group takes) at shapes that leave the last tiles, K slices and row blocks partial, with
 * every array guarded ({@link GuardedGraph}): no store past any buffer, every array as the JVM run left it.
 */
class LinearGuardTest {
    private static final float TOL = 1e-4f;

    private static BFloat16Array bf16(FloatArray a) {
        BFloat16Array b = new BFloat16Array(a.getSize());
        for (long i = 0; i < a.getSize(); i++) {
            b.set(i, a.get(i));
        }
        return b;
    }

    /**
     * The tiled transpose runs by default: its guarded per-item loads and stores sit in a loop over the tiles a
     * work-group takes, around its barriers (the pattern PoCL 3.1 once mis-ran); the rest are slow (a compile each).
     */
    private static final Set<String> QUICK = Set.of("Layout.transpose tiled 2x37x45");

    @TestFactory
    List<DynamicTest> raggedTilesStayInsideTheirBuffers() {
        var quick = raggedTilesStayInsideTheirBuffersCases().stream().filter(c -> QUICK.contains(c.name())).toList();
        assertEquals(QUICK.size(), quick.size(), "every QUICK name is a case");
        return GuardedGraph.tests(quick);
    }

    @Tag("slow")
    @TestFactory
    List<DynamicTest> raggedTilesStayInsideTheirBuffersAllShapes() {
        return GuardedGraph.tests(raggedTilesStayInsideTheirBuffersCases().stream()
                .filter(c -> !QUICK.contains(c.name())).toList());
    }

    private static List<GuardedGraph.Case> raggedTilesStayInsideTheirBuffersCases() {
        List<GuardedGraph.Case> cases = new ArrayList<>();
        int in = 100, out = 45;
        for (int rows : new int[] {3, 37}) {
            for (Linear.Path path : new Linear.Path[] {Linear.Path.GEMM, Linear.Path.GEMM_SPLIT_K, Linear.Path.GEMV,
                    Linear.Path.GEMV_TREE}) {
                cases.add(new GuardedGraph.Case("Linear " + path + " rows " + rows + " in " + in + " out " + out, () -> null,
                        (graph, grids, a) -> Linear.addTo(graph, grids, "lin", rows, in, out, floats(1, (long) rows * in),
                                floats(2, (long) out * in), floats(3, out), new FloatArray((long) rows * out), path), TOL));
            }
            int inBf16 = 96;
            for (Linear.Path path : new Linear.Path[] {Linear.Path.GEMM, Linear.Path.GEMV}) {
                for (boolean packed : path == Linear.Path.GEMV ? new boolean[] {false, true} : new boolean[] {false}) {
                    cases.add(new GuardedGraph.Case("LinearBf16 " + path + (packed ? " packed" : "") + " rows " + rows,
                            () -> null, (graph, grids, a) -> {
                                BFloat16Array w = bf16(floats(2, (long) out * inBf16));
                                LinearBf16.addTo(graph, grids, "lin", rows, inBf16, out, floats(1, (long) rows * inBf16), w,
                                        packed ? LinearBf16.packedView(w) : null, floats(3, out),
                                        new FloatArray((long) rows * out), path);
                            }, TOL));
                }
            }
        }
        for (int[] s : new int[][] {{2, 37, 45}, {1, 100, 7}}) {
            cases.add(new GuardedGraph.Case("Layout.transpose tiled " + s[0] + "x" + s[1] + "x" + s[2], () -> null,
                    (graph, grids, a) -> Layout.addTranspose(graph, grids, "t", s[0], s[1], s[2],
                            floats(4, (long) s[0] * s[1] * s[2]), new FloatArray((long) s[0] * s[1] * s[2]), true), 0f));
        }
        return cases;
    }
}
