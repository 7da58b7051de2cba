package io.jmamba.kernels.scan;

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

/** The decode-step kernels (Mamba-1 and Mamba-2 forms) on every target. */
class SelectiveStateUpdateTest {

    /** Runs {@code step} on {@code target}; the state tensor is updated in place. */
    static Tensor run(Target target, SelectiveStateUpdate step, Tensor state, Tensor xShaped, List<Tensor> inputs) {
        Tensor out = Tensor.zeros(xShaped.shape());
        target.run(inputs, (g, grids) -> step.addTo(g, "step", grids, out), List.of(out, state));
        return out;
    }

    @Test
    void referenceMatchesFixtures() {
        Fixture f1 = Fixture.load("state_update", "mamba1");
        StateUpdateResult r1 = SelectiveStateUpdateReference.mamba1(f1.tensor("state"), f1.tensor("x"), f1.tensor("dt"),
                f1.tensor("A"), f1.tensor("B"), f1.tensor("C"), f1.optional("D"), f1.optional("z"), f1.optional("dt_bias"),
                f1.flag("dt_softplus"));
        Tolerance.assertClose("mamba1 out", f1.tensor("out"), r1.out());
        Tolerance.assertClose("mamba1 new_state", f1.tensor("new_state"), r1.state());
        Fixture f2 = Fixture.load("state_update", "mamba2");
        StateUpdateResult r2 = SelectiveStateUpdateReference.mamba2(f2.tensor("state"), f2.tensor("x"), f2.tensor("dt"),
                f2.tensor("A"), f2.tensor("B"), f2.tensor("C"), f2.optional("D"), f2.optional("z"), f2.optional("dt_bias"),
                f2.flag("dt_softplus"), 0, Double.POSITIVE_INFINITY);
        Tolerance.assertClose("mamba2 out", f2.tensor("out"), r2.out());
        Tolerance.assertClose("mamba2 new_state", f2.tensor("new_state"), r2.state());
    }

