package io.jmamba.kernels.nn;

import io.jmamba.kernels.support.GuardedGraph;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.IntArray;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;

import static io.jmamba.kernels.support.GuardArgs.floats;
import static io.jmamba.kernels.support.GuardArgs.packedBf16;

/**
 * The argmax variants and the fused lm_head GEMV + argmax ({@link GemvBf16ArgmaxKernel}: warp reductions in a loop
 * over its blocks) at vocabularies that leave the last work-group and block partial, with every array guarded
 * ({@link GuardedGraph}).
 */
class ArgmaxGuardTest {
    private static final float TOL = 1e-5f;

    @Tag("slow")
    @TestFactory
    List<DynamicTest> raggedVocabulariesStayInsideTheirBuffers() {
        return GuardedGraph.tests(raggedVocabulariesStayInsideTheirBuffersCases());
    }

    private static List<GuardedGraph.Case> raggedVocabulariesStayInsideTheirBuffersCases() {
        List<GuardedGraph.Case> cases = new ArrayList<>();
        for (int[] s : new int[][] {{1, 1000}, {3, 333}, {2, 5000}}) {
            int rows = s[0], vocab = s[1];
            for (ArgmaxVariant v : ArgmaxVariant.values()) {
                cases.add(new GuardedGraph.Case("Argmax " + v + " rows " + rows + " vocab " + vocab,
                        () -> floats(vocab * 7L + rows, (long) rows * vocab), (graph, grids, a) ->
                        Argmax.addTo(graph, grids, "argmax", rows, vocab, (FloatArray) a, new IntArray(rows), v), TOL));
            }
        }
        int in = 64;
        for (int[] s : new int[][] {{1, 1000}, {2, 333}}) {
            int rows = s[0], out = s[1];
            cases.add(new GuardedGraph.Case("GemvArgmax rows " + rows + " out " + out, () -> null, (graph, grids, a) ->
                    GemvArgmax.addTo(graph, grids, "head", rows, in, out, floats(1, (long) rows * in),
                            packedBf16(2, (long) out * in), floats(3, out), new FloatArray((long) rows * out), new IntArray(rows)),
                    TOL));
            cases.add(new GuardedGraph.Case("GemvArgmax norm rows " + rows + " out " + out, () -> null, (graph, grids, a) ->
                    GemvArgmax.addNormTo(graph, grids, "head", rows, in, out, floats(1, (long) rows * in),
                            floats(4, (long) rows * in), floats(5, in), 1e-5f, packedBf16(2, (long) out * in), floats(3, out),
                            new FloatArray((long) rows * out), new IntArray(rows)), TOL));
        }
        return cases;
    }
}
