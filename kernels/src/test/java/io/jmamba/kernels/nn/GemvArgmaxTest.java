package io.jmamba.kernels.nn;

import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceMatrix;
import io.jmamba.runtime.jit.Dialect;
import io.jmamba.runtime.jit.KernelJit;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * {@link GemvArgmax} on every device: the logits against a double reference on the bf16 weights (fp32 tolerance:
 * the weights widen exactly), and the ids against the argmax rules applied to the logits the kernel wrote, with
 * ties planted inside a warp, across the warps of a work-group and across work-groups, NaN logits, partial
 * work-groups and partial 256-column chunks; each case also with the final RMSNorm folded in (with and without a
 * residual), against the same reference on the normalised row.
 */
class GemvArgmaxTest {

    /** A case: rows, in, out, bias, and rows of W copied from {@code tieFrom} to each of {@code tieTo} (row 0 scaled up). */
    private record Case(String name, int rows, int in, int out, boolean bias, int tieFrom, int[] tieTo, int nanRow) {
    }

    private static List<Case> cases() {
        return List.of(
                new Case("130M head slice", 1, 768, 1000, false, -1, new int[0], -1),
                new Case("widest rows, 2 rows, bias", 2, GemvBf16ArgmaxKernel.MAX_IN, 77, true, -1, new int[0], -1),
                new Case("partial chunk", 1, 264, 65, false, -1, new int[0], -1),
                new Case("narrow", 3, 8, 5, true, -1, new int[0], -1),
                // 45 and 41: one warp (same output mod 4); 42: another warp of that work-group; 70: the next work-group
                new Case("ties in a warp", 1, 768, 100, false, 45, new int[] {41}, -1),
                new Case("ties across warps", 1, 768, 100, false, 45, new int[] {42, 70}, -1),
                new Case("ties across groups", 2, 256, 200, false, 97, new int[] {33, 160}, -1),
                new Case("NaN logit", 1, 768, 64, false, 40, new int[] {50}, 3),
                // more partials than the combine's slots (2,048 x 32 outputs): the top beyond them, then tied with an early one
                new Case("top beyond the combine's slots", 1, 8, 65_636, false, 65_630, new int[0], -1),
                new Case("ties between slots and beyond", 1, 8, 65_636, false, 65_600, new int[] {70}, -1));
    }

    @Test
    void partsCoverTheOutputs() {
        assertEquals(1, GemvBf16ArgmaxKernel.partsPerRow(1));
        assertEquals(1, GemvBf16ArgmaxKernel.partsPerRow(GemvBf16ArgmaxKernel.OUTPUTS));
        assertEquals(2, GemvBf16ArgmaxKernel.partsPerRow(GemvBf16ArgmaxKernel.OUTPUTS + 1));
        assertEquals(1572, GemvBf16ArgmaxKernel.partsPerRow(50_280));
    }

