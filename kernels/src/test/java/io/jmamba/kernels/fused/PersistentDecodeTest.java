package io.jmamba.kernels.fused;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceMatrix;
import io.jmamba.runtime.jit.Dialect;
import io.jmamba.runtime.jit.GeneratedKernel;
import io.jmamba.runtime.jit.KernelJit;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * {@link PersistentDecode}'s three phases as three launches on every device against today's three fused kernels
 * (staged norm + in_proj, convSsm with the gate, pre-gated norm + out_proj): the same per-output arithmetic in the
 * same order, so every output and state must agree bit for bit. Each case runs with one work-group per unit and
 * with a few work-groups walking many units (the grid-stride loops a persistent grid smaller than the work takes).
 */
class PersistentDecodeTest {
    /** The 130M layer at batch 1 (d_state 128 over 32 lanes, one norm group of 1,536). */
    static PersistentLayerCase m130() {
        return new PersistentLayerCase("130M b1", new Mamba2Decode.Shape(1, 24, 64, 1, 128, 4, true, 0f, Float.POSITIVE_INFINITY),
                768, 1536, false, 130);
    }

    /**
     * Two rows, a partial block of state rows (headdim 12 over 8 rows per work-group), two groups and two norm groups,
     * a dt limit, every bias; dModel 40 (a partial 256-column chunk), 164 in_proj outputs (a partial warp).
     */
    static PersistentLayerCase odd() {
        return new PersistentLayerCase("odd b2", new Mamba2Decode.Shape(2, 4, 12, 2, 16, 4, true, 0.001f, 0.1f), 40, 24, true, 7);
    }

    /**
     * Width 3 conv, d_state 64 (single-float state slots: 32 lanes), four norm groups, biases; dModel 8: out_proj's two
     * work-groups have fewer items than the 320 conv channels they shift (the further-channels loop).
     */
    static PersistentLayerCase narrow() {
        return new PersistentLayerCase("width3 b1", new Mamba2Decode.Shape(1, 6, 32, 1, 64, 3, true, 0f, Float.POSITIVE_INFINITY),
                8, 48, true, 11);
    }

