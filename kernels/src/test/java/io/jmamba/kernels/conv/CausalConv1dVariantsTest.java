package io.jmamba.kernels.conv;

import io.jmamba.kernels.support.Target;
import io.jmamba.kernels.support.Tensor;
import io.jmamba.kernels.support.TestTensors;
import io.jmamba.kernels.support.Tolerance;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.TaskGraph;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every forward layout ({@link ConvForward}) against the float64 reference on every target, on the
 * edges of the chunked kernel: lengths that are not a multiple of the outputs per work-item, lengths
 * shorter than width-1 that reach into the initial states, several batches, widths 2 to 4.
 */
class CausalConv1dVariantsTest {

    /** batch, dim, seqlen, width, with initial states (1) or not (0). */
    private static final int[][] EDGE_CASES = {
            {1, 2, 300, 4, 1}, // chunks of 4 and 8: 75 whole chunks of 4, 37 of 8 and a partial one
            {2, 3, 5, 2, 1},   // 5 = one whole chunk of 4 and a partial one
            {1, 4, 13, 3, 1},  // 13 is no multiple of 2, 4 or 8
            {2, 3, 1, 4, 1},   // one token: two initial-state entries and the token in every window
            {3, 2, 2, 4, 1},   // seqlen < width - 1
            {1, 5, 9, 4, 0},   // zeros before the first token
            {2, 3, 17, 3, 0},  // two chunks of 8 and one output in a third
            {1, 2, 8, 2, 1},   // exactly one chunk of 8
            {1, 2, 1030, 4, 1}, // vectorized: two whole groups of 512 outputs, a partial one, a partial last vector
            {2, 2, 1024, 3, 0}, // vectorized: whole groups only, every vector load aligned
    };

    /** Widths past 5, where a float4 vector's halo spans two vectors: only the vectorized layouts (each width is another compile). */
    private static final int[][] WIDE_CASES = {
            {1, 3, 23, 6, 1},  // width 6: two halo vectors, reaching into the initial states from vectors 0 and 1
            {2, 2, 3, 6, 1},   // a row shorter than one vector
    };

    private static CausalConv1dResult forward(Target target, ConvForward variant, Tensor x, Tensor w, Tensor bias, Tensor init,
                                              boolean silu) {
        CausalConv1d conv = CausalConv1d.forward(x, w).bias(bias).initialStates(init).silu(silu).forwardVariant(variant).build();
        Tensor out = Tensor.zeros(x.shape());
        Tensor fin = Tensor.zeros(conv.stateShape());
        target.run(Arrays.asList(x, w, bias, init), (g, grids) -> conv.addTo(g, "conv", grids, out, fin), List.of(out, fin));
        return new CausalConv1dResult(out, fin);
    }