    @Test
    void refusesRowsItCannotHold() {
        FloatArray x = new FloatArray(12);
        FloatArray w = new FloatArray(3 * 6);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GemvArgmax.addTo(
                new io.jmamba.runtime.api.TaskGraph("t"), new io.jmamba.runtime.api.GridScheduler(), "head", 1, 12, 3, x, w,
                null, new FloatArray(3), new IntArray(1)));
        assertTrue(e.getMessage().contains("multiple of 8"), e.getMessage());
        assertTrue(!GemvArgmax.fits(GemvBf16ArgmaxKernel.MAX_IN + 8));
    }

    @Test
    void compilesForCudaAndOpenCl() throws Exception {
        for (String name : List.of("gemvArgmax", "normGemvArgmax")) {
            var m = Arrays.stream(GemvBf16ArgmaxKernel.class.getMethods()).filter(x -> x.getName().equals(name))
                    .findFirst().orElseThrow();
            int inAt = name.equals("gemvArgmax") ? 8 : 10;
            for (Dialect dialect : Dialect.values()) {
                String src = KernelJit.compile(m, Map.of(inAt, 768), dialect).source();
                assertTrue(src.contains("768"), name + ": in specialised in the " + dialect + " source");
            }
        }
    }

    /** CUDA C: fused multiply-adds, unrolled register rows, the first W row (and the norm weight) before the PDL wait. */
    @Test
    void cudaSourceLoadsWeightsBeforeTheWait() throws Exception {
        for (String name : List.of("gemvArgmax", "normGemvArgmax")) {
            var m = Arrays.stream(GemvBf16ArgmaxKernel.class.getMethods()).filter(x -> x.getName().equals(name))
                    .findFirst().orElseThrow();
            var k = KernelJit.compile(m, Map.of(name.equals("gemvArgmax") ? 8 : 10, 768), Dialect.CUDA);
            String body = k.source().substring(k.source().indexOf("__global__"));
            int wait = body.indexOf("jm_grid_dependency_wait();");
            assertTrue(k.usesGridDependency(), name + ": launched with programmatic serialisation");
            // the dot products are in the shared helper (a device function before the entry), the loads in the entry
            assertTrue(k.source().contains("fmaf(") && body.contains("#pragma unroll\n"), name + ": fmaf and unrolled loops:\n"
                    + k.source());
            assertTrue(wait > 0 && body.indexOf("wPacked + ") < wait, name + ": the first W row before the wait:\n" + body);
            String input = name.equals("gemvArgmax") ? "x + " : "hidden + ";
            assertTrue(body.indexOf(input) > wait, name + ": the activations after the wait:\n" + body);
            if (name.equals("normGemvArgmax")) {
                assertTrue(body.indexOf("normW + ") < wait, "the norm weight before the wait:\n" + body);
            }
        }
    }

    @TestFactory
    List<DynamicTest> logitsAndIdsOnEveryDevice() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ComputeDevice d : DeviceMatrix.devices()) {
            for (Case c : cases()) {
                String shape = " (rows " + c.rows + ", in " + c.in + ", out " + c.out + ") on " + d.id();
                tests.add(dynamicTest(c.name + shape, () -> run(d, c, false, false)));
                tests.add(dynamicTest(c.name + ", final norm folded in" + shape, () -> run(d, c, true, c.out % 2 == 0)));
            }
        }
        return tests;
    }

    /** {@code normed}: x is RMSNorm(x (+ a residual when {@code residual})) * normW, folded into the kernel. */
    private static void run(ComputeDevice d, Case c, boolean normed, boolean residual) {
        Random rnd = new Random(31L * c.in + c.out);
        FloatArray x = new FloatArray((long) c.rows * c.in);
        for (long i = 0; i < x.getSize(); i++) {
            x.set(i, (float) rnd.nextGaussian());
        }
        BFloat16Array w = new BFloat16Array((long) c.out * c.in);
        for (long i = 0; i < w.getSize(); i++) {
            w.set(i, (float) rnd.nextGaussian() * 0.05f);
        }
        if (c.tieFrom >= 0) {
            for (int k = 0; k < c.in; k++) {
                // row 0 of x is made to prefer the planted row: its W row leans along x
                w.set((long) c.tieFrom * c.in + k, x.get(k) * 0.5f);
                for (int t : c.tieTo) {
                    w.set((long) t * c.in + k, w.get((long) c.tieFrom * c.in + k));
                }
            }
        }
        if (c.nanRow >= 0) {
            w.set((long) c.nanRow * c.in + 1, Float.NaN);
        }
        FloatArray bias = null;
        if (c.bias) {
            bias = new FloatArray(c.out);
            for (int o = 0; o < c.out; o++) {
                bias.set(o, (float) rnd.nextGaussian());
            }
        }
        FloatArray logits = new FloatArray((long) c.rows * c.out);
        IntArray ids = new IntArray(c.rows);
        FloatArray xn = x;
        if (normed) {
            FloatArray res = residual ? new FloatArray(x.getSize()) : null;
            FloatArray normW = new FloatArray(c.in);
            for (int k = 0; k < c.in; k++) {
                normW.set(k, 0.5f + rnd.nextFloat());
            }
            xn = new FloatArray(x.getSize());
            for (int r = 0; r < c.rows; r++) {
                double ss = 0;
                for (int k = 0; k < c.in; k++) {
                    long i = (long) r * c.in + k;
                    if (res != null) {
                        res.set(i, (float) rnd.nextGaussian() * 0.3f);
                    }
                    float v = x.get(i) + (res != null ? res.get(i) : 0f);
                    ss += (double) v * v;
                }
                double scale = 1 / Math.sqrt(ss / c.in + 1e-5);
                for (int k = 0; k < c.in; k++) {
                    long i = (long) r * c.in + k;
                    float v = x.get(i) + (res != null ? res.get(i) : 0f);
                    xn.set(i, (float) (v * scale * normW.get(k)));
                }
            }
            GemvArgmax.runNormed(d, c.rows, c.in, c.out, x, res, normW, 1e-5f, w, bias, logits, ids);
        } else {
            GemvArgmax.run(d, c.rows, c.in, c.out, x, w, bias, logits, ids);
        }
        for (int r = 0; r < c.rows; r++) {
            for (int o = 0; o < c.out; o++) {
                double want = bias != null ? bias.get(o) : 0;
                double mag = Math.abs(want);
                for (int k = 0; k < c.in; k++) {
                    double t = (double) xn.get((long) r * c.in + k) * w.get((long) o * c.in + k);
                    want += t;
                    mag += Math.abs(t);
                }
                float got = logits.get((long) r * c.out + o);
                if (Double.isNaN(want)) {
                    assertTrue(Float.isNaN(got), "row " + r + " output " + o + ": NaN expected, got " + got);
                } else {
                    assertEquals(want, got, 1e-5 * mag + 1e-6, "row " + r + " output " + o);
                }
            }
        }
        int[] want = ArgmaxTest.expected(logits, c.rows, c.out);
        assertArrayEquals(want, ids.toHeapArray(), Arrays.toString(ids.toHeapArray()));
        if (c.tieFrom >= 0) {
            int first = c.tieFrom;
            for (int t : c.tieTo) {
                first = Math.min(first, t);
            }
            assertEquals(first, ids.get(0), "row 0 takes the first of the tied rows");
        }
    }
}
