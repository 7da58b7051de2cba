package io.jmamba.kernels.conv;

import io.jmamba.kernels.support.Bf16Tensor;

import io.jmamba.kernels.support.Target;
import io.jmamba.kernels.support.Tensor;
import io.jmamba.kernels.support.TestTensors;
import io.jmamba.runtime.api.DataTransferMode;
import io.jmamba.runtime.api.ExecutionPlan;
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
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The bf16 forward against the float64 reference computed on the same bf16 inputs (widened exactly),
 * on every target: odd lengths, rows shorter than a vector, several groups, widths 2 to 4 (and 6),
 * with and without bias, SiLU and initial states; final states are copies, so they must match bit for bit.
 */
class CausalConv1dBf16Test {
    /**
     * causal-conv1d's bf16 test allows rtol 1e-2, atol 5e-2. Here the inputs are already bf16, so the
     * only errors are float32 accumulation and the output's one bf16 rounding (2^-9 relative): the
     * relative part is kept and the absolute part tightened to what float32 sums of a few terms can lose.
     */
    static final double RTOL = 1e-2;
    static final double ATOL = 1e-3;

    /** batch, dim, seqlen, width, with initial states (1) or not (0). */
    private static final int[][] CASES = {
            {1, 2, 1030, 4, 1}, // two whole groups of 128 vectors, a partial group, a partial last vector
            {2, 3, 13, 3, 0},   // 13: three vectors and one output
            {2, 3, 1, 4, 1},    // one token: two initial-state entries and the token in every window
            {3, 2, 2, 4, 1},    // seqlen < width - 1: the final states reach into the initial states
            {1, 4, 64, 2, 1},   // whole vectors only
            {1, 3, 23, 6, 1},   // width 6: two halo vectors
            {2, 3, 14, 3, 0},   // even: pairs, one pair of halo
            {1, 3, 24, 6, 1},   // even, width 6: three halo pairs, lanes 0-2 reach into the initial states
    };

    static CausalConv1dBf16.Result forward(Target target, CausalConv1dBf16 conv, List<Bf16Tensor> inputs, Bf16Tensor out,
                                           Bf16Tensor state) {
        TaskGraph g = new TaskGraph("test_bf16");
        g.transferToDevice(DataTransferMode.EVERY_EXECUTION,
                inputs.stream().filter(t -> t != null).map(Bf16Tensor::data).toArray());
        GridScheduler grids = new GridScheduler();
        conv.addTo(g, "conv", grids, out, state);
        g.transferToHost(DataTransferMode.EVERY_EXECUTION, out.data(), state.data());
        try (ExecutionPlan plan = new ExecutionPlan(g.snapshot())) {
            plan.withDevice(((Target.OnDevice) target).device()).withGridScheduler(grids).execute();
        }
        return new CausalConv1dBf16.Result(out, state);
    }

