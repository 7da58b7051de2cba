package io.jmamba.kernels.conv;

import io.jmamba.kernels.support.Fixture;
import io.jmamba.kernels.support.Target;
import io.jmamba.kernels.support.Tensor;
import io.jmamba.kernels.support.TestTensors;
import io.jmamba.kernels.support.Tolerance;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Causal conv1d forward and update kernels against the fixtures and the reference, on every target. */
class CausalConv1dTest {

    static CausalConv1dResult forward(Target target, Tensor x, Tensor w, Tensor bias, Tensor init, boolean silu) {
        CausalConv1d conv = CausalConv1d.forward(x, w).bias(bias).initialStates(init).silu(silu).build();
        Tensor out = Tensor.zeros(x.shape());
        Tensor fin = Tensor.zeros(conv.stateShape());
        target.run(Arrays.asList(x, w, bias, init), (g, grids) -> conv.addTo(g, "conv", grids, out, fin), List.of(out, fin));
        return new CausalConv1dResult(out, fin);
    }

    /** Runs an update; {@code state} is updated in place. */
    static Tensor update(Target target, Tensor state, Tensor x, Tensor w, Tensor bias, boolean silu) {
        CausalConv1d conv = CausalConv1d.update(state, x, w).bias(bias).silu(silu).build();
        Tensor out = Tensor.zeros(x.shape());
        target.run(Arrays.asList(state, x, w, bias), (g, grids) -> conv.addTo(g, "conv", grids, out, state), List.of(out, state));
        return out;
    }

    @Test
    void referenceMatchesFixtures() {
        for (String name : List.of("basic", "nobias_noact", "initial_states")) {
            Fixture f = Fixture.load("causal_conv1d", name);
            CausalConv1dResult r = CausalConv1dReference.forward(f.tensor("x"), f.tensor("weight"), f.optional("bias"),
                    f.optional("initial_states"), f.meta.get("activation").equals("silu"));
            Tolerance.assertClose(name + " out", f.tensor("out"), r.out());
            Tolerance.assertClose(name + " final_states", f.tensor("final_states"), r.state());
        }
        for (String name : List.of("update_step", "update_multi")) {
            Fixture f = Fixture.load("causal_conv1d", name);
            CausalConv1dResult r = CausalConv1dReference.update(f.tensor("conv_state"), f.tensor("x"), f.tensor("weight"),
                    f.optional("bias"), f.meta.get("activation").equals("silu"));
            Tolerance.assertClose(name + " out", f.tensor("out"), r.out());
            Tolerance.assertClose(name + " new_conv_state", f.tensor("new_conv_state"), r.state());
        }
    }

