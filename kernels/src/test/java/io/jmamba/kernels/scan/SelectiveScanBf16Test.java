package io.jmamba.kernels.scan;

import io.jmamba.kernels.support.Bf16Tensor;

import io.jmamba.kernels.scan.SelectiveScanTest.Problem;
import io.jmamba.kernels.support.Target;
import io.jmamba.kernels.support.Tensor;
import io.jmamba.kernels.support.TestTensors;
import io.jmamba.kernels.support.Tolerance;
import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.backend.ComputeDevice;
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
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The bf16 selective scan (u, delta, B, C, z and out in bf16; A, D, delta_bias and the states in fp32) on
 * every target, against {@link SelectiveScanReference} computed in float64 from the bf16-rounded inputs.
 */
class SelectiveScanBf16Test {
    /**
     * The bf16 output's tolerance, as mamba_ssm's bf16 tests (rtol 3e-2): element-wise
     * {@code |out - ref| <= 3e-2 |ref| + 1e-3 max(1, max|ref|)}. Rounding out to bf16 alone costs up to
     * 2^-9 |ref|; the computation is fp32.
     */
    static final double BF16_RELATIVE = 3e-2;
    static final double BF16_FLOOR = 1e-3;

    /** The problem's activations rounded to bf16; A, D, delta_bias, the initial state stay fp32. */
    record Bf16Problem(Problem fp32, Bf16Tensor u, Bf16Tensor delta, Bf16Tensor b, Bf16Tensor c, Bf16Tensor z) {
        static Bf16Problem of(Problem p) {
            return new Bf16Problem(p, Bf16Tensor.rounded(p.u()), Bf16Tensor.rounded(p.delta()), Bf16Tensor.rounded(p.b()),
                    Bf16Tensor.rounded(p.c()), p.z() == null ? null : Bf16Tensor.rounded(p.z()));
        }

        SelectiveScan.Builder builder() {
            return SelectiveScan.builder(u, delta, fp32.a(), b, c).d(fp32.d()).z(z).deltaBias(fp32.bias())
                    .deltaSoftplus(fp32.softplus()).initialState(fp32.init());
        }

        /** The same (rounded) values in fp32 tensors: what the reference and the fp32 kernels see. */
        Problem widened() {
            return new Problem(u.toFloat(), delta.toFloat(), fp32.a(), b.toFloat(), c.toFloat(), fp32.d(),
                    z == null ? null : z.toFloat(), fp32.bias(), fp32.softplus(), fp32.init());
        }
    }

    static void assertCloseBf16(String what, Tensor expected, Bf16Tensor actual) {
        assertTrue(Arrays.equals(expected.shape(), actual.shape()), what + ": shape " + actual.shapeString());
        double maxRef = 0;
        for (long i = 0; i < expected.numel(); i++) {
            maxRef = Math.max(maxRef, Math.abs(expected.data().get(i)));
        }
        assertTrue(Double.isFinite(maxRef), what + ": the reference is not finite");
        double floor = BF16_FLOOR * Math.max(1, maxRef);
        for (long i = 0; i < expected.numel(); i++) {
            double e = expected.data().get(i);
            double a = actual.data().get(i);
            if (!(Math.abs(e - a) <= BF16_RELATIVE * Math.abs(e) + floor)) {
                fail(what + ": element " + i + " is " + a + ", expected " + e + " (tolerance " + BF16_RELATIVE + " |ref| + "
                        + floor + ", shape " + expected.shapeString() + ")");
            }
        }
    }

    /** batch, dim, seqlen, dstate, groups, chunk (0 = default): odd lengths, partial tiles and row blocks, odd dstate. */
    private static final int[][] SHAPES = {
            {1, 33, 45, 16, 1, 0},      // one chunk (single pass from the initial state), a block of one live row
            {1, 40, 101, 5, 1, 40},     // chunks of 2.5 tiles, odd dstate
            {2, 70, 77, 4, 2, 32},      // groups: segments of 35 rows
            {3, 6, 19, 4, 3, 0},        // seqlen below a tile
            {1, 35, 700, 16, 1, 64},    // 11 chunks: both carry batches
            {1, 2, 1001, 16, 1, 0}};    // default chunking, a partial last tile

    private static ComputeDevice device(Target t) {
        return ((Target.OnDevice) t).device();
    }

