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
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The chunked selective-scan kernels against the fixtures and the reference, on every target. */
class SelectiveScanTest {

    /** Runs {@code scan} on {@code target} and returns its result on the host. */
    static SelectiveScanResult run(Target target, SelectiveScan scan, List<Tensor> inputs) {
        Tensor out = Tensor.zeros(scan.outShape());
        Tensor last = Tensor.zeros(scan.stateShape());
        target.run(inputs, (g, grids) -> scan.addTo(g, "scan", grids, out, last), List.of(out, last));
        return new SelectiveScanResult(out, last);
    }

    @TestFactory
    List<DynamicTest> fixtures() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Target target : Target.all()) {
            for (String name : List.of("basic", "groups", "plain", "long")) {
                // 0 = default chunking; 16 = several chunks and a partial last one
                for (int chunk : new int[] {0, 16}) {
                    tests.add(DynamicTest.dynamicTest(name + " chunk=" + (chunk == 0 ? "default" : chunk) + " on " + target.name(), () -> {
                        Fixture f = Fixture.load("selective_scan", name);
                        SelectiveScan.Builder b = SelectiveScan.builder(f.tensor("u"), f.tensor("delta"), f.tensor("A"),
                                        f.tensor("B"), f.tensor("C"))
                                .d(f.optional("D")).z(f.optional("z")).deltaBias(f.optional("delta_bias"))
                                .deltaSoftplus(f.flag("delta_softplus"));
                        if (chunk > 0) {
                            b.chunkLength(chunk);
                        }
                        SelectiveScan scan = b.build();
                        Tensor[] in = {f.tensor("u"), f.tensor("delta"), f.tensor("A"), f.tensor("B"), f.tensor("C"),
                                f.optional("D"), f.optional("z"), f.optional("delta_bias")};
                        SelectiveScanResult r = run(target, scan, Arrays.asList(in));
                        Tolerance.assertClose(name + " out", f.tensor("out"), r.out());
                        Tolerance.assertClose(name + " last_state", f.tensor("last_state"), r.lastState());
                    }));
                }
            }
        }
        return tests;
    }

    /** Random problem with every optional input present or not, as {@code seed} decides. */
    record Problem(Tensor u, Tensor delta, Tensor a, Tensor b, Tensor c, Tensor d, Tensor z, Tensor bias, boolean softplus,
                   Tensor init) {
        static Problem random(long seed, int batch, int dim, int seqlen, int dstate, int groups, boolean grouped) {
            SplittableRandom rnd = new SplittableRandom(seed);
            boolean softplus = rnd.nextBoolean();
            Tensor a = TestTensors.uniform(rnd, -2.0, -0.05, dim, dstate);
            long[] bcShape = grouped ? new long[] {batch, groups, dstate, seqlen} : new long[] {batch, dstate, seqlen};
            return new Problem(
                    TestTensors.uniform(rnd, -1, 1, batch, dim, seqlen),
                    softplus ? TestTensors.uniform(rnd, -3, 1, batch, dim, seqlen) : TestTensors.uniform(rnd, 0, 0.5, batch, dim, seqlen),
                    a,
                    TestTensors.uniform(rnd, -1, 1, bcShape),
                    TestTensors.uniform(rnd, -1, 1, bcShape),
                    rnd.nextBoolean() ? TestTensors.uniform(rnd, -1, 1, dim) : null,
                    rnd.nextBoolean() ? TestTensors.uniform(rnd, -2, 2, batch, dim, seqlen) : null,
                    rnd.nextBoolean() ? TestTensors.uniform(rnd, -1, 0.5, dim) : null,
                    softplus,
                    rnd.nextBoolean() ? TestTensors.uniform(rnd, -1, 1, batch, dim, dstate) : null);
        }

        SelectiveScan.Builder builder() {
            return SelectiveScan.builder(u, delta, a, b, c).d(d).z(z).deltaBias(bias).deltaSoftplus(softplus).initialState(init);
        }

        List<Tensor> inputs() {
            return Arrays.asList(u, delta, a, b, c, d, z, bias, init);
        }

        /** Tokens {@code [from, to)}, starting from state {@code start}. */
        Problem slice(int from, int to, Tensor start) {
            return new Problem(TestTensors.sliceLast(u, from, to), TestTensors.sliceLast(delta, from, to), a,
                    TestTensors.sliceLast(b, from, to), TestTensors.sliceLast(c, from, to), d,
                    z == null ? null : TestTensors.sliceLast(z, from, to), bias, softplus, start);
        }

        SelectiveScanResult reference() {
            return SelectiveScanReference.forward(u, delta, a, b, c, d, z, bias, softplus, init);
        }
    }

    @TestFactory
    List<DynamicTest> randomShapesMatchReference() {
        int[][] shapes = { // batch, dim, seqlen, dstate, groups, chunk
                {1, 1, 1, 1, 1, 0}, {1, 1, 1, 16, 1, 5}, {2, 3, 7, 5, 3, 3}, {3, 5, 1, 4, 1, 0},
                {1, 6, 129, 16, 2, 32}, {2, 4, 65, 8, 4, 64}, {1, 2, 200, 3, 1, 0}, {1, 1, 50, 7, 1, 1}};
        List<DynamicTest> tests = new ArrayList<>();
        for (Target target : Target.all()) {
            for (int i = 0; i < shapes.length; i++) {
                int[] s = shapes[i];
                long seed = 1000 + i;
                tests.add(DynamicTest.dynamicTest(Arrays.toString(s) + " on " + target.name(), () -> {
                    Problem p = Problem.random(seed, s[0], s[1], s[2], s[3], s[4], s[4] > 1 || seed % 2 == 0);
                    SelectiveScan.Builder b = p.builder();
                    if (s[5] > 0) {
                        b.chunkLength(s[5]);
                    }
                    SelectiveScanResult want = p.reference();
                    SelectiveScanResult got = run(target, b.build(), p.inputs());
                    Tolerance.assertClose("out", want.out(), got.out());
                    Tolerance.assertClose("last_state", want.lastState(), got.lastState());
                }));
            }
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> twoPiecesWithCarriedStateEqualOne() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Target target : Target.all()) {
            tests.add(DynamicTest.dynamicTest("split 53 at 20 on " + target.name(), () -> {
                Problem p = Problem.random(77, 2, 4, 53, 8, 2, true);
                SelectiveScanResult whole = run(target, p.builder().chunkLength(8).build(), p.inputs());
                int cut = 20;
                Problem first = p.slice(0, cut, p.init);
                SelectiveScanResult r1 = run(target, first.builder().chunkLength(8).build(), first.inputs());
                Problem second = p.slice(cut, 53, r1.lastState());
                SelectiveScanResult r2 = run(target, second.builder().chunkLength(8).build(), second.inputs());
                Tolerance.assertClose("out", whole.out(), TestTensors.concatLast(r1.out(), r2.out()));
                Tolerance.assertClose("last_state", whole.lastState(), r2.lastState());
            }));
        }
        return tests;
    }

    @Test
    void chunkingCoversTheSequence() {
        SelectiveScan s = Problem.random(1, 1, 1, 1000, 4, 1, false).builder().build();
        assertTrue((long) s.chunkLength() * s.chunkCount() >= 1000, "chunks cover every token");
        assertTrue((long) s.chunkLength() * (s.chunkCount() - 1) < 1000, "no empty chunk");
        assertEquals(SelectiveScan.MIN_CHUNK, SelectiveScan.defaultChunkLength(1, 1 << 20));
        assertEquals(3000, SelectiveScan.defaultChunkLength(1L << 20, 3000));
    }

    @Test
    void wrongShapesNameTheArgumentAndBothShapes() {
        Problem p = Problem.random(5, 2, 4, 10, 8, 2, true);
        Tensor badDelta = Tensor.zeros(2, 4, 9);
        var e = assertThrows(IllegalArgumentException.class,
                () -> SelectiveScan.builder(p.u, badDelta, p.a, p.b, p.c).build());
        assertEquals("delta: expected [2, 4, 10], got [2, 4, 9]", e.getMessage());

        var eRank = assertThrows(IllegalArgumentException.class,
                () -> SelectiveScan.builder(Tensor.zeros(4, 10), p.delta, p.a, p.b, p.c).build());
        assertEquals("u: expected rank 3 [batch, dim, seqlen], got rank 2 [4, 10]", eRank.getMessage());

        var eGroups = assertThrows(IllegalArgumentException.class,
                () -> SelectiveScan.builder(p.u, p.delta, p.a, Tensor.zeros(2, 3, 8, 10), Tensor.zeros(2, 3, 8, 10)).build());
        assertEquals("B: groups = 3 must divide dim = 4 (B has shape [2, 3, 8, 10])", eGroups.getMessage());

        var eC = assertThrows(IllegalArgumentException.class,
                () -> SelectiveScan.builder(p.u, p.delta, p.a, p.b, Tensor.zeros(2, 2, 8, 11)).build());
        assertEquals("C: expected [2, 2, 8, 10], got [2, 2, 8, 11]", eC.getMessage());

        var eD = assertThrows(IllegalArgumentException.class, () -> p.builder().d(Tensor.zeros(5)).build());
        assertEquals("D: expected [4], got [5]", eD.getMessage());

        var eInit = assertThrows(IllegalArgumentException.class, () -> p.builder().initialState(Tensor.zeros(2, 4, 7)).build());
        assertEquals("initial_state: expected [2, 4, 8], got [2, 4, 7]", eInit.getMessage());

        var eState = assertThrows(IllegalArgumentException.class,
                () -> SelectiveScan.builder(p.u, p.delta, Tensor.zeros(4, 300), Tensor.zeros(2, 300, 10), Tensor.zeros(2, 300, 10)).build());
        assertEquals("dstate = 300 is not supported: must be in [1, 256] (the state lives in a per-work-item private array)",
                eState.getMessage());
    }

    /** The one-call {@code run(device)} path gives the fixture's answer. */
    @TestFactory
    List<DynamicTest> runOnDevice() {
        return Target.all().stream().map(t -> DynamicTest.dynamicTest("basic via run() on " + t.name(), () -> {
            Fixture f = Fixture.load("selective_scan", "basic");
            SelectiveScanResult r = SelectiveScan.builder(f.tensor("u"), f.tensor("delta"), f.tensor("A"), f.tensor("B"), f.tensor("C"))
                    .d(f.tensor("D")).z(f.tensor("z")).deltaBias(f.tensor("delta_bias")).deltaSoftplus(true).build()
                    .run(((Target.OnDevice) t).device());
            Tolerance.assertClose("out", f.tensor("out"), r.out());
            Tolerance.assertClose("last_state", f.tensor("last_state"), r.lastState());
        })).toList();
    }
}