    @TestFactory
    List<DynamicTest> fixtures() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Target target : Target.all()) {
            for (String name : List.of("basic", "nobias_noact", "initial_states")) {
                tests.add(DynamicTest.dynamicTest(name + " on " + target.name(), () -> {
                    Fixture f = Fixture.load("causal_conv1d", name);
                    CausalConv1dResult r = forward(target, f.tensor("x"), f.tensor("weight"), f.optional("bias"),
                            f.optional("initial_states"), f.meta.get("activation").equals("silu"));
                    Tolerance.assertClose(name + " out", f.tensor("out"), r.out());
                    Tolerance.assertClose(name + " final_states", f.tensor("final_states"), r.state());
                }));
            }
            for (String name : List.of("update_step", "update_multi")) {
                tests.add(DynamicTest.dynamicTest(name + " on " + target.name(), () -> {
                    Fixture f = Fixture.load("causal_conv1d", name);
                    Tensor state = f.tensor("conv_state");
                    Tensor out = update(target, state, f.tensor("x"), f.tensor("weight"), f.optional("bias"),
                            f.meta.get("activation").equals("silu"));
                    Tolerance.assertClose(name + " out", f.tensor("out"), out);
                    Tolerance.assertClose(name + " new_conv_state", f.tensor("new_conv_state"), state);
                }));
            }
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> randomShapesMatchReference() {
        return randomShapesMatchReferenceFor(new int[][] {
                {1, 1, 1, 4},
                {2, 3, 5, 3},
                {3, 7, 2, 4},
                {2, 5, 17, 2}});
    }

    /** Wider sweep: more distinct specialisations, so more device compiles. */
    @Tag("slow")
    @TestFactory
    List<DynamicTest> randomShapesMatchReferenceWide() {
        return randomShapesMatchReferenceFor(new int[][] {
                {1, 1, 1, 2},
                {1, 4, 33, 8},
                {2, 3, 5, 5},
                {1, 2, 64, 6},
                {3, 7, 2, 7}});
    }

    private static List<DynamicTest> randomShapesMatchReferenceFor(int[][] shapes) { // batch, dim, seqlen, width
 // batch, dim, seqlen, width
        List<DynamicTest> tests = new ArrayList<>();
        for (Target target : Target.all()) {
            for (int i = 0; i < shapes.length; i++) {
                int[] s = shapes[i];
                long seed = Arrays.hashCode(s);
                tests.add(DynamicTest.dynamicTest(Arrays.toString(s) + " on " + target.name(), () -> {
                    SplittableRandom rnd = new SplittableRandom(seed);
                    Tensor x = TestTensors.uniform(rnd, -2, 2, s[0], s[1], s[2]);
                    Tensor w = TestTensors.uniform(rnd, -1, 1, s[1], s[3]);
                    Tensor bias = rnd.nextBoolean() ? TestTensors.uniform(rnd, -1, 1, s[1]) : null;
                    Tensor init = rnd.nextBoolean() ? TestTensors.uniform(rnd, -1, 1, s[0], s[1], s[3] - 1) : null;
                    boolean silu = rnd.nextBoolean();
                    CausalConv1dResult want = CausalConv1dReference.forward(x, w, bias, init, silu);
                    CausalConv1dResult got = forward(target, x, w, bias, init, silu);
                    Tolerance.assertClose("out", want.out(), got.out());
                    Tolerance.assertClose("final_states", want.state(), got.state());
                }));
            }
        }
        return tests;
    }

    /** A forward in two pieces, the second starting from the first's final states, equals one forward. */
    @TestFactory
    List<DynamicTest> twoPiecesEqualOne() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Target target : Target.all()) {
            for (int cut : new int[] {1, 2, 10}) {
                tests.add(DynamicTest.dynamicTest("cut at " + cut + " on " + target.name(), () -> {
                    SplittableRandom rnd = new SplittableRandom(9);
                    Tensor x = TestTensors.uniform(rnd, -2, 2, 2, 3, 12);
                    Tensor w = TestTensors.uniform(rnd, -1, 1, 3, 4);
                    Tensor bias = TestTensors.uniform(rnd, -1, 1, 3);
                    CausalConv1dResult whole = forward(target, x, w, bias, null, true);
                    CausalConv1dResult first = forward(target, TestTensors.sliceLast(x, 0, cut), w, bias, null, true);
                    CausalConv1dResult second = forward(target, TestTensors.sliceLast(x, cut, 12), w, bias, first.state(), true);
                    Tolerance.assertClose("out", whole.out(), TestTensors.concatLast(first.out(), second.out()));
                    Tolerance.assertClose("final_states", whole.state(), second.state());
                }));
            }
        }
        return tests;
    }

    /** With final_states written over initial_states, pieces (shorter than width-1 too) roll the state in place. */
    @TestFactory
    List<DynamicTest> statesKeptInPlaceAcrossPieces() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Target target : Target.all()) {
            tests.add(DynamicTest.dynamicTest("pieces 1, 2, 6, 1 in place on " + target.name(), () -> {
                SplittableRandom rnd = new SplittableRandom(12);
                Tensor x = TestTensors.uniform(rnd, -2, 2, 2, 3, 10);
                Tensor w = TestTensors.uniform(rnd, -1, 1, 3, 4);
                Tensor init = TestTensors.uniform(rnd, -1, 1, 2, 3, 3);
                CausalConv1dResult whole = forward(target, x, w, null, init, false);
                Tensor state = TestTensors.copy(init);
                Tensor outs = null;
                int from = 0;
                for (int len : new int[] {1, 2, 6, 1}) {
                    Tensor piece = TestTensors.sliceLast(x, from, from + len);
                    CausalConv1d conv = CausalConv1d.forward(piece, w).initialStates(state).build();
                    Tensor out = Tensor.zeros(piece.shape());
                    target.run(List.of(piece, w, state), (g, grids) -> conv.addTo(g, "conv", grids, out, state), List.of(out, state));
                    outs = outs == null ? out : TestTensors.concatLast(outs, out);
                    from += len;
                }
                Tolerance.assertClose("out", whole.out(), outs);
                Tolerance.assertClose("state", whole.state(), state);
            }));
        }
        return tests;
    }

    /** Decode updates replayed token by token (and several tokens at a time) equal the forward. */
    @TestFactory
    List<DynamicTest> updatesEqualTheForward() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Target target : Target.all()) {
            for (int stateLen : new int[] {3, 6}) {
                for (int step : new int[] {1, 3}) {
                    tests.add(DynamicTest.dynamicTest("state_len " + stateLen + ", " + step + " tokens a step on " + target.name(), () -> {
                        SplittableRandom rnd = new SplittableRandom(stateLen * 10L + step);
                        int len = 9;
                        Tensor x = TestTensors.uniform(rnd, -2, 2, 2, 3, len);
                        Tensor w = TestTensors.uniform(rnd, -1, 1, 3, 4);
                        Tensor bias = TestTensors.uniform(rnd, -1, 1, 3);
                        CausalConv1dResult whole = forward(target, x, w, bias, null, true);
                        Tensor state = Tensor.zeros(2, 3, stateLen);
                        Tensor outs = null;
                        for (int t = 0; t < len; t += step) {
                            Tensor o = update(target, state, TestTensors.sliceLast(x, t, t + step), w, bias, true);
                            outs = outs == null ? o : TestTensors.concatLast(outs, o);
                        }
                        Tolerance.assertClose("outputs", whole.out(), outs);
                        Tolerance.assertClose("last width-1 of state", whole.state(), TestTensors.sliceLast(state, stateLen - 3, stateLen));
                    }));
                }
            }
        }
        return tests;
    }

    @Test
    void badInputsNameTheArgument() {
        Tensor x = Tensor.zeros(2, 3, 10);
        var e = assertThrows(IllegalArgumentException.class, () -> CausalConv1d.forward(x, Tensor.zeros(4, 4)).build());
        assertEquals("weight: expected [3, 4], got [4, 4]", e.getMessage());
        var ew = assertThrows(IllegalArgumentException.class, () -> CausalConv1d.forward(x, Tensor.zeros(3, 9)).build());
        assertEquals("width = 9 is not supported: must be in [2, 8] (the weights of a channel live in a per-work-item private array)",
                ew.getMessage());
        var ei = assertThrows(IllegalArgumentException.class,
                () -> CausalConv1d.forward(x, Tensor.zeros(3, 4)).initialStates(Tensor.zeros(2, 3, 4)).build());
        assertEquals("initial_states: expected [2, 3, 3], got [2, 3, 4]", ei.getMessage());
        var es = assertThrows(IllegalArgumentException.class,
                () -> CausalConv1d.update(Tensor.zeros(2, 3, 2), Tensor.zeros(2, 3, 1), Tensor.zeros(3, 4)).build());
        assertEquals("conv_state: expected [2, 3, state_len >= 3], got [2, 3, 2]", es.getMessage());
        var eb = assertThrows(IllegalArgumentException.class,
                () -> CausalConv1d.forward(x, Tensor.zeros(3, 4)).bias(Tensor.zeros(2)).build());
        assertEquals("bias: expected [3], got [2]", eb.getMessage());
    }

    /** The one-call {@code run(device)} paths give the fixtures' answers. */
    @TestFactory
    List<DynamicTest> runOnDevice() {
        return Target.all().stream().map(t -> DynamicTest.dynamicTest("basic and update_multi via run() on " + t.name(), () -> {
            Fixture f = Fixture.load("causal_conv1d", "basic");
            CausalConv1dResult r = CausalConv1d.forward(f.tensor("x"), f.tensor("weight")).bias(f.tensor("bias")).silu(true).build()
                    .run(((Target.OnDevice) t).device());
            Tolerance.assertClose("out", f.tensor("out"), r.out());
            Tolerance.assertClose("final_states", f.tensor("final_states"), r.state());
            Fixture u = Fixture.load("causal_conv1d", "update_multi");
            Tensor state = u.tensor("conv_state");
            CausalConv1dResult ru = CausalConv1d.update(state, u.tensor("x"), u.tensor("weight")).bias(u.tensor("bias")).silu(true)
                    .build().run(((Target.OnDevice) t).device());
            Tolerance.assertClose("update out", u.tensor("out"), ru.out());
            Tolerance.assertClose("new_conv_state", u.tensor("new_conv_state"), state);
        })).toList();
    }
}
