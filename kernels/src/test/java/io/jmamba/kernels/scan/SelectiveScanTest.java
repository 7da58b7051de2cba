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
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The selective-scan variants against the fixtures and the reference, on every target. */
class SelectiveScanTest {

    /** Runs {@code scan} on {@code target} and returns its result on the host. */
    static SelectiveScanResult run(Target target, SelectiveScan scan, List<Tensor> inputs) {
        Tensor out = Tensor.zeros(scan.outShape());
        Tensor last = Tensor.zeros(scan.stateShape());
        target.run(inputs, (g, grids) -> scan.addTo(g, "scan", grids, out, last), List.of(out, last));
        return new SelectiveScanResult(out, last);
    }

    /**
     * Where a variant runs in the default suite: TILED16 and CHUNKED everywhere; BLOCK on the JVM only, since
     * PoCL takes from 10 s to minutes to build its barrier-heavy unrolled code (see
     * {@link #blockVariantOnCompiledDevices}).
     */
    static List<Target> targetsFor(SelectiveScan.Variant variant) {
        return variant == SelectiveScan.Variant.BLOCK ? Target.jvm() : Target.all();
    }

    @TestFactory
    List<DynamicTest> fixtures() {
        List<DynamicTest> tests = new ArrayList<>();
        // chunk 0 = default chunking; 16 and 24 = several chunks and a partial last one (TILED16: one and a half tiles)
        record Config(SelectiveScan.Variant variant, int chunk) { }
        for (Config cfg : List.of(new Config(SelectiveScan.Variant.CHUNKED, 0), new Config(SelectiveScan.Variant.CHUNKED, 16),
                new Config(SelectiveScan.Variant.TILED16, 0), new Config(SelectiveScan.Variant.TILED16, 24),
                new Config(SelectiveScan.Variant.BLOCK, 0))) {
            for (Target target : targetsFor(cfg.variant())) {
                for (String name : List.of("basic", "groups", "plain", "long")) {
                    tests.add(fixtureTest(target, name, cfg.variant(), cfg.chunk()));
                }
            }
        }
        return tests;
    }

