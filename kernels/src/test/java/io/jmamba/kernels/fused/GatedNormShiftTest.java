package io.jmamba.kernels.fused;

import io.jmamba.kernels.nn.GraphParts;
import io.jmamba.kernels.norm.NormReference;
import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceMatrix;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static io.jmamba.kernels.ssd.GoldenFile.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * The gated norm + conv-state shift between convSsm and out_proj beyond the fused GEMVs' rows: the fp32 form
 * against the reference norm and the expected shift, and the bf16-output form ({@link Mamba2DecodeKernels#gatedNormShiftBf16Out})
 * giving exactly the fp32 form's values rounded to bf16 (what the cast before a bf16 GEMM would make of them).
 */
class GatedNormShiftTest {
    @TestFactory
    List<DynamicTest> bf16OutputIsTheRoundedFp32Output() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ComputeDevice d : DeviceMatrix.devices()) {
            // batch, heads, headdim, groups, dstate; norm groups of 256 (narrower ones and guard cells around every
            // buffer: GatedNormShiftGuardTest)
            for (int[] s : new int[][] {{5, 4, 64, 1, 128}, {3, 8, 64, 2, 16}}) {
                for (boolean before : new boolean[] {false, true}) {
                    String name = "gatedNormShift batch " + s[0] + " dInner " + s[1] * s[2] + " norm groups " + s[3]
                            + (before ? " norm before gate" : "") + " on " + d.id();
                    tests.add(dynamicTest(name, () -> check(name, d, s, before)));
                }
            }
        }
        return tests;
    }

    private static void check(String name, ComputeDevice d, int[] s, boolean before) {
        Mamba2Decode.Shape shape = new Mamba2Decode.Shape(s[0], s[1], s[2], s[3], s[4], 4, true, 0f, Float.POSITIVE_INFINITY);
        int rows = shape.batch(), in = shape.dInner(), groupSize = in / s[3];
        Random r = new Random(rows * 100 + in + (before ? 1 : 0));
        FloatArray y = FusedGemvTest.fill(r, (long) rows * in), zxbcdt = FusedGemvTest.fill(r, (long) rows * shape.inRows());
        FloatArray gateW = FusedGemvTest.fill(r, in);
        FloatArray conv = FusedGemvTest.fill(r, (long) rows * shape.convDim() * 3);
        FloatArray convRef = new FloatArray(conv.getSize());
        FloatArray z = new FloatArray((long) rows * in);
        for (int b = 0; b < rows; b++) {
            for (int k = 0; k < in; k++) {
                z.set((long) b * in + k, zxbcdt.get((long) b * shape.inRows() + k));
            }
            for (int c = 0; c < shape.convDim(); c++) {
                long at = ((long) b * shape.convDim() + c) * 3;
                convRef.set(at, conv.get(at + 1));
                convRef.set(at + 1, conv.get(at + 2));
                convRef.set(at + 2, zxbcdt.get((long) b * shape.inRows() + in + c));
            }
        }
        FloatArray want = new FloatArray((long) rows * in);
        NormReference.gatedRmsNorm(y, z, gateW, want, rows, in, groupSize, 1e-5f, before);

        FloatArray out = new FloatArray((long) rows * in);
        FloatArray conv32 = copy(conv);
        GraphParts.runOnce(d, "gn", GraphParts.arrays(y, zxbcdt, gateW, conv32), List.of(out, conv32),
                (g, grids) -> Mamba2Decode.addGatedNormShift(g, grids, "p", shape, y, zxbcdt, gateW, out, conv32, groupSize,
                        1e-5f, before));
        assertClose(name + " out", want, out);
        assertClose(name + " conv state", convRef, conv32);

        BFloat16Array out16 = new BFloat16Array((long) rows * in);
        FloatArray conv16 = copy(conv);
        GraphParts.runOnce(d, "gn16", GraphParts.arrays(y, zxbcdt, gateW, conv16), List.of(out16, conv16),
                (g, grids) -> Mamba2Decode.addGatedNormShiftBf16Out(g, grids, "p", shape, y, zxbcdt, gateW, out16, conv16,
                        groupSize, 1e-5f, before));
        for (long i = 0; i < out.getSize(); i++) {
            assertEquals(BFloat16Array.fromFloat(out.get(i)), out16.getBits(i), name + " bf16 out[" + i + "]");
        }
        for (long i = 0; i < conv.getSize(); i++) {
            assertEquals(conv32.get(i), conv16.get(i), name + " conv state[" + i + "]");
        }
    }

    /**
     * {@link PreGatedNormKernels}: g = y * silu(z) given (as convSsm with GATE_Z writes it), against the reference gated
     * norm of y with z; norm groups narrower than, as wide as and wider than a work-group; bf16 output = rounded fp32.
     */
    @TestFactory
    List<DynamicTest> preGatedNormMatchesTheGatedNormAndShiftsTheConvState() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ComputeDevice d : DeviceMatrix.devices()) {
            // batch, heads, headdim, groups, dstate
            for (int[] s : new int[][] {{5, 4, 16, 1, 16}, {3, 8, 64, 2, 16}, {2, 24, 64, 1, 8}}) {
                String name = "preGatedNorm batch " + s[0] + " dInner " + s[1] * s[2] + " norm groups " + s[3] + " on " + d.id();
                tests.add(dynamicTest(name, () -> checkPreGated(name, d, s)));
            }
        }
        return tests;
    }

    private static void checkPreGated(String name, ComputeDevice d, int[] s) {
        Mamba2Decode.Shape shape = new Mamba2Decode.Shape(s[0], s[1], s[2], s[3], s[4], 4, true, 0f, Float.POSITIVE_INFINITY);
        int rows = shape.batch(), in = shape.dInner(), groupSize = in / s[3];
        Random r = new Random(rows * 100 + in + 17);
        FloatArray y = FusedGemvTest.fill(r, (long) rows * in), zxbcdt = FusedGemvTest.fill(r, (long) rows * shape.inRows());
        FloatArray gateW = FusedGemvTest.fill(r, in);
        FloatArray conv = FusedGemvTest.fill(r, (long) rows * shape.convDim() * 3);
        FloatArray convRef = new FloatArray(conv.getSize());
        FloatArray z = new FloatArray((long) rows * in), gated = new FloatArray((long) rows * in);
        for (int b = 0; b < rows; b++) {
            for (int k = 0; k < in; k++) {
                float zv = zxbcdt.get((long) b * shape.inRows() + k);
                z.set((long) b * in + k, zv);
                gated.set((long) b * in + k, y.get((long) b * in + k) * FusedGemvKernels.silu(zv));
            }
            for (int c = 0; c < shape.convDim(); c++) {
                long at = ((long) b * shape.convDim() + c) * 3;
                convRef.set(at, conv.get(at + 1));
                convRef.set(at + 1, conv.get(at + 2));
                convRef.set(at + 2, zxbcdt.get((long) b * shape.inRows() + in + c));
            }
        }
        FloatArray want = new FloatArray((long) rows * in);
        NormReference.gatedRmsNorm(y, z, gateW, want, rows, in, groupSize, 1e-5f, false);
        FloatArray out = new FloatArray((long) rows * in);
        FloatArray conv32 = copy(conv);
        GraphParts.runOnce(d, "pg", GraphParts.arrays(gated, zxbcdt, gateW, conv32), List.of(out, conv32),
                (g, grids) -> Mamba2Decode.addPreGatedNormShift(g, grids, "p", shape, gated, zxbcdt, gateW, out, conv32,
                        groupSize, 1e-5f));
        assertClose(name + " out", want, out);
        for (long i = 0; i < conv.getSize(); i++) {
            assertEquals(convRef.get(i), conv32.get(i), name + " conv state[" + i + "]");
        }
        BFloat16Array out16 = new BFloat16Array((long) rows * in);
        FloatArray conv16 = copy(conv);
        GraphParts.runOnce(d, "pg16", GraphParts.arrays(gated, zxbcdt, gateW, conv16), List.of(out16, conv16),
                (g, grids) -> Mamba2Decode.addPreGatedNormShift(g, grids, "p", shape, gated, zxbcdt, gateW, out16, conv16,
                        groupSize, 1e-5f));
        for (long i = 0; i < out.getSize(); i++) {
            assertEquals(BFloat16Array.fromFloat(out.get(i)), out16.getBits(i), name + " bf16 out[" + i + "]");
        }
        for (long i = 0; i < conv.getSize(); i++) {
            assertEquals(convRef.get(i), conv16.get(i), name + " bf16 run conv state[" + i + "]");
        }
    }

    private static FloatArray copy(FloatArray a) {
        FloatArray c = new FloatArray(a.getSize());
        c.copyFrom(a);
        return c;
    }
}
