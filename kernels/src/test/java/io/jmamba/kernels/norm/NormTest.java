package io.jmamba.kernels.norm;

import io.jmamba.kernels.ssd.GoldenFile;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceMatrix;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static io.jmamba.kernels.ssd.GoldenFile.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/** The norm fixtures and properties on the reference, the kernels as plain Java, and every device. */
class NormTest {
    static final List<String> CASES = List.of("gated_grouped", "gate_after_norm");

    interface GatedRunner {
        void run(GatedRmsNorm.Config cfg, FloatArray x, FloatArray z, FloatArray w, FloatArray out);
    }

    static GatedRmsNorm.Config config(GoldenFile f) {
        long[] s = f.shape("x");
        return new GatedRmsNorm.Config((int) s[0], (int) s[1], f.metaInt("group_size"), f.metaFloat("eps"),
                f.metaBool("norm_before_gate"));
    }

    /** The loop form of the kernel, called as plain Java (the host API runs the work-group form). */
    static void sequentialGated(GatedRmsNorm.Config cfg, FloatArray x, FloatArray z, FloatArray w, FloatArray out) {
        NormKernels.gatedRmsNorm(x, z == null ? new FloatArray(1) : z, w, out, cfg.rows(), cfg.dim(), cfg.groupSize(), cfg.eps(),
                z != null, cfg.normBeforeGate());
    }

    static void referenceGated(GatedRmsNorm.Config cfg, FloatArray x, FloatArray z, FloatArray w, FloatArray out) {
        NormReference.gatedRmsNorm(x, z, w, out, cfg.rows(), cfg.dim(), cfg.groupSize(), cfg.eps(), cfg.normBeforeGate());
    }

    static Stream<DynamicTest> gatedFixtureTests(String suffix, GatedRunner runner) {
        return CASES.stream().map(c -> dynamicTest(c + suffix, () -> {
            GoldenFile f = GoldenFile.load("norm/" + c + ".safetensors");
            FloatArray out = new FloatArray(f.array("out").getSize());
            runner.run(config(f), f.array("x"), f.array("z"), f.array("weight"), out);
            assertClose(c + suffix, f.array("out"), out);
        }));
    }

    @TestFactory
    Stream<DynamicTest> gatedNormFixtures() {
        List<DynamicTest> tests = new ArrayList<>();
        gatedFixtureTests(" reference", NormTest::referenceGated).forEach(tests::add);
        gatedFixtureTests(" kernel as Java", NormTest::sequentialGated).forEach(tests::add);
        for (ComputeDevice d : DeviceMatrix.devices()) {
            gatedFixtureTests(" on " + d.id(), (cfg, x, z, w, out) -> GatedRmsNorm.run(d, cfg, x, z, w, out)).forEach(tests::add);
        }
        return tests.stream();
    }

    /** Random shapes: one row, odd group sizes, no gate; both gate orders. */
    @TestFactory
    Stream<DynamicTest> gatedNormRandomShapes() {
        List<DynamicTest> tests = new ArrayList<>();
        List<GatedRmsNorm.Config> cfgs = List.of(new GatedRmsNorm.Config(1, 7, 7, 1e-5f, false),
                new GatedRmsNorm.Config(5, 21, 3, 1e-6f, true), new GatedRmsNorm.Config(3, 48, 12, 1e-5f, false),
                new GatedRmsNorm.Config(1, 1200, 600, 1e-5f, true));
        List<String> devices = new ArrayList<>(List.of("java"));
        DeviceMatrix.devices().forEach(d -> devices.add(d.id()));
        for (GatedRmsNorm.Config cfg : cfgs) {
            for (boolean gated : new boolean[] {true, false}) {
                for (String dev : devices) {
                    tests.add(dynamicTest(cfg + (gated ? " gated" : " no gate") + " on " + dev, () -> {
                        Random r = new Random(cfg.dim() * 31L + cfg.rows());
                        long n = (long) cfg.rows() * cfg.dim();
                        FloatArray x = fill(r, n, -2, 2), z = gated ? fill(r, n, -3, 3) : null, w = fill(r, cfg.dim(), 0.5f, 1.5f);
                        FloatArray ref = new FloatArray(n), out = new FloatArray(n);
                        referenceGated(cfg, x, z, w, ref);
                        if (dev.equals("java")) {
                            sequentialGated(cfg, x, z, w, out);
                        } else {
                            GatedRmsNorm.run(io.jmamba.runtime.backend.Devices.find(dev), cfg, x, z, w, out);
                        }
                        assertClose("gated norm", ref, out);
                    }));
                }
            }
        }
        return tests.stream();
    }