    @TestFactory
    List<DynamicTest> bf16MatchesTheReferenceOfTheRoundedInputs() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Target target : Target.all()) {
            for (int[] s : SHAPES) {
                for (boolean withInit : new boolean[] {false, true}) {
                    long seed = Arrays.hashCode(s) * 31L + (withInit ? 7 : 0);
                    tests.add(DynamicTest.dynamicTest(Arrays.toString(s) + (withInit ? " from a state" : "") + " bf16 on "
                            + target.name(), () -> {
                        Problem random = Problem.random(seed, s[0], s[1], s[2], s[3], s[4], s[4] > 1 || seed % 2 == 0);
                        Bf16Problem p = Bf16Problem.of(random.withInit(withInit
                                ? TestTensors.uniform(new SplittableRandom(seed), -1, 1, s[0], s[1], s[3]) : null));
                        SelectiveScan.Builder b = p.builder();
                        if (s[5] > 0) {
                            b.chunkLength(s[5]);
                        }
                        SelectiveScan scan = b.build();
                        assertTrue(scan.isBf16());
                        assertEquals(SelectiveScan.Variant.TILED16, scan.variant());
                        SelectiveScanBf16Result got = scan.runBf16(device(target));
                        SelectiveScanResult want = p.widened().reference();
                        assertCloseBf16("out", want.out(), got.out());
                        // the state is fp32 computed in fp32 from exact values: the fp32 tolerance holds
                        Tolerance.assertClose("last_state", want.lastState(), got.lastState());
                    }));
                }
            }
        }
        return tests;
    }

    /**
     * The bf16 kernels share every line of arithmetic with the fp32 TILED16 kernels: given the same
     * (rounded) values, their out is the fp32 kernels' out rounded to bf16, bit for bit.
     */
    @TestFactory
    List<DynamicTest> bf16OutIsTheFp32KernelsOutRounded() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Target target : Target.all()) {
            tests.add(DynamicTest.dynamicTest("gated, 3 chunks, on " + target.name(), () -> {
                Problem random = Problem.random(2024, 1, 40, 150, 16, 1, false);
                Problem gated = new Problem(random.u(), random.delta(), random.a(), random.b(), random.c(),
                        TestTensors.uniform(new SplittableRandom(3), -1, 1, 40),
                        TestTensors.uniform(new SplittableRandom(4), -2, 2, 1, 40, 150), random.bias(), random.softplus(), null);
                Bf16Problem p = Bf16Problem.of(gated);
                SelectiveScanBf16Result bf16 = p.builder().chunkLength(64).build().runBf16(device(target));
                Problem w = p.widened();
                SelectiveScanResult fp32 = SelectiveScanTest.run(target,
                        w.builder().variant(SelectiveScan.Variant.TILED16).chunkLength(64).build(), w.inputs());
                BFloat16Array rounded = Bf16Tensor.rounded(fp32.out()).data();
                for (long i = 0; i < rounded.getSize(); i++) {
                    if (rounded.getBits(i) != bf16.out().data().getBits(i)) {
                        fail("out element " + i + ": bf16 kernels " + bf16.out().data().get(i) + ", fp32 kernels rounded "
                                + rounded.get(i));
                    }
                }
                Tolerance.assertClose("last_state", fp32.lastState(), bf16.lastState());
            }));
        }
        return tests;
    }

    /** The last state may be the initial state itself (a long input scanned in pieces, state kept in place). */
    @TestFactory
    List<DynamicTest> stateInPlaceAcrossPieces() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Target target : Target.all()) {
            tests.add(DynamicTest.dynamicTest("two pieces in place on " + target.name(), () -> {
                Bf16Problem p = Bf16Problem.of(Problem.random(91, 1, 3, 61, 4, 1, false));
                SelectiveScanBf16Result whole = p.builder().chunkLength(16).build().runBf16(device(target));
                Tensor state = Tensor.zeros(1, 3, 4);
                if (p.fp32().init() != null) {
                    state.data().copyFrom(p.fp32().init().data());
                }
                Problem w = p.widened();
                Bf16Tensor outs = Bf16Tensor.zeros(1, 3, 61);
                for (int[] piece : new int[][] {{0, 29}, {29, 61}}) {
                    Bf16Problem part = Bf16Problem.of(w.slice(piece[0], piece[1], state));
                    SelectiveScan scan = part.builder().chunkLength(16).build();
                    Bf16Tensor out = Bf16Tensor.zeros(scan.outShape());
                    target.run(List.of(), (g, grids) -> addInputsAndScan(g, grids, part, scan, out, state), List.of(state));
                    int len = piece[1] - piece[0];
                    for (int r = 0; r < 3; r++) {
                        for (int t = 0; t < len; t++) {
                            outs.data().setBits(r * 61L + piece[0] + t, out.data().getBits((long) r * len + t));
                        }
                    }
                }
                // other chunk boundaries than the whole scan's: equal within the bf16 tolerance, not bit for bit
                assertCloseBf16("out", w.reference().out(), outs);
                assertCloseBf16("out vs whole", whole.out().toFloat(), outs);
                Tolerance.assertClose("state", whole.lastState(), state);
            }));
        }
        return tests;
    }

    /** Copies the bf16 inputs in, runs the scan and copies its bf16 out back (the Target harness moves fp32 tensors only). */
    private static void addInputsAndScan(TaskGraph g, GridScheduler grids, Bf16Problem p, SelectiveScan scan, Bf16Tensor out,
                                         Tensor state) {
        List<Object> in = new ArrayList<>(List.of(p.u().data(), p.delta().data(), p.b().data(), p.c().data(), p.fp32().a().data()));
        for (Tensor t : new Tensor[] {p.fp32().d(), p.fp32().bias()}) {
            if (t != null) {
                in.add(t.data());
            }
        }
        if (p.z() != null) {
            in.add(p.z().data());
        }
        in.add(state.data());
        g.transferToDevice(io.jmamba.runtime.api.DataTransferMode.EVERY_EXECUTION, in.toArray());
        scan.addTo(g, "scan", grids, out, state);
        g.transferToHost(io.jmamba.runtime.api.DataTransferMode.EVERY_EXECUTION, out.data());
    }

    @Test
    void mixedDtypesAndBadShapesAreRefusedByName() {
        Bf16Problem p = Bf16Problem.of(Problem.random(5, 2, 4, 10, 8, 2, true));
        var eDelta = assertThrows(IllegalArgumentException.class,
                () -> SelectiveScan.builder(p.u(), Bf16Tensor.zeros(2, 4, 9), p.fp32().a(), p.b(), p.c()).build());
        assertEquals("delta: expected [2, 4, 10], got [2, 4, 9]", eDelta.getMessage());
        var eZ = assertThrows(IllegalArgumentException.class, () -> p.builder().z(Tensor.zeros(2, 4, 10)).build());
        assertTrue(eZ.getMessage().startsWith("z: fp32 tensor given to a bf16 scan"), eZ.getMessage());
        var eZ32 = assertThrows(IllegalArgumentException.class,
                () -> p.fp32().builder().z(Bf16Tensor.zeros(2, 4, 10)).build());
        assertTrue(eZ32.getMessage().startsWith("z: bf16 tensor given to an fp32 scan"), eZ32.getMessage());
        var eState = assertThrows(IllegalArgumentException.class, () -> SelectiveScan.builder(Bf16Tensor.zeros(1, 2, 10),
                Bf16Tensor.zeros(1, 2, 10), Tensor.zeros(2, 65), Bf16Tensor.zeros(1, 65, 10), Bf16Tensor.zeros(1, 65, 10)).build());
        assertTrue(eState.getMessage().startsWith("dstate = 65 is not supported by the bf16 selective scan"), eState.getMessage());
        SelectiveScan scan = p.builder().build();
        var eOut = assertThrows(IllegalStateException.class,
                () -> scan.addTo(new TaskGraph("g"), "s", new GridScheduler(), Tensor.zeros(scan.outShape()), Tensor.zeros(scan.stateShape())));
        assertTrue(eOut.getMessage().contains("bf16"), eOut.getMessage());
        var eOutShape = assertThrows(IllegalArgumentException.class,
                () -> scan.addTo(new TaskGraph("g"), "s", new GridScheduler(), Bf16Tensor.zeros(2, 4, 9), Tensor.zeros(scan.stateShape())));
        assertEquals("out: expected [2, 4, 10], got [2, 4, 9]", eOutShape.getMessage());
    }
}
