package io.jmamba.kernels.norm;

import io.jmamba.runtime.api.FloatArray;
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
import java.util.List;
import java.util.Map;
import java.util.Random;

import static io.jmamba.kernels.norm.NormTest.fill;
import static io.jmamba.kernels.ssd.GoldenFile.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * Both norm variants on every device against {@link NormReference}: decode-sized rows (768, 1536),
 * lengths that are not multiples of 32, rows longer than {@link NormWideKernels#SLOTS} times the widest
 * work-group (the tail loop), several rows, and the in-place forms (residual updated in place, out == x).
 */
class NormVariantsTest {

    @Test
    void localSizeIsAboutHalfTheRowInWholeWarps() {
        assertEquals(32, NormWideKernels.localSize(1));
        assertEquals(32, NormWideKernels.localSize(64));
        assertEquals(64, NormWideKernels.localSize(65));
        assertEquals(384, NormWideKernels.localSize(768));
        assertEquals(768, NormWideKernels.localSize(1536));
        assertEquals(1024, NormWideKernels.localSize(5000));
    }

    /** {rows, dim}; 5000 > SLOTS * 1024 exercises the tail loop. */
    @TestFactory
    List<DynamicTest> residualNorm() {
        int[][] shapes = {{1, 768}, {3, 33}, {2, 5000}, {4, 1}};
        List<DynamicTest> tests = new ArrayList<>();
        for (ComputeDevice d : DeviceMatrix.devices()) {
            for (NormVariant variant : NormVariant.values()) {
                for (int[] s : shapes) {
                    tests.add(dynamicTest("rows " + s[0] + " dim " + s[1] + " " + variant + " on " + d.id(), () -> {
                        int rows = s[0], dim = s[1];
                        Random r = new Random(rows * 7919L + dim);
                        long n = (long) rows * dim;
                        FloatArray x = fill(r, n, -3, 3), res = fill(r, n, -3, 3), w = fill(r, dim, 0.5f, 1.5f);
                        FloatArray refOut = new FloatArray(n), refRes = new FloatArray(n), out = new FloatArray(n);
                        NormReference.rmsNormResidual(x, res, w, refOut, refRes, rows, dim, 1e-5f);
                        RmsNorm.run(d, rows, dim, 1e-5f, x, res, w, out, res, variant); // residual updated in place
                        assertClose("out", refOut, out);
                        assertClose("residual", refRes, res);
                    }));
                }
            }
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> gatedNorm() {
        List<GatedRmsNorm.Config> cfgs = List.of(new GatedRmsNorm.Config(1, 1536, 1536, 1e-5f, false),
                new GatedRmsNorm.Config(2, 5000, 5000, 1e-5f, true), new GatedRmsNorm.Config(3, 96, 32, 1e-6f, false),
                new GatedRmsNorm.Config(2, 75, 25, 1e-5f, true));
        List<DynamicTest> tests = new ArrayList<>();
        for (ComputeDevice d : DeviceMatrix.devices()) {
            for (NormVariant variant : NormVariant.values()) {
                for (GatedRmsNorm.Config cfg : cfgs) {
                    for (boolean gated : new boolean[] {true, false}) {
                        tests.add(dynamicTest(cfg + (gated ? " gated" : " no gate") + " out=x " + variant + " on " + d.id(), () -> {
                            Random r = new Random(cfg.dim() * 131L + cfg.rows() + (gated ? 1 : 0));
                            long n = (long) cfg.rows() * cfg.dim();
                            FloatArray x = fill(r, n, -2, 2), z = gated ? fill(r, n, -3, 3) : null;
                            FloatArray w = fill(r, cfg.dim(), 0.5f, 1.5f), ref = new FloatArray(n);
                            NormReference.gatedRmsNorm(x, z, w, ref, cfg.rows(), cfg.dim(), cfg.groupSize(), cfg.eps(),
                                    cfg.normBeforeGate());
                            GatedRmsNorm.run(d, cfg, x, z, w, x, variant); // in place: out is x
                            assertClose("gated norm", ref, x);
                        }));
                    }
                }
            }
        }
        return tests;
    }

    /** The wide kernels compile to both dialects; on CUDA values stay in fixed-size private arrays and sums use fma. */
    @Test
    void wideKernelsKeepValuesInRegisters() {
        for (Method m : NormWideKernels.class.getDeclaredMethods()) {
            if (!m.getName().equals("rmsNormResidual") && !m.getName().equals("gatedRmsNorm")) {
                continue;
            }
            for (Dialect d : Dialect.values()) {
                GeneratedKernel k = KernelJit.compile(m, Map.of(), d);
                assertTrue(k.source().contains(k.entryName()), m.getName() + " " + d);
            }
            String cuda = KernelJit.compile(m, Map.of(), Dialect.CUDA).source();
            assertTrue(cuda.contains("float v[" + NormWideKernels.SLOTS + "];") && cuda.contains("fmaf("),
                    m.getName() + " CUDA:\n" + cuda);
        }
    }
}
