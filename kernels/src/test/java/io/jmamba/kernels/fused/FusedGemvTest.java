package io.jmamba.kernels.fused;

import io.jmamba.kernels.nn.LinearBf16;
import io.jmamba.kernels.norm.NormReference;
import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceMatrix;
import io.jmamba.kernels.nn.GraphParts;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.TaskGraph;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static io.jmamba.kernels.ssd.GoldenFile.assertClose;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The norm-fed GEMVs against the unfused reference (norm, then the product with the same W, rounded where
 * W is bf16): fp32 tolerance, since the fused kernels do the same fp32 arithmetic up to summation order.
 * Rows 1 to 5 (5: two grid rows, the second partial), widths below, at and past one warp's 128 columns,
 * with and without bias and residual, one and two norm groups.
 */
class FusedGemvTest {
    @TestFactory
    List<DynamicTest> normGemvMatchesNormThenLinear() {
        // {2, 520, 11}: two rows, 130 four-column groups (more than a staged work-group's 128 items)
        return normCases(new int[][] {{1, 64, 33}, {3, 136, 7}, {5, 200, 12}, {2, 520, 11}});
    }

    /** The 130M model's widths: PoCL takes minutes to build these (the kernel's loops over 768 and 1536 columns). */
    @Tag("slow")
    @TestFactory
    List<DynamicTest> normGemvMatchesNormThenLinearAtModelWidths() {
        return normCases(new int[][] {{5, 768, 40}, {2, 1536, 9}});
    }

    private static List<DynamicTest> normCases(int[][] shapes) {
        List<DynamicTest> tests = new ArrayList<>();
        for (ComputeDevice d : DeviceMatrix.devices()) {
            for (int[] s : shapes) {
                for (boolean bf16 : new boolean[] {true, false}) {
                    boolean first = s[0] == 3;
                    String name = "normGemv " + (bf16 ? "bf16" : "fp32") + " rows " + s[0] + " in " + s[1] + " out " + s[2]
                            + (first ? " no residual" : "") + " on " + d.id();
                    tests.add(dynamicTest(name, () -> normCase(name, d, s[0], s[1], s[2], bf16, first, FusedGemv.FewRowForm.STAGED)));
                    if (bf16 && s[0] <= FusedGemv.WARP_FORM_MAX_ROWS) {
                        tests.add(dynamicTest(name + " (warp form)", () -> normCase(name, d, s[0], s[1], s[2], true, first,
                                FusedGemv.FewRowForm.WARP)));
                    }
                }
            }
        }
        return tests;
    }

    private static void normCase(String name, ComputeDevice d, int rows, int in, int out, boolean bf16, boolean first,
                                 FusedGemv.FewRowForm form) {
        Random r = new Random(rows * 1000 + in + out);
        FloatArray hidden = fill(r, (long) rows * in), residual = fill(r, (long) rows * in), normW = fill(r, in);
        FloatArray w = fill(r, (long) out * in), bias = first ? null : fill(r, out);
        BFloat16Array wb = LinearBf16.round(w);
        FloatArray wRef = bf16 ? widen(wb) : w;
        FloatArray normed = new FloatArray((long) rows * in), resRef = new FloatArray((long) rows * in);
        NormReference.rmsNormResidual(hidden, first ? null : residual, normW, normed, resRef, rows, in, 1e-5f);
        FloatArray want = linear(normed, wRef, bias, rows, in, out);
        FloatArray y = new FloatArray((long) rows * out), resOut = new FloatArray((long) rows * in);
        FloatArray wDev = bf16 ? LinearBf16.packedView(wb) : w;
        GraphParts.runOnce(d, "fg", GraphParts.arrays(hidden, first ? null : residual, normW, wDev, bias), List.of(y, resOut),
                (g, grids) -> FusedGemv.addNormGemv(g, grids, "p", rows, in, out, hidden, first ? null : residual, normW, wDev,
                        bf16, bias, y, resOut, 1e-5f, form));
        assertClose(name + " y", want, y);
        assertClose(name + " residual", resRef, resOut);
    }