    @TestFactory
    List<DynamicTest> fixtures() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Target target : Target.all()) {
            for (String name : List.of("mamba1", "mamba2")) {
                for (SelectiveStateUpdateVariant variant : SelectiveStateUpdateVariant.values()) {
                    tests.add(DynamicTest.dynamicTest(name + " " + variant + " on " + target.name(), () -> {
                        Fixture f = Fixture.load("state_update", name);
                        Tensor state = f.tensor("state");
                        Tensor x = f.tensor("x");
                        Tensor[] in = {state, x, f.tensor("dt"), f.tensor("A"), f.tensor("B"), f.tensor("C"),
                                f.optional("D"), f.optional("z"), f.optional("dt_bias")};
                        SelectiveStateUpdate.Builder b = name.equals("mamba1")
                                ? SelectiveStateUpdate.mamba1(in[0], in[1], in[2], in[3], in[4], in[5])
                                : SelectiveStateUpdate.mamba2(in[0], in[1], in[2], in[3], in[4], in[5]);
                        SelectiveStateUpdate step = b.d(in[6]).z(in[7]).dtBias(in[8]).dtSoftplus(f.flag("dt_softplus"))
                                .variant(variant).build();
                        Tensor out = run(target, step, state, x, Arrays.asList(in));
                        Tolerance.assertClose(name + " out", f.tensor("out"), out);
                        Tolerance.assertClose(name + " new_state", f.tensor("new_state"), state);
                    }));
                }
            }
        }
        return tests;
    }

    /** Decode steps replayed token by token equal the parallel chunked scan, outputs and final state. */
    @TestFactory
    List<DynamicTest> decodeStepsEqualTheScan() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Target target : Target.all()) {
            tests.add(DynamicTest.dynamicTest("mamba1 steps vs scan on " + target.name(), () -> {
                int batch = 2, dim = 6, len = 9, n = 5, groups = 3;
                var p = SelectiveScanTest.Problem.random(31, batch, dim, len, n, groups, true);
                SelectiveScanResult scan = SelectiveScanTest.run(target, p.builder().chunkLength(4).build(), p.inputs());
                Tensor state = p.init() == null ? Tensor.zeros(batch, dim, n) : TestTensors.copy(p.init());
                for (int t = 0; t < len; t++) {
                    Tensor x = TestTensors.sliceLast(p.u(), t, t + 1).reshape(batch, dim);
                    Tensor dt = TestTensors.sliceLast(p.delta(), t, t + 1).reshape(batch, dim);
                    Tensor bt = TestTensors.sliceLast(p.b(), t, t + 1).reshape(batch, groups, n);
                    Tensor ct = TestTensors.sliceLast(p.c(), t, t + 1).reshape(batch, groups, n);
                    Tensor zt = p.z() == null ? null : TestTensors.sliceLast(p.z(), t, t + 1).reshape(batch, dim);
                    SelectiveStateUpdate step = SelectiveStateUpdate.mamba1(state, x, dt, p.a(), bt, ct)
                            .d(p.d()).z(zt).dtBias(p.bias()).dtSoftplus(p.softplus()).build();
                    Tensor out = run(target, step, state, x, Arrays.asList(state, x, dt, p.a(), bt, ct, p.d(), zt, p.bias()));
                    Tolerance.assertClose("token " + t, TestTensors.sliceLast(scan.out(), t, t + 1).reshape(batch, dim), out);
                }
                Tolerance.assertClose("final state", scan.lastState(), state);
            }));
        }
        return tests;
    }

    /** Random Mamba-2 steps (odd sizes, D per head or per channel, dt_limit) against the reference. */
    @TestFactory
    List<DynamicTest> randomMamba2MatchesReference() {
        return randomMamba2MatchesReferenceFor(new int[][] {
                {1, 1, 1, 16, 1},
                {2, 6, 3, 16, 3}});
    }

    /** Wider sweep: more distinct specialisations, so more device compiles. */
    @Tag("slow")
    @TestFactory
    List<DynamicTest> randomMamba2MatchesReferenceWide() {
        return randomMamba2MatchesReferenceFor(new int[][] {
                {1, 1, 1, 1, 1},
                {2, 6, 3, 7, 3},
                {3, 4, 5, 16, 2},
                {1, 8, 16, 32, 1}});
    }

    private static List<DynamicTest> randomMamba2MatchesReferenceFor(int[][] shapes) { // batch, nheads, headdim, dstate, groups
 // batch, heads, headdim, dstate, groups
        List<DynamicTest> tests = new ArrayList<>();
        for (Target target : Target.all()) {
            for (int i = 0; i < shapes.length; i++) {
                for (SelectiveStateUpdateVariant variant : SelectiveStateUpdateVariant.values()) {
                    int[] s = shapes[i];
                    long seed = Arrays.hashCode(s);
                    tests.add(DynamicTest.dynamicTest(Arrays.toString(s) + " " + variant + " on " + target.name(), () -> {
                        SplittableRandom rnd = new SplittableRandom(seed);
                        Tensor state = TestTensors.uniform(rnd, -1, 1, s[0], s[1], s[2], s[3]);
                        Tensor x = TestTensors.uniform(rnd, -1, 1, s[0], s[1], s[2]);
                        Tensor dt = TestTensors.uniform(rnd, -3, 1, s[0], s[1]);
                        Tensor a = TestTensors.uniform(rnd, -2, -0.1, s[1]);
                        Tensor b = TestTensors.uniform(rnd, -1, 1, s[0], s[4], s[3]);
                        Tensor c = TestTensors.uniform(rnd, -1, 1, s[0], s[4], s[3]);
                        Tensor d = seed % 2 == 0 ? TestTensors.uniform(rnd, -1, 1, s[1]) : TestTensors.uniform(rnd, -1, 1, s[1], s[2]);
                        Tensor z = TestTensors.uniform(rnd, -2, 2, s[0], s[1], s[2]);
                        Tensor bias = TestTensors.uniform(rnd, -1, 1, s[1]);
                        StateUpdateResult want = SelectiveStateUpdateReference.mamba2(state, x, dt, a, b, c, d, z, bias, true, 0.05, 0.5);
                        SelectiveStateUpdate step = SelectiveStateUpdate.mamba2(state, x, dt, a, b, c).d(d).z(z).dtBias(bias)
                                .dtSoftplus(true).dtLimit(0.05, 0.5).variant(variant).build();
                        Tensor out = run(target, step, state, x, List.of(state, x, dt, a, b, c, d, z, bias));
                        Tolerance.assertClose("out", want.out(), out);
                        Tolerance.assertClose("state", want.state(), state);
                    }));
                }
            }
        }
        return tests;
    }

    /** A Mamba-2 step equals the Mamba-1 step with A, dt, dt_bias and D repeated over each head's channels. */
    @TestFactory
    List<DynamicTest> mamba2EqualsMamba1WithRepeatedHeadValues() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Target target : Target.all()) {
            tests.add(DynamicTest.dynamicTest("2 x 4 heads x 3 channels, 2 groups, on " + target.name(), () -> {
                int batch = 2, heads = 4, p = 3, n = 16, groups = 2, dim = heads * p;
                SplittableRandom rnd = new SplittableRandom(8);
                Tensor state2 = TestTensors.uniform(rnd, -1, 1, batch, heads, p, n);
                Tensor x = TestTensors.uniform(rnd, -1, 1, batch, heads, p);
                Tensor dt = TestTensors.uniform(rnd, -3, 1, batch, heads);
                Tensor a = TestTensors.uniform(rnd, -2, -0.1, heads);
                Tensor b = TestTensors.uniform(rnd, -1, 1, batch, groups, n);
                Tensor c = TestTensors.uniform(rnd, -1, 1, batch, groups, n);
                Tensor d = TestTensors.uniform(rnd, -1, 1, heads);
                Tensor bias = TestTensors.uniform(rnd, -1, 1, heads);
                Tensor state1 = TestTensors.copy(state2).reshape(batch, dim, n);
                Tensor dt1 = Tensor.zeros(batch, dim);
                Tensor a1 = Tensor.zeros(dim, n);
                Tensor d1 = Tensor.zeros(dim);
                Tensor bias1 = Tensor.zeros(dim);
                for (int ch = 0; ch < dim; ch++) {
                    int h = ch / p;
                    d1.set(d.get(h), ch);
                    bias1.set(bias.get(h), ch);
                    for (int k = 0; k < n; k++) {
                        a1.set(a.get(h), ch, k);
                    }
                    for (int bi = 0; bi < batch; bi++) {
                        dt1.set(dt.get(bi, h), bi, ch);
                    }
                }
                Tensor x1 = x.reshape(batch, dim);
                Tensor out2 = run(target, SelectiveStateUpdate.mamba2(state2, x, dt, a, b, c).d(d).dtBias(bias).dtSoftplus(true)
                        .build(), state2, x, List.of(state2, x, dt, a, b, c, d, bias));
                Tensor out1 = run(target, SelectiveStateUpdate.mamba1(state1, x1, dt1, a1, b, c).d(d1).dtBias(bias1).dtSoftplus(true)
                        .build(), state1, x1, List.of(state1, x1, dt1, a1, b, c, d1, bias1));
                Tolerance.assertClose("out", out1, out2.reshape(batch, dim));
                Tolerance.assertClose("state", state1, state2.reshape(batch, dim, n));
            }));
        }
        return tests;
    }

    @Test
    void wrongShapesNameTheArgument() {
        Tensor state = Tensor.zeros(2, 4, 8, 16);
        Tensor x = Tensor.zeros(2, 4, 8);
        var e = assertThrows(IllegalArgumentException.class, () -> SelectiveStateUpdate.mamba2(state, x, Tensor.zeros(2, 5),
                Tensor.zeros(4), Tensor.zeros(2, 2, 16), Tensor.zeros(2, 2, 16)).build());
        assertEquals("dt: expected [2, 4], got [2, 5]", e.getMessage());
        var eg = assertThrows(IllegalArgumentException.class, () -> SelectiveStateUpdate.mamba2(state, x, Tensor.zeros(2, 4),
                Tensor.zeros(4), Tensor.zeros(2, 3, 16), Tensor.zeros(2, 3, 16)).build());
        assertEquals("B: ngroups = 3 must divide nheads = 4 (B has shape [2, 3, 16])", eg.getMessage());
        var e1 = assertThrows(IllegalArgumentException.class, () -> SelectiveStateUpdate.mamba1(Tensor.zeros(2, 4, 16),
                Tensor.zeros(2, 4), Tensor.zeros(2, 4), Tensor.zeros(4, 15), Tensor.zeros(2, 16), Tensor.zeros(2, 16)).build());
        assertEquals("A: expected [4, 16], got [4, 15]", e1.getMessage());
        var eRank = assertThrows(IllegalArgumentException.class, () -> SelectiveStateUpdate.mamba1(state, x,
                Tensor.zeros(2, 4), Tensor.zeros(4, 16), Tensor.zeros(2, 16), Tensor.zeros(2, 16)).build());
        assertEquals("state: expected rank 3 [batch, dim, dstate], got rank 4 [2, 4, 8, 16]", eRank.getMessage());
    }

    /** The one-call {@code run(device)} path gives the fixture's answer and updates the host state. */
    @TestFactory
    List<DynamicTest> runOnDevice() {
        return Target.all().stream().map(t -> DynamicTest.dynamicTest("mamba2 via run() on " + t.name(), () -> {
            Fixture f = Fixture.load("state_update", "mamba2");
            Tensor state = f.tensor("state");
            StateUpdateResult r = SelectiveStateUpdate.mamba2(state, f.tensor("x"), f.tensor("dt"), f.tensor("A"), f.tensor("B"),
                            f.tensor("C")).d(f.tensor("D")).z(f.tensor("z")).dtBias(f.tensor("dt_bias")).dtSoftplus(true).build()
                    .run(((Target.OnDevice) t).device());
            Tolerance.assertClose("out", f.tensor("out"), r.out());
            Tolerance.assertClose("new_state", f.tensor("new_state"), state);
        })).toList();
    }
}