    @Test
    void residualNormReferenceByHand() {
        // row (3, 4) + residual (0, 0): mean square 12.5, scale 1/sqrt(12.5)
        FloatArray x = FloatArray.fromArray(3, 4), res = FloatArray.fromArray(0, 0), w = FloatArray.fromArray(1, 2);
        FloatArray out = new FloatArray(2), resOut = new FloatArray(2);
        NormReference.rmsNormResidual(x, res, w, out, resOut, 1, 2, 0f);
        assertEquals(3 / Math.sqrt(12.5), out.get(0), 1e-6);
        assertEquals(8 / Math.sqrt(12.5), out.get(1), 1e-6);
        assertEquals(4f, resOut.get(1));
    }

    @TestFactory
    Stream<DynamicTest> residualNormMatchesReference() {
        List<DynamicTest> tests = new ArrayList<>();
        List<String> devices = new ArrayList<>(List.of("java"));
        DeviceMatrix.devices().forEach(d -> devices.add(d.id()));
        int[][] shapes = {{1, 64}, {7, 33}, {24, 1}, {2, 777}};
        for (int[] s : shapes) {
            for (int mode = 0; mode < 3; mode++) { // 0: no residual, 1: separate output, 2: residual updated in place
                for (String dev : devices) {
                    final int m = mode;
                    tests.add(dynamicTest("rows " + s[0] + " dim " + s[1] + " mode " + mode + " on " + dev, () -> {
                        int rows = s[0], dim = s[1];
                        Random r = new Random(rows * 100L + dim + m);
                        long n = (long) rows * dim;
                        FloatArray x = fill(r, n, -3, 3), res = m == 0 ? null : fill(r, n, -3, 3), w = fill(r, dim, 0.5f, 1.5f);
                        FloatArray refOut = new FloatArray(n), refRes = new FloatArray(n);
                        NormReference.rmsNormResidual(x, res, w, refOut, refRes, rows, dim, 1e-5f);
                        FloatArray out = new FloatArray(n);
                        FloatArray resOut = m == 2 ? res : new FloatArray(n);
                        if (dev.equals("java")) { // the loop form, as plain Java
                            NormKernels.rmsNormResidual(x, res == null ? new FloatArray(1) : res, w, out, resOut, rows, dim, 1e-5f,
                                    res != null);
                        } else {
                            RmsNorm.run(io.jmamba.runtime.backend.Devices.find(dev), rows, dim, 1e-5f, x, res, w, out, resOut);
                        }
                        assertClose("out", refOut, out);
                        assertClose("residual", refRes, resOut);
                    }));
                }
            }
        }
        return tests.stream();
    }

    @Test
    void badInputsNameTheArgument() {
        FloatArray x = new FloatArray(12), w = new FloatArray(4), out = new FloatArray(12);
        var e = assertThrows(IllegalArgumentException.class,
                () -> RmsNorm.addTo(new TaskGraph("g"), new GridScheduler(), "p", 3, 4, 1e-5f, x, new FloatArray(11), w, out, out));
        assertTrue(e.getMessage().contains("residual:") && e.getMessage().contains("[3, 4]") && e.getMessage().contains("11 elements"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> GatedRmsNorm.addTo(new TaskGraph("g"), new GridScheduler(), "p", new GatedRmsNorm.Config(3, 4, 3, 1e-5f, false),
                        x, null, w, out));
        assertTrue(e.getMessage().contains("group_size") && e.getMessage().contains("dim (4)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> GatedRmsNorm.addTo(new TaskGraph("g"), new GridScheduler(), "p", new GatedRmsNorm.Config(3, 4, 2, 1e-5f, false),
                        x, null, new FloatArray(2), out));
        assertTrue(e.getMessage().contains("weight:") && e.getMessage().contains("(dim) = [4]"), e.getMessage());
    }

    static FloatArray fill(Random r, long n, float lo, float hi) {
        FloatArray a = new FloatArray(n);
        for (long i = 0; i < n; i++) {
            a.set(i, lo + (hi - lo) * r.nextFloat());
        }
        return a;
    }
}