    @TestFactory
    List<DynamicTest> gatedNormGemvMatchesGatedNormThenLinearAndShiftsTheConvState() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ComputeDevice d : DeviceMatrix.devices()) {
            // batch, heads, headdim, groups, dstate, out
            // the last: one work-group for 1552 conv channels, so the shift loops over further channels
            for (int[] s : new int[][] {{1, 4, 16, 1, 16, 33}, {2, 8, 16, 2, 16, 64}, {5, 24, 64, 1, 8, 20}, {1, 24, 64, 1, 8, 4}}) {
                for (boolean bf16 : new boolean[] {true, false}) {
                    for (boolean before : new boolean[] {false, true}) {
                        String name = "gatedNormGemv " + (bf16 ? "bf16" : "fp32") + " batch " + s[0] + " dInner " + s[1] * s[2]
                                + " norm groups " + s[3] + (before ? " norm before gate" : "") + " on " + d.id();
                        tests.add(dynamicTest(name, () -> gatedCase(name, d, s, bf16, before)));
                    }
                }
            }
        }
        return tests;
    }

    private static void gatedCase(String name, ComputeDevice d, int[] s, boolean bf16, boolean before) {
        Mamba2Decode.Shape shape = new Mamba2Decode.Shape(s[0], s[1], s[2], s[3], s[4], 4, true, 0f, Float.POSITIVE_INFINITY);
        int rows = shape.batch(), in = shape.dInner(), out = s[5], groupSize = in / s[3];
        Random r = new Random(rows * 1000 + in + out);
        FloatArray yIn = fill(r, (long) rows * in), zxbcdt = fill(r, (long) rows * shape.inRows()), gateW = fill(r, in);
        FloatArray w = fill(r, (long) out * in), bias = before ? fill(r, out) : null;
        FloatArray conv = fill(r, (long) rows * shape.convDim() * 3), convRef = new FloatArray(conv.getSize());
        for (long i = 0; i < conv.getSize(); i++) {
            convRef.set(i, conv.get(i));
        }
        BFloat16Array wb = LinearBf16.round(w);
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
        FloatArray normed = new FloatArray((long) rows * in);
        NormReference.gatedRmsNorm(yIn, z, gateW, normed, rows, in, groupSize, 1e-5f, before);
        FloatArray want = linear(normed, bf16 ? widen(wb) : w, bias, rows, in, out);
        FloatArray y = new FloatArray((long) rows * out);
        FloatArray wDev = bf16 ? LinearBf16.packedView(wb) : w;
        GraphParts.runOnce(d, "fg", GraphParts.arrays(yIn, zxbcdt, gateW, wDev, bias, conv), List.of(y, conv),
                (g, grids) -> FusedGemv.addGatedNormGemv(g, grids, "p", shape, out, yIn, zxbcdt, gateW, wDev, bf16, bias, y, conv,
                        groupSize, 1e-5f, before));
        assertClose(name + " y", want, y);
        assertClose(name + " conv state", convRef, conv);
    }

    /**
     * The pre-gated form ({@link FusedGemvGatedWarpKernels}): y * silu(z) computed first (as convSsm with GATE_Z
     * writes it), then the GEMV against the gated norm of the ungated y; 1, 2 and 4 norm groups, outputs not a
     * multiple of the work-group's 4 warps, and a conv state wider than the row's work-items (the shift's loop).
     */
    @TestFactory
    List<DynamicTest> preGatedGemvMatchesGatedNormThenLinearAndShiftsTheConvState() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ComputeDevice d : DeviceMatrix.devices()) {
            // batch, heads, headdim, groups, dstate, out
            for (int[] s : new int[][] {{1, 4, 16, 1, 16, 33}, {2, 8, 16, 2, 16, 64}, {2, 8, 32, 4, 8, 7}, {1, 24, 64, 1, 8, 4}}) {
                for (boolean bias : new boolean[] {false, true}) {
                    for (FusedGemv.FewRowForm form : FusedGemv.FewRowForm.values()) {
                        String name = "preGatedGemv batch " + s[0] + " dInner " + s[1] * s[2] + " norm groups " + s[3] + " out " + s[5]
                                + (bias ? " bias" : "") + " " + form + " on " + d.id();
                        tests.add(dynamicTest(name, () -> preGatedCase(name, d, s, bias, form)));
                    }
                }
            }
        }
        return tests;
    }

    private static void preGatedCase(String name, ComputeDevice d, int[] s, boolean withBias, FusedGemv.FewRowForm form) {
        Mamba2Decode.Shape shape = new Mamba2Decode.Shape(s[0], s[1], s[2], s[3], s[4], 4, true, 0f, Float.POSITIVE_INFINITY);
        int rows = shape.batch(), in = shape.dInner(), out = s[5], groupSize = in / s[3];
        Random r = new Random(rows * 1000 + in + out + 7);
        FloatArray yIn = fill(r, (long) rows * in), zxbcdt = fill(r, (long) rows * shape.inRows()), gateW = fill(r, in);
        FloatArray w = fill(r, (long) out * in), bias = withBias ? fill(r, out) : null;
        FloatArray conv = fill(r, (long) rows * shape.convDim() * 3), convRef = new FloatArray(conv.getSize());
        BFloat16Array wb = LinearBf16.round(w);
        FloatArray z = new FloatArray((long) rows * in), gated = new FloatArray((long) rows * in);
        for (int b = 0; b < rows; b++) {
            for (int k = 0; k < in; k++) {
                float zv = zxbcdt.get((long) b * shape.inRows() + k);
                z.set((long) b * in + k, zv);
                gated.set((long) b * in + k, yIn.get((long) b * in + k) * FusedGemvKernels.silu(zv));
            }
            for (int c = 0; c < shape.convDim(); c++) {
                long at = ((long) b * shape.convDim() + c) * 3;
                convRef.set(at, conv.get(at + 1));
                convRef.set(at + 1, conv.get(at + 2));
                convRef.set(at + 2, zxbcdt.get((long) b * shape.inRows() + in + c));
            }
        }
        FloatArray normed = new FloatArray((long) rows * in);
        NormReference.gatedRmsNorm(yIn, z, gateW, normed, rows, in, groupSize, 1e-5f, false);
        FloatArray want = linear(normed, widen(wb), bias, rows, in, out);
        FloatArray y = new FloatArray((long) rows * out);
        FloatArray wDev = LinearBf16.packedView(wb);
        GraphParts.runOnce(d, "fg", GraphParts.arrays(gated, zxbcdt, gateW, wDev, bias, conv), List.of(y, conv),
                (g, grids) -> FusedGemv.addGatedNormGemv(g, grids, "p", shape, out, gated, zxbcdt, gateW, wDev, true, bias, y, conv,
                        groupSize, 1e-5f, false, true, form));
        assertClose(name + " y", want, y);
        assertClose(name + " conv state", convRef, conv);
    }

    @Test
    void preGatedYIsRefusedWhereThePreGatedFormDoesNotApply() {
        Mamba2Decode.Shape shape = new Mamba2Decode.Shape(1, 4, 16, 1, 16, 4, true, 0f, Float.POSITIVE_INFINITY);
        FloatArray yIn = new FloatArray(64), zxbcdt = new FloatArray(shape.inRows()), gateW = new FloatArray(64);
        FloatArray w = new FloatArray(8 * 32), y = new FloatArray(8), conv = new FloatArray((long) shape.convDim() * 3);
        TaskGraph g = new TaskGraph("t");
        GridScheduler grids = new GridScheduler();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FusedGemv.addGatedNormGemv(g, grids, "p",
                shape, 8, yIn, zxbcdt, gateW, w, true, null, y, conv, 64, 1e-5f, true, true));
        assertTrue(e.getMessage().contains("normBeforeGate true"), e.getMessage());
        assertFalse(FusedGemv.preGated(1, true, 64, true));
        assertFalse(FusedGemv.preGated(3, true, 64, false));
        assertFalse(FusedGemv.preGated(1, false, 64, false));
    }

    static FloatArray linear(FloatArray x, FloatArray w, FloatArray bias, int rows, int in, int out) {
        FloatArray y = new FloatArray((long) rows * out);
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                double acc = bias == null ? 0 : bias.get(o);
                for (int k = 0; k < in; k++) {
                    acc += (double) x.get((long) r * in + k) * w.get((long) o * in + k);
                }
                y.set((long) r * out + o, (float) acc);
            }
        }
        return y;
    }

    static FloatArray fill(Random r, long n) {
        FloatArray a = new FloatArray(n);
        for (long i = 0; i < n; i++) {
            a.set(i, 2 * r.nextFloat() - 1);
        }
        return a;
    }

    static FloatArray widen(BFloat16Array b) {
        FloatArray f = new FloatArray(b.getSize());
        for (long i = 0; i < b.getSize(); i++) {
            f.set(i, b.get(i));
        }
        return f;
    }
}
