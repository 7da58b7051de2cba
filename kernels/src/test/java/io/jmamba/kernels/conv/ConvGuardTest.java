package io.jmamba.kernels.conv;

import io.jmamba.kernels.support.Bf16Tensor;
import io.jmamba.kernels.support.GuardedGraph;
import io.jmamba.kernels.support.Tensor;
import io.jmamba.kernels.support.TestTensors;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The causal conv1d forwards whose warp shuffles (work-group barriers on OpenCL) sit in grid-stride loops over
 * (row, column block) ({@link CausalConv1dVectorKernels#forwardVectorizedShuffle}, {@link CausalConv1dBf16Kernels#forwardPairs}),
 * and the other forward variants, at lengths that leave the last vector block partial, with every array guarded
 * ({@link GuardedGraph}): no store past any buffer, every array as the JVM run left it.
 */
class ConvGuardTest {
    private static final float F32_TOL = 1e-5f;
    private static final float BF16_TOL = 0x1p-7f;

    /** x (batch, dim, seqlen), weight (dim, width), bias, initial states (batch, dim, width - 1). */
    private record Inputs(Tensor x, Tensor w, Tensor bias, Tensor init) {
        static Inputs random(long seed, int batch, int dim, int seqlen, int width) {
            SplittableRandom rnd = new SplittableRandom(seed);
            return new Inputs(TestTensors.uniform(rnd, -2, 2, batch, dim, seqlen), TestTensors.uniform(rnd, -1, 1, dim, width),
                    TestTensors.uniform(rnd, -1, 1, dim), TestTensors.uniform(rnd, -1, 1, batch, dim, width - 1));
        }
    }

    /** Default-path cases that run by default (each shape is a PoCL compile: the rest are tagged slow). */
    private static final Set<String> QUICK = Set.of("bf16 conv PAIRS b1 d5 L130 w4");

    @TestFactory
    List<DynamicTest> raggedBlocksStayInsideTheirBuffers() {
        var quick = raggedBlocksStayInsideTheirBuffersCases().stream().filter(c -> QUICK.contains(c.name())).toList();
        assertEquals(QUICK.size(), quick.size(), "every QUICK name is a case");
        return GuardedGraph.tests(quick);
    }

    @Tag("slow")
    @TestFactory
    List<DynamicTest> raggedBlocksStayInsideTheirBuffersAllShapes() {
        return GuardedGraph.tests(raggedBlocksStayInsideTheirBuffersCases().stream()
                .filter(c -> !QUICK.contains(c.name())).toList());
    }

    private static List<GuardedGraph.Case> raggedBlocksStayInsideTheirBuffersCases() {
        List<GuardedGraph.Case> cases = new ArrayList<>();
        // {batch, dim, seqlen, width}
        int[][] shapes = {{2, 3, 37, 4}, {1, 5, 130, 4}, {2, 2, 22, 3}};
        long seed = 60;
        for (int[] s : shapes) {
            long sd = seed++;
            String shape = "b" + s[0] + " d" + s[1] + " L" + s[2] + " w" + s[3];
            for (ConvForward v : ConvForward.values()) {
                cases.add(new GuardedGraph.Case("fp32 conv " + v + " " + shape, () -> Inputs.random(sd, s[0], s[1], s[2], s[3]),
                        (graph, grids, a) -> {
                            Inputs in = (Inputs) a;
                            CausalConv1d.forward(in.x(), in.w()).bias(in.bias()).initialStates(in.init()).silu(true)
                                    .forwardVariant(v).build().addTo(graph, "conv", grids);
                        }, F32_TOL));
            }
            for (CausalConv1dBf16.Layout layout : CausalConv1dBf16.Layout.values()) {
                cases.add(new GuardedGraph.Case("bf16 conv " + layout + " " + shape, () -> Inputs.random(sd, s[0], s[1], s[2], s[3]),
                        (graph, grids, a) -> {
                            Inputs in = (Inputs) a;
                            CausalConv1dBf16.forward(Bf16Tensor.rounded(in.x()), Bf16Tensor.rounded(in.w()))
                                    .bias(Bf16Tensor.rounded(in.bias())).initialStates(Bf16Tensor.rounded(in.init())).silu(true)
                                    .layout(layout).build().addTo(graph, "conv", grids);
                        }, BF16_TOL));
            }
        }
        return cases;
    }
}