    @TestFactory
    List<DynamicTest> phasesMatchTheFusedKernelsBitForBit() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ComputeDevice dev : DeviceMatrix.devices()) {
            List<PersistentLayerCase> cases = new ArrayList<>(List.of(odd(), narrow()));
            if (!dev.backendName().equals("jvm")) {
                // the JVM backend runs every work-item as Java: the 130M layer's 5 MB in_proj is slow there
                cases.add(m130());
            }
            for (PersistentLayerCase c : cases) {
                // the 130M case once (PoCL takes seconds per run of it): one unit per work-group, as the model runs it
                int[] grids = c.dModel == 768 ? new int[] {Integer.MAX_VALUE} : new int[] {Integer.MAX_VALUE, 3};
                for (int maxGroups : grids) {
                    String grid = maxGroups == Integer.MAX_VALUE ? "one unit per work-group" : maxGroups + " work-groups";
                    tests.add(dynamicTest(c + ", " + grid + " on " + dev.id(), () -> {
                        PersistentLayerCase want = c.copy();
                        PersistentLayerCase got = c.copy();
                        want.runFused(dev);
                        got.runPhases(dev, maxGroups);
                        PersistentLayerCase.assertSameBits(c + " " + grid + " on " + dev.id(), want, got);
                        assertChanged(c, got);
                    }));
                }
            }
        }
        return tests;
    }

    /**
     * A first layer with the embedding lookup folded into phase A against FusedEmbedGemvKernels + convSsm + the
     * pre-gated out_proj: bit for bit; an id outside the vocabulary gives NaN rows (and only there).
     */
    @TestFactory
    List<DynamicTest> embeddingFoldedIntoPhaseAMatchesTheFusedEmbedKernels() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ComputeDevice dev : DeviceMatrix.devices()) {
            for (boolean badId : new boolean[] {false, true}) {
                PersistentLayerCase c = odd();
                tests.add(dynamicTest(c + " embedding" + (badId ? ", an id outside the vocabulary" : "") + " on " + dev.id(), () -> {
                    PersistentDecode.Embedding e = c.embedding(50, badId);
                    PersistentLayerCase want = c.copy();
                    PersistentLayerCase got = c.copy();
                    want.runFusedEmbed(dev, e);
                    got.runPhasesEmbed(dev, e, 3);
                    PersistentLayerCase.assertSameBits(c + " embedding on " + dev.id(), want, got);
                    // row 0's residual is its table row; row 1's NaN with a bad id
                    int id0 = e.ids().get(0);
                    assertEquals(e.table().get((long) id0 * c.dModel), got.residualOut.get(0));
                    assertEquals(badId, Float.isNaN(got.residualOut.get(c.dModel)), "row 1's residual");
                    assertFalse(Float.isNaN(got.out.get(0)), "row 0 stays finite");
                }));
            }
        }
        return tests;
    }

    /** Two steps in a row: the second reads the states the first left (a wrong shift or state write shows there). */
    @TestFactory
    List<DynamicTest> twoStepsMatchTheFusedKernels() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ComputeDevice dev : DeviceMatrix.devices()) {
            PersistentLayerCase c = odd();
            tests.add(dynamicTest(c + " two steps on " + dev.id(), () -> {
                PersistentLayerCase want = c.copy();
                PersistentLayerCase got = c.copy();
                for (int step = 0; step < 2; step++) {
                    want.runFused(dev);
                    got.runPhases(dev, 5);
                    PersistentLayerCase.assertSameBits(c + " step " + step + " on " + dev.id(), want, got);
                }
            }));
        }
        return tests;
    }

    /** The step did something: outputs written, states moved (an all-zero result would pass the comparison too). */
    private static void assertChanged(PersistentLayerCase c, PersistentLayerCase got) {
        assertTrue(nonZero(got.out) && nonZero(got.zxbcdt) && nonZero(got.g), c + ": outputs written");
        assertFalse(Float.isNaN(got.out.get(0)), c + ": no NaN");
        long shifted = 0;
        int len = c.s.width() - 1;
        for (long i = 0; i + 1 < len; i++) {
            // the new state's column 0 is the old column 1
            shifted += Float.floatToIntBits(got.convState.get(i)) == Float.floatToIntBits(c.convState.get(i + 1)) ? 1 : 0;
        }
        assertEquals(len - 1, shifted, c + ": conv state shifted by one column");
        for (long k = 0; k < c.residualOut.getSize(); k++) {
            assertEquals(c.hidden.get(k) + c.residualIn.get(k), got.residualOut.get(k), c + ": residualOut[" + k + "]");
        }
    }

    private static boolean nonZero(FloatArray x) {
        for (long i = 0; i < x.getSize(); i++) {
            if (x.get(i) != 0f) {
                return true;
            }
        }
        return false;
    }

    @Test
    void refusesShapesOutsideThePreGatedFewRowForm() {
        PersistentLayerCase c = odd();
        Mamba2Decode.Shape three = new Mamba2Decode.Shape(3, 4, 12, 2, 16, 4, true, 0f, Float.POSITIVE_INFINITY);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PersistentDecode.addTo(new TaskGraph("t"),
                new GridScheduler(), "l", three, c.dModel, c.layer(), c.groupSize, c.eps, PersistentDecode.Form.PHASES, 1, null));
        assertTrue(e.getMessage().contains("rows 3"), e.getMessage());
        assertFalse(PersistentDecode.fits(c.s, c.dModel, 20, false), "norm groups of 20 columns are not whole 8-column chunks");
        assertFalse(PersistentDecode.fits(c.s, c.dModel, c.groupSize, true), "the gate after the norm");
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class, () -> PersistentDecode.addTo(
                new TaskGraph("t"), new GridScheduler(), "l", c.s, c.dModel + 8, c.layer(), c.groupSize, c.eps,
                PersistentDecode.Form.PHASES, 1, null));
        assertTrue(shape.getMessage().contains("hidden"), shape.getMessage());
        IllegalArgumentException embedded = assertThrows(IllegalArgumentException.class, () -> PersistentDecode.addTo(
                new TaskGraph("t"), new GridScheduler(), "l", c.s, c.dModel, c.layer(), c.embedding(9, false), c.groupSize, c.eps,
                PersistentDecode.Form.PHASES, 1, null));
        assertTrue(embedded.getMessage().contains("residualIn"), embedded.getMessage());
        NullPointerException counter = assertThrows(NullPointerException.class, () -> PersistentDecode.addTo(new TaskGraph("t"),
                new GridScheduler(), "l", c.s, c.dModel, c.layer(), c.groupSize, c.eps, PersistentDecode.Form.LAYER, 4, null));
        assertTrue(counter.getMessage().contains("counter"), counter.getMessage());
    }

    /** The 130M grid: the largest phase (in_proj, 419 units) bounds it; a device's compute units times four otherwise. */
    @Test
    void layerGridIsBoundedByUnitsAndResidency() {
        PersistentLayerCase c = m130();
        // default four warps per group; -Djmamba.decode.persistentWarps=8 halves A's and C's units
        int w = PersistentDecodeKernels.WARPS;
        assertEquals(w == 4 ? 419 : 210, PersistentDecode.maxUnits(c.s, c.dModel));
        assertEquals(w == 4 ? 419 : 210, PersistentDecodeKernels.inProjUnits(1, c.s.inRows()));
        assertEquals(24 * 16 * 4 / w, PersistentDecodeKernels.ssmUnits(1, 24, 64, Mamba2DecodeKernels.lanes(128, 1)));
        assertEquals(192 * 4 / w, PersistentDecodeKernels.outProjUnits(1, 768));
    }

    // ---------------------------------------------------------------- CUDA C (no GPU needed)

    static Map<Integer, Object> spec(Method m, Object... namesAndValues) {
        Map<Integer, Object> out = new HashMap<>();
        List<String> params = Arrays.stream(m.getParameters()).map(java.lang.reflect.Parameter::getName).toList();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            int at = params.indexOf((String) namesAndValues[i]);
            assertTrue(at >= 0, "parameter " + namesAndValues[i] + " of " + m.getName() + " (compiled with -parameters?) " + params);
            out.put(at, namesAndValues[i + 1]);
        }
        return out;
    }

    /** layerStep's CUDA C at the 130M shapes. */
    static GeneratedKernel compileLayerStep() {
        Method m = find("layerStep");
        return KernelJit.compile(m, spec(m, "dModel", 768, "dInner", 1536, "dstate", 128, "width", 4, "lanes", 32,
                "groupSize", 1536), Dialect.CUDA);
    }

    static Method find(String name) {
        return Arrays.stream(PersistentDecodeKernels.class.getMethods()).filter(x -> x.getName().equals(name)).findFirst()
                .orElseThrow();
    }

    /** The phase kernels at the 130M shapes: within CUDA's static 48 KB, fmaf in the products, weights before the wait. */
    @Test
    void phaseKernelsCompileForCudaWithWeightsBeforeTheWait() {
        Map<String, Map<Integer, Object>> specs = new java.util.LinkedHashMap<>();
        Method a = find("phaseA");
        Method b = find("phaseB");
        Method c = find("phaseC");
        specs.put("phaseA", spec(a, "in", 768));
        specs.put("phaseB", spec(b, "dstate", 128, "width", 4, "lanes", 32));
        specs.put("phaseC", spec(c, "in", 1536, "groupSize", 1536, "width", 4));
        for (Method m : List.of(a, b, c)) {
            GeneratedKernel k = KernelJit.compile(m, specs.get(m.getName()), Dialect.CUDA);
            String src = k.source();
            assertTrue(k.localMemoryBytes() <= 48 * 1024, m.getName() + " shared memory " + k.localMemoryBytes());
            assertTrue(src.contains("fmaf("), m.getName() + ": fused multiply-adds expected");
            assertTrue(k.usesGridDependency(), m.getName() + ": launched with programmatic serialisation");
            String entry = src.substring(src.indexOf("__global__"));
            String body = entry.substring(entry.indexOf('{'));
            int wait = body.indexOf("jm_grid_dependency_wait();");
            assertTrue(wait > 0, m.getName() + ": a wait in the entry:\n" + entry);
            // before the wait only the ...Inputs and normWeights calls: weights and states, no activation
            String before = body.substring(0, wait);
            assertTrue(before.contains("Inputs("), m.getName() + ": weight loads before the wait:\n" + before);
            assertFalse(java.util.regex.Pattern.compile("\\b(hidden|residualIn|zxbcdt|g)\\b").matcher(before).find(),
                    m.getName() + " reads an activation before the wait:\n" + before);
        }
    }

    /**
     * layerStep compiles for CUDA with launch bounds (128 items, 4 groups per SM), its grid barriers and the PDL wait,
     * and four work-groups' shared memory fit an SM; it compiles for OpenCL too (an OpenCL GPU runs it).
     */
    @Test
    void layerStepCompilesForCudaAndOpenCl() {
        GeneratedKernel k = compileLayerStep();
        String src = k.source();
        // at most 256 items, two groups of them per SM: 128 registers per item, four groups of 128
        assertTrue(src.contains("__launch_bounds__(256, 2)"), "launch bounds expected");
        assertTrue(k.usesGridBarrier() && k.usesGridDependency(), "a cooperative launch with the PDL wait");
        // the layer's body (a device function): two grid barriers, B's and C's inputs loaded before the first
        int at = src.indexOf("static __device__ void PersistentDecodeKernels_layer(");
        assertTrue(at >= 0, "the layer body as a device function:\n" + src);
        String body = src.substring(at, src.indexOf("\n}\n", at));
        assertEquals(2, body.split("jm_grid_barrier\\(counter\\)", -1).length - 1, "two grid barriers:\n" + body);
        assertTrue(k.localMemoryBytes() <= 48 * 1024, "shared memory " + k.localMemoryBytes());
        assertTrue(k.localMemoryBytes() * PersistentDecodeKernels.GROUPS_PER_CU <= 227 * 1024,
                "four work-groups' shared memory on one SM: " + k.localMemoryBytes());
        int first = body.indexOf("jm_grid_barrier(counter)");
        assertTrue(body.indexOf("jm_grid_dependency_wait();") < first, "the PDL wait before the barriers:\n" + body);
        assertTrue(body.indexOf("ssmInputs(") < first && body.indexOf("outProjInputs(") < first, body);
        // two layers: five barriers (the second layer's in_proj waits on the first at one)
        Method pair = find("layerPairStep");
        String pairSrc = KernelJit.compile(pair, spec(pair, "dModel", 768, "dInner", 1536, "dstate", 128, "width", 4, "lanes", 32,
                "groupSize", 1536), Dialect.CUDA).source();
        assertEquals(5, pairSrc.split("jm_grid_barrier\\(counter\\)", -1).length - 1, "five grid barriers in a pair");
        // four layers: two layer-body variants (first; later), each with its barriers, and four calls
        Method quad = find("layerQuadStep");
        GeneratedKernel q = KernelJit.compile(quad, spec(quad, "dModel", 768, "dInner", 1536, "dstate", 128, "width", 4,
                "lanes", 32, "groupSize", 1536), Dialect.CUDA);
        String entry = q.source().substring(q.source().indexOf("__global__"));
        assertEquals(4, entry.split("PersistentDecodeKernels_layer", -1).length - 2, "four layer calls:\n" + entry);
        assertTrue(q.usesGridBarrier() && q.source().contains("__launch_bounds__(256, 2)"), "cooperative, launch bounds");
        Method m = find("layerStep");
        GeneratedKernel cl = KernelJit.compile(m, spec(m, "dModel", 768, "dInner", 1536, "dstate", 128, "width", 4, "lanes", 32,
                "groupSize", 1536), Dialect.OPENCL);
        assertTrue(cl.usesGridBarrier() && cl.source().contains("jm_grid_barrier("), "OpenCL grid barrier");
    }
}