    @TestFactory
    List<DynamicTest> matchesTheReferenceOnBf16Inputs() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Target target : Target.all()) {
            // the pairs layout (odd lengths take the vectors kernel) and the vectors layout on every case;
            // another vector count (another compile per width) on the first, widest-spread one
            for (String form : List.of("PAIRS", "VECTORS", "VECTORS 2")) {
                CausalConv1dBf16.Layout layout = CausalConv1dBf16.Layout.valueOf(form.split(" ")[0]);
                int vectors = form.endsWith(" 2") ? 2 : CausalConv1dBf16.DEFAULT_VECTORS_PER_ITEM;
                int cases = form.endsWith(" 2") ? 1 : CASES.length;
                tests.add(DynamicTest.dynamicTest(form + " on " + target.name(), () -> {
                    for (int i = 0; i < cases; i++) {
                        int[] s = CASES[i];
                        if (layout == CausalConv1dBf16.Layout.PAIRS && !target.name().equals("jvm") && s[3] != 4 && s[3] != 6) {
                            // each width is a slow PoCL compile of the shuffle kernel: compiled targets take
                            // the model's width and the widest halo; the JVM runs the same method at every width
                            continue;
                        }
                        SplittableRandom rnd = new SplittableRandom(Arrays.hashCode(s) + vectors);
                        Bf16Tensor x = Bf16Tensor.rounded(TestTensors.uniform(rnd, -2, 2, s[0], s[1], s[2]));
                        Bf16Tensor w = Bf16Tensor.rounded(TestTensors.uniform(rnd, -1, 1, s[1], s[3]));
                        Bf16Tensor bias = i % 2 == 0 ? Bf16Tensor.rounded(TestTensors.uniform(rnd, -1, 1, s[1])) : null;
                        Bf16Tensor init = s[4] == 1 ? Bf16Tensor.rounded(TestTensors.uniform(rnd, -1, 1, s[0], s[1], s[3] - 1)) : null;
                        boolean silu = i % 3 != 1;
                        CausalConv1dResult want = CausalConv1dReference.forward(x.toFloat(), w.toFloat(),
                                bias == null ? null : bias.toFloat(), init == null ? null : init.toFloat(), silu);
                        CausalConv1dBf16 conv = CausalConv1dBf16.forward(x, w).bias(bias).initialStates(init).silu(silu)
                                .layout(layout).vectorsPerItem(vectors).build();
                        CausalConv1dBf16.Result got = forward(target, conv, Arrays.asList(x, w, bias, init),
                                Bf16Tensor.zeros(x.shape()), Bf16Tensor.zeros(conv.stateShape()));
                        String name = Arrays.toString(s) + (bias != null ? " bias" : "") + (silu ? " silu" : "");
                        assertCloseBf16(name + " out", want.out(), got.out());
                        assertBitsEqual(name + " final_states", want.state(), got.state());
                    }
                }));
            }
        }
        return tests;
    }

    /** Final states written over the initial states (the second task) roll the state through pieces, as one forward does. */
    @TestFactory
    List<DynamicTest> statesKeptInPlaceAcrossPieces() {
        return Target.all().stream().map(target -> DynamicTest.dynamicTest("pieces 1, 2, 9, 1 in place on " + target.name(), () -> {
            SplittableRandom rnd = new SplittableRandom(12);
            Bf16Tensor x = Bf16Tensor.rounded(TestTensors.uniform(rnd, -2, 2, 2, 3, 13));
            Bf16Tensor w = Bf16Tensor.rounded(TestTensors.uniform(rnd, -1, 1, 3, 4));
            Bf16Tensor init = Bf16Tensor.rounded(TestTensors.uniform(rnd, -1, 1, 2, 3, 3));
            CausalConv1dResult whole = CausalConv1dReference.forward(x.toFloat(), w.toFloat(), null, init.toFloat(), true);
            Bf16Tensor state = Bf16Tensor.rounded(init.toFloat());
            Tensor outs = null;
            int from = 0;
            for (int len : new int[] {1, 2, 9, 1}) {
                Bf16Tensor piece = Bf16Tensor.rounded(TestTensors.sliceLast(x.toFloat(), from, from + len));
                CausalConv1dBf16 conv = CausalConv1dBf16.forward(piece, w).initialStates(state).silu(true).build();
                CausalConv1dBf16.Result r = forward(target, conv, List.of(piece, w, state), Bf16Tensor.zeros(piece.shape()), state);
                outs = outs == null ? r.out().toFloat() : TestTensors.concatLast(outs, r.out().toFloat());
                from += len;
            }
            assertCloseBf16("out", whole.out(), Bf16Tensor.rounded(outs));
            assertBitsEqual("state", whole.state(), state);
        })).toList();
    }

    /** The one-call path on every device, and the same answer as the float32 forward rounded once. */
    @TestFactory
    List<DynamicTest> runOnDeviceMatchesTheFloatForward() {
        return Target.all().stream().map(target -> DynamicTest.dynamicTest("run() on " + target.name(), () -> {
            SplittableRandom rnd = new SplittableRandom(3);
            Bf16Tensor x = Bf16Tensor.rounded(TestTensors.uniform(rnd, -2, 2, 1, 5, 38));
            Bf16Tensor w = Bf16Tensor.rounded(TestTensors.uniform(rnd, -1, 1, 5, 4));
            Bf16Tensor bias = Bf16Tensor.rounded(TestTensors.uniform(rnd, -1, 1, 5));
            CausalConv1dBf16.Result r = CausalConv1dBf16.forward(x, w).bias(bias).silu(true).build()
                    .run(((Target.OnDevice) target).device());
            CausalConv1dResult f = CausalConv1d.forward(x.toFloat(), w.toFloat()).bias(bias.toFloat()).silu(true).build()
                    .run(((Target.OnDevice) target).device());
            assertCloseBf16("out", f.out(), r.out());
            assertBitsEqual("final_states", f.state(), r.state());
        })).toList();
    }

    @Test
    void badInputsNameTheArgument() {
        Bf16Tensor x = Bf16Tensor.zeros(2, 3, 10);
        var e = assertThrows(IllegalArgumentException.class, () -> CausalConv1dBf16.forward(x, Bf16Tensor.zeros(4, 4)).build());
        assertEquals("weight: expected [3, 4], got [4, 4]", e.getMessage());
        var ei = assertThrows(IllegalArgumentException.class,
                () -> CausalConv1dBf16.forward(x, Bf16Tensor.zeros(3, 4)).initialStates(Bf16Tensor.zeros(2, 3, 4)).build());
        assertEquals("initial_states: expected [2, 3, 3], got [2, 3, 4]", ei.getMessage());
        var eo = assertThrows(IllegalArgumentException.class, () -> CausalConv1dBf16.forward(x, Bf16Tensor.zeros(3, 4)).build()
                .addTo(new TaskGraph("g"), "conv", new GridScheduler(), Bf16Tensor.zeros(2, 3, 9), Bf16Tensor.zeros(2, 3, 3)));
        assertEquals("out: expected [2, 3, 10], got [2, 3, 9]", eo.getMessage());
        var ex = assertThrows(IllegalArgumentException.class, () -> CausalConv1dBf16.forward(null, Bf16Tensor.zeros(3, 4)).build());
        assertEquals("x: missing (null)", ex.getMessage());
    }

    @Test
    void gridCoversTheRowInVectorsOfFour() {
        CausalConv1dBf16 conv = CausalConv1dBf16.forward(Bf16Tensor.zeros(2, 3, 1001), Bf16Tensor.zeros(3, 4)).build();
        TaskGraph g = new TaskGraph("layout");
        GridScheduler grids = new GridScheduler();
        conv.addTo(g, "conv", grids);
        // an odd length runs the vectors kernel: ceil(ceil(1001 / 4) / (32 * 4)) = 2 groups of 32 work-items; 6 rows
        assertArrayEquals(new long[] {64, 6}, grids.get("layout.conv").orElseThrow().getGlobalWork());
        // an even one the pairs kernel: ceil(1002 / 2 / (32 * 16)) = 1 group, in one work-group of 32
        CausalConv1dBf16 even = CausalConv1dBf16.forward(Bf16Tensor.zeros(2, 3, 1002), Bf16Tensor.zeros(3, 4)).build();
        TaskGraph g2 = new TaskGraph("layout");
        GridScheduler grids2 = new GridScheduler();
        even.addTo(g2, "conv", grids2);
        assertArrayEquals(new long[] {32, 6}, grids2.get("layout.conv").orElseThrow().getGlobalWork());
        assertArrayEquals(new long[] {32, 1}, grids2.get("layout.conv").orElseThrow().getLocalWork());
    }

    /** More rows than the grid's dimension 1 holds: the pairs kernel's row loop strides (compiled targets: the JVM emulates shuffles slowly). */
    @TestFactory
    List<DynamicTest> pairsKernelStridesOverRows() {
        return Target.compiled().stream().map(target -> DynamicTest.dynamicTest("2 x 20000 rows on " + target.name(), () -> {
            SplittableRandom rnd = new SplittableRandom(5);
            Bf16Tensor x = Bf16Tensor.rounded(TestTensors.uniform(rnd, -2, 2, 2, 20000, 6));
            Bf16Tensor w = Bf16Tensor.rounded(TestTensors.uniform(rnd, -1, 1, 20000, 4));
            Bf16Tensor init = Bf16Tensor.rounded(TestTensors.uniform(rnd, -1, 1, 2, 20000, 3));
            CausalConv1dResult want = CausalConv1dReference.forward(x.toFloat(), w.toFloat(), null, init.toFloat(), true);
            CausalConv1dBf16 conv = CausalConv1dBf16.forward(x, w).initialStates(init).silu(true).build();
            CausalConv1dBf16.Result got = forward(target, conv, List.of(x, w, init), Bf16Tensor.zeros(x.shape()),
                    Bf16Tensor.zeros(conv.stateShape()));
            assertCloseBf16("out", want.out(), got.out());
            assertBitsEqual("final_states", want.state(), got.state());
        })).toList();
    }

    /** |got - ref| <= ATOL + RTOL |ref| element by element (ref in float32 from the float64 reference). */
    static void assertCloseBf16(String what, Tensor expected, Bf16Tensor actual) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        for (long i = 0; i < expected.numel(); i++) {
            double e = expected.data().get(i);
            double a = actual.data().get(i);
            double tol = ATOL + RTOL * Math.abs(e);
            if (!(Math.abs(a - e) <= tol)) {
                fail(what + ": element " + i + " is " + a + ", expected " + e + " (error " + Math.abs(a - e) + " > " + tol
                        + ", shape " + Arrays.toString(expected.shape()) + ")");
            }
        }
    }

    /** Values that are copies of bf16 inputs must come back exactly. */
    static void assertBitsEqual(String what, Tensor expected, Bf16Tensor actual) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        for (long i = 0; i < expected.numel(); i++) {
            assertEquals(expected.data().get(i), actual.data().get(i), what + ": element " + i);
        }
    }
}