    @TestFactory
    List<DynamicTest> everyVariantMatchesTheReference() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Target target : Target.all()) {
            for (ConvForward variant : ConvForward.values()) {
                tests.add(DynamicTest.dynamicTest(variant + " on " + target.name(), () -> checkCases(target, variant, EDGE_CASES)));
            }
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> vectorizedLayoutsWithTwoHaloVectors() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Target target : Target.all()) {
            for (ConvForward variant : List.of(ConvForward.VECTOR_8, ConvForward.VECTOR_16, ConvForward.VECTOR_16_SHUFFLE)) {
                tests.add(DynamicTest.dynamicTest(variant + " on " + target.name(), () -> checkCases(target, variant, WIDE_CASES)));
            }
        }
        return tests;
    }

    private static void checkCases(Target target, ConvForward variant, int[][] cases) {
        for (int i = 0; i < cases.length; i++) {
            int[] s = cases[i];
            SplittableRandom rnd = new SplittableRandom(Arrays.hashCode(s));
            Tensor x = TestTensors.uniform(rnd, -2, 2, s[0], s[1], s[2]);
            Tensor w = TestTensors.uniform(rnd, -1, 1, s[1], s[3]);
            Tensor bias = i % 2 == 0 ? TestTensors.uniform(rnd, -1, 1, s[1]) : null;
            Tensor init = s[4] == 1 ? TestTensors.uniform(rnd, -1, 1, s[0], s[1], s[3] - 1) : null;
            boolean silu = i % 3 != 1;
            CausalConv1dResult want = CausalConv1dReference.forward(x, w, bias, init, silu);
            CausalConv1dResult got = forward(target, variant, x, w, bias, init, silu);
            String name = Arrays.toString(s) + (bias != null ? " bias" : "") + (silu ? " silu" : "");
            Tolerance.assertClose(name + " out", want.out(), got.out());
            Tolerance.assertClose(name + " final_states", want.state(), got.state());
        }
    }

    /**
     * More rows than the grid's dimension 1 holds (Grids caps it): the row loop must stride over the rest.
     * The shuffle layout runs on the compiled targets only: the JVM emulates each of its shuffles with a
     * work-group barrier between threads, 40000 rows of them take tens of seconds there.
     */
    @TestFactory
    List<DynamicTest> moreRowsThanTheGridHolds() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Target target : Target.all()) {
            for (ConvForward variant : target.name().equals("jvm") ? List.of(ConvForward.DEFAULT)
                    : List.of(ConvForward.DEFAULT, ConvForward.VECTOR_16_SHUFFLE)) {
                tests.add(DynamicTest.dynamicTest("2 x 20000 rows, " + variant + " on " + target.name(), () -> {
                    SplittableRandom rnd = new SplittableRandom(5);
                    Tensor x = TestTensors.uniform(rnd, -2, 2, 2, 20000, 6);
                    Tensor w = TestTensors.uniform(rnd, -1, 1, 20000, 4);
                    Tensor bias = TestTensors.uniform(rnd, -1, 1, 20000);
                    Tensor init = TestTensors.uniform(rnd, -1, 1, 2, 20000, 3);
                    CausalConv1dResult want = CausalConv1dReference.forward(x, w, bias, init, true);
                    CausalConv1dResult got = forward(target, variant, x, w, bias, init, true);
                    Tolerance.assertClose("out", want.out(), got.out());
                    Tolerance.assertClose("final_states", want.state(), got.state());
                }));
            }
        }
        return tests;
    }

    /**
     * The layout that makes the forward coalesced: token chunks in grid dimension 0 (consecutive
     * work-items, consecutive addresses), rows in dimension 1.
     */
    @Test
    void chunkedForwardPutsTokensInDimensionZero() {
        Tensor x = Tensor.zeros(2, 3, 1001);
        Tensor w = Tensor.zeros(3, 4);
        // the default takes 4 float4 vectors per item: ceil(ceil(1001 / 4) / (32 * 4)) = 2 groups of 32 work-items
        assertArrayEquals(new long[] {64, 6}, forwardGrid(CausalConv1d.forward(x, w).build()));
        assertArrayEquals(new long[] {128, 6},
                forwardGrid(CausalConv1d.forward(x, w).forwardVariant(ConvForward.VECTOR_8).build()));
        assertArrayEquals(new long[] {126, 6},
                forwardGrid(CausalConv1d.forward(x, w).forwardVariant(ConvForward.CHUNKS_8).build()));
    }

    /**
     * The vectorized default writes the final states from its own launch (one task); only when they
     * overwrite the initial states does a second task run after it. The older layouts always take two.
     */
    @Test
    void finalStatesShareTheLaunchUnlessTheyOverwriteTheInitialStates() {
        Tensor x = Tensor.zeros(2, 3, 100);
        Tensor w = Tensor.zeros(3, 4);
        Tensor init = Tensor.zeros(2, 3, 3);
        assertEquals(List.of("layout.conv"), taskGrids(CausalConv1d.forward(x, w).initialStates(init).build(), Tensor.zeros(2, 3, 3)));
        assertEquals(List.of("layout.conv", "layout.conv_final"), taskGrids(CausalConv1d.forward(x, w).initialStates(init).build(), init));
        assertEquals(List.of("layout.conv", "layout.conv_final"), taskGrids(
                CausalConv1d.forward(x, w).forwardVariant(ConvForward.CHUNKS_8).build(), Tensor.zeros(2, 3, 3)));
    }

    private static List<String> taskGrids(CausalConv1d conv, Tensor state) {
        TaskGraph g = new TaskGraph("layout");
        GridScheduler grids = new GridScheduler();
        conv.addTo(g, "conv", grids, Tensor.zeros(2, 3, 100), state);
        return java.util.stream.Stream.of("layout.conv", "layout.conv_final").filter(n -> grids.get(n).isPresent()).toList();
    }

    private static long[] forwardGrid(CausalConv1d conv) {
        TaskGraph g = new TaskGraph("layout");
        GridScheduler grids = new GridScheduler();
        conv.addTo(g, "conv", grids);
        return grids.get("layout.conv").orElseThrow().getGlobalWork();
    }
}
