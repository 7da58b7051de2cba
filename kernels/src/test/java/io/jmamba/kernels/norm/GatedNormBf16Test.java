package io.jmamba.kernels.norm;

import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceMatrix;
import io.jmamba.runtime.jit.Dialect;
import io.jmamba.runtime.jit.KernelJit;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static io.jmamba.kernels.norm.NormTest.fill;
import static io.jmamba.kernels.ssd.GoldenFile.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * The bf16-prefill gated norm ({@link GatedRmsNorm#addToBf16}) on every device. Its bf16 input widens to
 * fp32 exactly and it computes in fp32 as the fp32 kernel does, so its fp32 output must match
 * {@link NormReference} run on the widened values to the fp32 tolerance (only the order of the sum of
 * squares may differ); its bf16 output is that value rounded once.
 */
class GatedNormBf16Test {

    /**
     * {rows, dim, groupSize, normBeforeGate}: Mamba-2 130M (one group of 1536), groups, a tail past
     * SLOTS * 1024, lengths not multiples of 32; z read from rows 7 elements wider than dim.
     */
    @TestFactory
    List<DynamicTest> matchesTheReferenceOnWidenedInputs() {
        List<GatedRmsNorm.Config> cfgs = List.of(new GatedRmsNorm.Config(3, 1536, 1536, 1e-5f, false),
                new GatedRmsNorm.Config(2, 5000, 5000, 1e-5f, true), new GatedRmsNorm.Config(3, 96, 32, 1e-6f, false),
                new GatedRmsNorm.Config(2, 75, 25, 1e-5f, true), new GatedRmsNorm.Config(1, 4100, 4100, 1e-5f, false));
        List<DynamicTest> tests = new ArrayList<>();
        for (ComputeDevice d : DeviceMatrix.devices()) {
            for (GatedRmsNorm.Config cfg : cfgs) {
                for (boolean bf16Out : new boolean[] {false, true}) {
                    tests.add(dynamicTest(cfg + (bf16Out ? " bf16 out" : " fp32 out") + " on " + d.id(), () -> {
                        Random r = new Random(cfg.dim() * 31L + cfg.rows());
                        int rows = cfg.rows(), dim = cfg.dim(), zStride = dim + 7;
                        long n = (long) rows * dim;
                        BFloat16Array x = toBf16(fill(r, n, -2, 2));
                        FloatArray zWide = fill(r, (long) rows * zStride, -3, 3), z = new FloatArray(n);
                        for (int row = 0; row < rows; row++) {
                            for (int c = 0; c < dim; c++) {
                                z.set((long) row * dim + c, zWide.get((long) row * zStride + c));
                            }
                        }
                        FloatArray w = fill(r, dim, 0.5f, 1.5f), ref = new FloatArray(n);
                        NormReference.gatedRmsNorm(widen(x), z, w, ref, rows, dim, cfg.groupSize(), cfg.eps(),
                                cfg.normBeforeGate());
                        if (bf16Out) {
                            BFloat16Array out = new BFloat16Array(n);
                            GatedRmsNorm.runBf16(d, cfg, x, zWide, zStride, w, null, out);
                            // the kernel rounds its fp32 result once: within half a bf16 unit (at most 2^-8 relative) of the reference's
                            // value, plus the fp32 tolerance for the order of the sum
                            for (long i = 0; i < n; i++) {
                                float want = ref.get(i);
                                assertEquals(want, out.get(i), Math.abs(want) * 0x1p-8f + 1e-4f, "out_bf16[" + i + "]");
                            }
                        } else {
                            FloatArray out = new FloatArray(n);
                            GatedRmsNorm.runBf16(d, cfg, x, zWide, zStride, w, out, null);
                            assertClose("bf16 gated norm", ref, out);
                        }
                    }));
                }
            }
        }
        return tests;
    }

    /** {rows, dim}: the 130M width, a tail past SLOTS * 1024, a length not a multiple of 32; with and without a residual. */
    @TestFactory
    List<DynamicTest> residualNormWithBf16Output() {
        int[][] shapes = {{3, 768}, {2, 5000}, {4, 33}};
        List<DynamicTest> tests = new ArrayList<>();
        for (ComputeDevice d : DeviceMatrix.devices()) {
            for (int[] s : shapes) {
                for (boolean first : new boolean[] {true, false}) {
                    tests.add(dynamicTest("rows " + s[0] + " dim " + s[1] + (first ? " first layer" : "") + " on " + d.id(), () -> {
                        int rows = s[0], dim = s[1];
                        Random r = new Random(rows * 7919L + dim);
                        long n = (long) rows * dim;
                        FloatArray x = fill(r, n, -3, 3), res = first ? null : fill(r, n, -3, 3), w = fill(r, dim, 0.5f, 1.5f);
                        FloatArray refOut = new FloatArray(n), refRes = new FloatArray(n), resOut = new FloatArray(n);
                        NormReference.rmsNormResidual(x, first ? new FloatArray(n) : res, w, refOut, refRes, rows, dim, 1e-5f);
                        BFloat16Array out = new BFloat16Array(n);
                        RmsNorm.runBf16Out(d, rows, dim, 1e-5f, x, res, w, out, resOut);
                        assertClose("residual", refRes, resOut);
                        for (long i = 0; i < n; i++) { // one rounding of the fp32 value: half a bf16 unit, plus the sum's order
                            float want = refOut.get(i);
                            assertEquals(want, out.get(i), Math.abs(want) * 0x1p-8f + 1e-4f, "out[" + i + "]");
                        }
                    }));
                }
            }
        }
        return tests;
    }

    @Test
    void wrongShapesAreNamed() {
        GatedRmsNorm.Config cfg = new GatedRmsNorm.Config(2, 64, 64, 1e-5f, false);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GatedRmsNorm.checkBf16(cfg,
                new BFloat16Array(128), new FloatArray(100), 64, new FloatArray(64), new FloatArray(128), null));
        assertTrue(e.getMessage().startsWith("z:"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> GatedRmsNorm.checkBf16(cfg,
                new BFloat16Array(128), new FloatArray(128), 64, new FloatArray(64), null, null));
        assertTrue(e.getMessage().contains("exactly one"), e.getMessage());
    }

    @Test
    void compilesToBothDialectsWithValuesInRegisters() {
        for (String name : new String[] {"gatedRmsNormBf16", "rmsNormResidualBf16Out"}) {
            Method m = Arrays.stream(NormBf16Kernels.class.getDeclaredMethods())
                    .filter(k -> k.getName().equals(name)).findFirst().orElseThrow();
            for (Dialect dialect : Dialect.values()) {
                assertTrue(KernelJit.compile(m, Map.of(), dialect).source().contains(name), name + " " + dialect.name());
            }
            String cuda = KernelJit.compile(m, Map.of(), Dialect.CUDA).source();
            assertTrue(cuda.contains("float v[" + NormWideKernels.SLOTS + "];") && cuda.contains("fmaf("), cuda);
        }
    }

    private static BFloat16Array toBf16(FloatArray f) {
        BFloat16Array b = new BFloat16Array(f.getSize());
        for (long i = 0; i < f.getSize(); i++) {
            b.set(i, f.get(i));
        }
        return b;
    }

    private static FloatArray widen(BFloat16Array b) {
        FloatArray f = new FloatArray(b.getSize());
        for (long i = 0; i < b.getSize(); i++) {
            f.set(i, b.get(i));
        }
        return f;
    }
}
