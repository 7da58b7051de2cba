package io.jmamba.kernels.scan;

import io.jmamba.kernels.support.Fixture;
import io.jmamba.kernels.support.Target;
import io.jmamba.kernels.support.Tensor;
import io.jmamba.kernels.support.TestTensors;
import io.jmamba.kernels.support.Tolerance;
import org.junit.jupiter.api.DynamicTest;
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
                tests.add(DynamicTest.dynamicTest(name + " on " + target.name(), () -> {
                    Fixture f = Fixture.load("state_update", name);
                    Tensor state = f.tensor("state");
                    Tensor x = f.tensor("x");
                    Tensor[] in = {state, x, f.tensor("dt"), f.tensor("A"), f.tensor("B"), f.tensor("C"),
                            f.optional("D"), f.optional("z"), f.optional("dt_bias")};
                    SelectiveStateUpdate.Builder b = name.equals("mamba1")
                            ? SelectiveStateUpdate.mamba1(in[0], in[1], in[2], in[3], in[4], in[5])
                            : SelectiveStateUpdate.mamba2(in[0], in[1], in[2], in[3], in[4], in[5]);
                    SelectiveStateUpdate step = b.d(in[6]).z(in[7]).dtBias(in[8]).dtSoftplus(f.flag("dt_softplus")).build();
                    Tensor out = run(target, step, state, x, Arrays.asList(in));
                    Tolerance.assertClose(name + " out", f.tensor("out"), out);
                    Tolerance.assertClose(name + " new_state", f.tensor("new_state"), state);
                }));
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
        int[][] shapes = {{1, 1, 1, 1, 1}, {2, 6, 3, 7, 3}, {3, 4, 5, 16, 2}, {1, 8, 16, 32, 1}}; // batch, heads, headdim, dstate, groups
        List<DynamicTest> tests = new ArrayList<>();
        for (Target target : Target.all()) {
            for (int i = 0; i < shapes.length; i++) {
                int[] s = shapes[i];
                long seed = 500 + i;
                tests.add(DynamicTest.dynamicTest(Arrays.toString(s) + " on " + target.name(), () -> {
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
                            .dtSoftplus(true).dtLimit(0.05, 0.5).build();
                    Tensor out = run(target, step, state, x, List.of(state, x, dt, a, b, c, d, z, bias));
                    Tolerance.assertClose("out", want.out(), out);
                    Tolerance.assertClose("state", want.state(), state);
                }));
            }
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