    /** The BLOCK variant on OpenCL/CUDA devices: fixtures and a scan in pieces with the state in place. */
    @Tag("slow")
    @TestFactory
    List<DynamicTest> blockVariantOnCompiledDevices() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Target target : Target.compiled()) {
            for (SelectiveScan.Variant variant : List.of(SelectiveScan.Variant.BLOCK)) {
                for (String name : List.of("basic", "groups", "plain", "long")) {
                    tests.add(fixtureTest(target, name, variant, 0));
                }
                tests.add(inPlaceTest(target, variant));
            }
        }
        return tests;
    }

    private static DynamicTest fixtureTest(Target target, String name, SelectiveScan.Variant variant, int chunk) {
        String config = variant + (chunk == 0 ? ", default chunks" : ", chunk " + chunk);
        return DynamicTest.dynamicTest(name + " " + config + " on " + target.name(), () -> {
            Fixture f = Fixture.load("selective_scan", name);
            SelectiveScan.Builder b = SelectiveScan.builder(f.tensor("u"), f.tensor("delta"), f.tensor("A"),
                            f.tensor("B"), f.tensor("C"))
                    .d(f.optional("D")).z(f.optional("z")).deltaBias(f.optional("delta_bias"))
                    .deltaSoftplus(f.flag("delta_softplus")).variant(variant);
            if (chunk > 0) {
                b.chunkLength(chunk);
            }
            SelectiveScan scan = b.build();
            Tensor[] in = {f.tensor("u"), f.tensor("delta"), f.tensor("A"), f.tensor("B"), f.tensor("C"),
                    f.optional("D"), f.optional("z"), f.optional("delta_bias")};
            SelectiveScanResult r = run(target, scan, Arrays.asList(in));
            Tolerance.assertClose(name + " out", f.tensor("out"), r.out());
            Tolerance.assertClose(name + " last_state", f.tensor("last_state"), r.lastState());
        });
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
                    // without softplus a negative bias could make dt < 0 and the state grow without bound
                    rnd.nextBoolean() ? (softplus ? TestTensors.uniform(rnd, -1, 0.5, dim) : TestTensors.uniform(rnd, 0, 0.3, dim)) : null,
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

        /** The same problem starting from {@code start} (null: from zero). */
        Problem withInit(Tensor start) {
            return new Problem(u, delta, a, b, c, d, z, bias, softplus, start);
        }

        SelectiveScanResult reference() {
            return SelectiveScanReference.forward(u, delta, a, b, c, d, z, bias, softplus, init);
        }
    }

    @TestFactory
    List<DynamicTest> randomShapesMatchReference() {
        return randomShapesMatchReferenceFor(new int[][] {
                {1, 1, 1, 4, 1, 0},
                {2, 3, 7, 4, 3, 3},
                {3, 5, 1, 16, 1, 0},
                {1, 6, 129, 16, 2, 32},
                {1, 1, 50, 5, 1, 1}});
    }

    /** Wider sweep: more distinct specialisations, so more device compiles. */
    @Tag("slow")
    @TestFactory
    List<DynamicTest> randomShapesMatchReferenceWide() {
        return randomShapesMatchReferenceFor(new int[][] {
                {1, 1, 1, 1, 1, 0},
                {1, 1, 1, 16, 1, 5},
                {2, 3, 7, 5, 3, 3},
                {2, 4, 65, 8, 4, 64},
                {1, 2, 200, 3, 1, 0},
                {1, 1, 50, 7, 1, 1},
                {2, 8, 300, 64, 2, 0},
                {1, 2, 40, 256, 1, 0}});
    }

    private static List<DynamicTest> randomShapesMatchReferenceFor(int[][] shapes) { // batch, dim, seqlen, dstate, groups, chunk (0 = default)
        List<DynamicTest> tests = new ArrayList<>();
        for (SelectiveScan.Variant variant : SelectiveScan.Variant.values()) {
            for (Target target : targetsFor(variant)) {
                for (int[] s : shapes) {
                    long seed = Arrays.hashCode(s);
                    tests.add(DynamicTest.dynamicTest(Arrays.toString(s) + " " + variant + " on " + target.name(), () -> {
                        Problem p = Problem.random(seed, s[0], s[1], s[2], s[3], s[4], s[4] > 1 || seed % 2 == 0);
                        SelectiveScan.Builder b = p.builder().variant(variant);
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
        }
        return tests;
    }

    /**
     * TILED16 (R = 32, T = 16) at the edges of its tiling: rows not a multiple of R, segments (batch x B/C
     * group) shorter than R or not a multiple of it, seqlen odd or below T, chunks that are not whole
     * tiles, a single chunk, chunk counts around the carry pass's batches of
     * {@link SelectiveScanTiled16Kernels#CARRY_AHEAD} chunks, dstate not a multiple of 4 or odd (B pairs), and
     * each with and without an initial state.
     */
    @TestFactory
    List<DynamicTest> tiledEdgeShapesMatchReference() {
        int[][] shapes = { // batch, dim, seqlen, dstate, groups, chunk (0 = default)
                {1, 33, 45, 16, 1, 0},      // 33 rows: a block of one live row; one chunk (seqlen < TILED_MIN_CHUNK)
                {1, 40, 101, 16, 1, 40},    // chunks of 40 tokens: a whole tile and a partial one; last chunk 21
                {2, 70, 77, 4, 2, 32},      // segments of 35 rows: blocks of 32 and 3, per batch entry and group
                {3, 6, 20, 4, 3, 0},        // seqlen < T, segments of 2 rows
                {2, 64, 300, 16, 4, 50},    // segments of 16 rows, six chunks of 50
                {1, 1, 1000, 16, 1, 0},     // default chunking: several chunks of whole tiles, a partial last one
                {1, 35, 512, 16, 1, 64},    // exactly one batch of 8 chunks in the carry pass
                {1, 35, 700, 6, 1, 64},     // 11 chunks: a full batch and a partial one; dstate 6
                {2, 3, 1100, 16, 1, 64},    // 18 chunks: two full batches and a partial one
                {1, 33, 99, 7, 1, 48}};     // odd dstate: a last B pair with one state
        List<DynamicTest> tests = new ArrayList<>();
        for (SelectiveScan.Variant variant : List.of(SelectiveScan.Variant.TILED16)) {
            for (Target target : Target.all()) {
                for (int[] s : shapes) {
                    for (boolean withInit : new boolean[] {false, true}) {
                        long seed = Arrays.hashCode(s) + (withInit ? 1 : 0);
                        tests.add(DynamicTest.dynamicTest(Arrays.toString(s) + (withInit ? " from a state" : "") + " " + variant + " on "
                                + target.name(), () -> {
                            Problem random = Problem.random(seed, s[0], s[1], s[2], s[3], s[4], true);
                            Problem p = random.withInit(withInit
                                    ? TestTensors.uniform(new SplittableRandom(seed), -1, 1, s[0], s[1], s[3]) : null);
                            SelectiveScan.Builder b = p.builder().variant(variant);
                            if (s[5] > 0) {
                                b.chunkLength(s[5]);
                            }
                            SelectiveScan scan = b.build();
                            assertEquals(variant, scan.variant());
                            SelectiveScanResult want = p.reference();
                            SelectiveScanResult got = run(target, scan, p.inputs());
                            Tolerance.assertClose("out", want.out(), got.out());
                            Tolerance.assertClose("last_state", want.lastState(), got.lastState());
                        }));
                    }
                }
            }
        }
        return tests;
    }

    /** The last state written over the initial state in one scan of several chunks, and of one. */
    @TestFactory
    List<DynamicTest> lastStateMayAliasInitialState() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Target target : Target.all()) {
            for (int chunk : new int[] {0, 24}) {
                tests.add(DynamicTest.dynamicTest("aliased state, TILED16, " + (chunk == 0 ? "one chunk" : "chunks of " + chunk)
                        + " on " + target.name(), () -> {
                    Problem p = Problem.random(404, 2, 35, 100, 4, 1, false)
                            .withInit(TestTensors.uniform(new SplittableRandom(405), -1, 1, 2, 35, 4));
                    SelectiveScanResult want = p.reference();
                    SelectiveScan.Builder b = p.builder().variant(SelectiveScan.Variant.TILED16);
                    if (chunk > 0) {
                        b.chunkLength(chunk);
                    }
                    SelectiveScan scan = b.build();
                    Tensor state = TestTensors.copy(p.init());
                    Problem aliased = p.withInit(state);
                    Tensor out = Tensor.zeros(scan.outShape());
                    SelectiveScan aliasedScan = chunk > 0 ? aliased.builder().chunkLength(chunk).build() : aliased.builder().build();
                    target.run(aliased.inputs(), (g, grids) -> aliasedScan.addTo(g, "scan", grids, out, state), List.of(out, state));
                    Tolerance.assertClose("out", want.out(), out);
                    Tolerance.assertClose("state", want.lastState(), state);
                }));
            }
        }
        return tests;
    }

    @Test
    void tiled16IsTheDefaultUpToItsLargestState() {
        assertEquals(SelectiveScan.Variant.TILED16, Problem.random(1, 1, 2, 10, 4, 1, false).builder().build().variant());
        // B and C tiles live in local memory: a larger state runs CHUNKED
        assertEquals(SelectiveScan.Variant.CHUNKED, Problem.random(1, 1, 2, 10, 65, 1, false).builder().build().variant());
        assertEquals(SelectiveScan.Variant.CHUNKED, Problem.random(1, 1, 2, 10, 65, 1, false).builder()
                .variant(SelectiveScan.Variant.TILED16).build().variant());
    }

    @Test
    void tiled16ChunksAreWholeTilesAndGiveSeveralWaves() {
        // b1, d1536: about three H100 waves of one-warp work-groups: 228 chunks of 288 tokens at 64K, 231 of 4544 at 1M
        assertEquals(288, SelectiveScan.defaultChunkLength(SelectiveScan.Variant.TILED16, 1536, 1 << 16));
        assertEquals(4544, SelectiveScan.defaultChunkLength(SelectiveScan.Variant.TILED16, 1536, 1 << 20));
        assertEquals(0, SelectiveScan.defaultChunkLength(SelectiveScan.Variant.TILED16, 1536, 1 << 20) % SelectiveScanTiled16Kernels.TOKENS);
        assertEquals(SelectiveScan.TILED_MIN_CHUNK, SelectiveScan.defaultChunkLength(SelectiveScan.Variant.TILED16, 1, 1 << 20));
        assertEquals(45, SelectiveScan.defaultChunkLength(SelectiveScan.Variant.TILED16, 33, 45));
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

    /** With the last state written over the initial state, a long input is scanned in pieces in place. */
    @TestFactory
    List<DynamicTest> stateKeptInPlaceAcrossPieces() {
        List<DynamicTest> tests = new ArrayList<>();
        for (SelectiveScan.Variant variant : SelectiveScan.Variant.values()) {
            for (Target target : targetsFor(variant)) {
                tests.add(inPlaceTest(target, variant));
            }
        }
        return tests;
    }

    private static DynamicTest inPlaceTest(Target target, SelectiveScan.Variant variant) {
        return DynamicTest.dynamicTest("three pieces in place, " + variant + ", on " + target.name(), () -> {
            Problem p = Problem.random(91, 1, 3, 30, 4, 1, false);
            SelectiveScanResult whole = run(target, p.builder().chunkLength(4).build(), p.inputs());
            Tensor state = p.init() == null ? Tensor.zeros(1, 3, 4) : TestTensors.copy(p.init());
            Tensor outs = null;
            for (int[] piece : new int[][] {{0, 1}, {1, 17}, {17, 30}}) {
                Problem part = p.slice(piece[0], piece[1], state);
                SelectiveScan scan = part.builder().chunkLength(4).variant(variant).build();
                Tensor out = Tensor.zeros(scan.outShape());
                target.run(part.inputs(), (g, grids) -> scan.addTo(g, "scan", grids, out, state), List.of(out, state));
                outs = outs == null ? out : TestTensors.concatLast(outs, out);
            }
            Tolerance.assertClose("out", whole.out(), outs);
            Tolerance.assertClose("state", whole.lastState(), state);
        });
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
