package io.jmamba.kernels.fused;

import io.jmamba.kernels.nn.GraphParts;
import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.NativeArray;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceMatrix;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * {@link SplitDecode}'s two-launch layer against today's three fused kernels ({@link PersistentLayerCase#runFused}):
 * the same values up to fp32 summation order. out_proj's sum is split over work-groups and added with atomics, so the
 * layer output may differ in the last bits (tolerance {@link #TOL}, relative to 1 + |want|: a reordered fp32 sum of
 * at most 2,048 products); everything before out_proj (residual, z, dt, conv state) must agree bit for bit, and the SSM
 * state, whose inputs are the same bits, to the same tolerance (the device compiler may contract the conv differently
 * in the two kernels).
 */
class SplitDecodeTest {
    /** Relative tolerance (to 1 + |want|) of values after a reordered fp32 sum. */
    static final float TOL = 1e-4f;

    /** One layer's split-form arrays built from a {@link PersistentLayerCase} (its weights, states and outputs). */
    static SplitDecode.Layer splitLayer(PersistentLayerCase c, boolean first, FloatArray residualIn) {
        return splitLayer(c, first, residualIn, 3);
    }

    /** As above with {@code copies} copies of the partial sums. */
    static SplitDecode.Layer splitLayer(PersistentLayerCase c, boolean first, FloatArray residualIn, int copies) {
        int rows = c.s.batch();
        BFloat16Array outW = BFloat16Array.fromSegment(c.outW.getSegment());
        FloatArray wt = SplitDecode.transposedPacked(outW, c.dModel, c.s.dInner());
        return new SplitDecode.Layer(first ? null : residualIn, c.residualOut, c.normW, c.inW, c.inBias, c.zxbcdt, c.convState,
                c.convW, c.convBias, c.ssmState, c.a, c.d, c.dtBias, c.gateW, wt, c.outBias,
                new FloatArray(SplitDecode.partsSize(rows, c.s.dInner(), c.groupSize, c.dModel, copies)),
                new FloatArray(SplitDecode.partSqSize(rows, c.s.dInner(), c.groupSize, copies)));
    }

    static List<NativeArray> splitInputs(PersistentLayerCase c, SplitDecode.Layer l) {
        List<NativeArray> in = new ArrayList<>(c.inputs());
        in.add(l.outWt());
        return in;
    }

    /** What a split step writes: every output of {@link PersistentLayerCase#outputs} but the gated y (no such array). */
    static List<NativeArray> splitOutputs(PersistentLayerCase c) {
        return List.of(c.zxbcdt, c.residualOut, c.out, c.convState, c.ssmState);
    }

    /** One step of {@code c} as a split layer reading c.hidden, its output combined into c.out. */
    static void runSplit(ComputeDevice dev, PersistentLayerCase c, int copies) {
        SplitDecode.Layer l = splitLayer(c, false, c.residualIn, copies);
        GraphParts.runOnce(dev, "split", splitInputs(c, l), splitOutputs(c), (g, grids) -> {
            SplitDecode.addLayer(g, grids, "l", c.s, c.dModel, l, c.hidden, null, null, c.groupSize, c.eps);
            SplitDecode.addCombine(g, grids, "l", c.s, c.dModel, l, c.groupSize, c.eps, c.out);
        });
    }

    @TestFactory
    List<DynamicTest> oneLayerMatchesTheFusedKernels() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ComputeDevice dev : DeviceMatrix.devices()) {
            List<PersistentLayerCase> cases = new ArrayList<>(List.of(PersistentDecodeTest.odd(), PersistentDecodeTest.narrow()));
            if (!dev.backendName().equals("jvm")) {
                cases.add(PersistentDecodeTest.m130());
            }
            for (PersistentLayerCase c : cases) {
                // one copy of the partial sums, and three (work-groups spread over them, the readers adding them up)
                for (int copies : new int[] {1, 3}) {
                    tests.add(dynamicTest(c + ", " + copies + " copies on " + dev.id(), () -> {
                        PersistentLayerCase want = c.copy();
                        PersistentLayerCase got = c.copy();
                        for (int step = 0; step < 2; step++) {
                            // the second step reads the states the first left (a wrong shift or state write shows there)
                            want.runFused(dev);
                            runSplit(dev, got, copies);
                            assertClose(c + " step " + step + " on " + dev.id(), want, got);
                        }
                        assertChanged(c, got);
                    }));
                }
            }
        }
        return tests;
    }

    /** Two layers in a row: the second combines the first's parts as it stages its row (FROM_PARTS), then the head's combine. */
    @TestFactory
    List<DynamicTest> secondLayerCombinesTheFirstsParts() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ComputeDevice dev : DeviceMatrix.devices()) {
            for (PersistentLayerCase c0 : List.of(PersistentDecodeTest.odd(), PersistentDecodeTest.narrow())) {
                tests.add(dynamicTest(c0 + " two layers on " + dev.id(), () -> {
                    PersistentLayerCase c1 = c0.secondLayer(1);
                    // fused: layer 1 reads layer 0's out and residualOut
                    PersistentLayerCase w0 = c0.copy();
                    PersistentLayerCase w1 = c1.copy();
                    w0.runFused(dev);
                    copy(w0.out, w1.hidden);
                    copy(w0.residualOut, w1.residualIn);
                    w1.runFused(dev);
                    // split: one graph, layer 1's input from layer 0's parts
                    PersistentLayerCase g0 = c0.copy();
                    PersistentLayerCase g1 = c1.copy();
                    SplitDecode.Layer l0 = splitLayer(g0, false, g0.residualIn);
                    SplitDecode.Layer l1 = splitLayer(g1, false, g0.residualOut);
                    List<NativeArray> in = new ArrayList<>(splitInputs(g0, l0));
                    in.addAll(splitInputs(g1, l1));
                    List<NativeArray> out = new ArrayList<>(List.of(g0.zxbcdt, g0.residualOut, g0.convState, g0.ssmState));
                    out.addAll(splitOutputs(g1));
                    GraphParts.runOnce(dev, "split2", in, out, (g, grids) -> {
                        SplitDecode.addLayer(g, grids, "l0", c0.s, c0.dModel, l0, g0.hidden, null, null, c0.groupSize, c0.eps);
                        SplitDecode.addLayer(g, grids, "l1", c0.s, c0.dModel, l1, null, null, l0, c0.groupSize, c0.eps);
                        SplitDecode.addCombine(g, grids, "l1", c0.s, c0.dModel, l1, c0.groupSize, c0.eps, g1.out);
                    });
                    // layer 0's out is never written in the split form (its parts go straight into layer 1)
                    assertClose(c0 + " layer 1 on " + dev.id(), w1, g1, false);
                    assertChanged(c1, g1);
                }));
            }
        }
        return tests;
    }

    /** A first layer that looks its rows up in the embedding (an id outside the vocabulary gives NaN rows, only there). */
    @TestFactory
    List<DynamicTest> embeddingLookupInTheFirstLayer() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ComputeDevice dev : DeviceMatrix.devices()) {
            for (boolean badId : new boolean[] {false, true}) {
                PersistentLayerCase c = PersistentDecodeTest.odd();
                tests.add(dynamicTest(c + " embedding" + (badId ? ", an id outside the vocabulary" : "") + " on " + dev.id(), () -> {
                    PersistentDecode.Embedding e = c.embedding(50, badId);
                    PersistentLayerCase want = c.copy();
                    PersistentLayerCase got = c.copy();
                    want.runFusedEmbed(dev, e);
                    SplitDecode.Layer l = splitLayer(got, true, null);
                    List<NativeArray> in = new ArrayList<>(splitInputs(got, l));
                    in.add(e.ids());
                    in.add(e.table());
                    GraphParts.runOnce(dev, "split_embed", in, splitOutputs(got), (g, grids) -> {
                        SplitDecode.addLayer(g, grids, "l", c.s, c.dModel, l, null, e, null, c.groupSize, c.eps);
                        SplitDecode.addCombine(g, grids, "l", c.s, c.dModel, l, c.groupSize, c.eps, got.out);
                    });
                    if (badId) {
                        assertTrue(Float.isNaN(got.residualOut.get(c.dModel)), "row 1's residual is NaN");
                        assertTrue(Float.isNaN(got.out.get(c.dModel)), "row 1's output is NaN");
                        assertFalse(Float.isNaN(got.out.get(0)), "row 0 stays finite");
                        assertEquals(e.table().get((long) e.ids().get(0) * c.dModel), got.residualOut.get(0));
                    } else {
                        assertClose(c + " embedding on " + dev.id(), want, got);
                    }
                }));
            }
        }
        return tests;
    }

    @Test
    void lanesTakeTheLargestChannelBlockThatFits() {
        // the 130M layer: 16 channels (8 lanes), 3 pair slots of 128 items for its 384 output pairs
        assertEquals(8, SplitDecode.lanes(PersistentDecodeTest.m130().s, 768, 1536));
        // headdim 12 and norm groups of 24: only 4 channels (32 lanes) divide both
        assertEquals(32, SplitDecode.lanes(PersistentDecodeTest.odd().s, 40, 24));
        // dModel 2,048: 8 pair slots; 16 channels x 8 > 64 registers, 8 x 8 fits
        assertEquals(16, SplitDecode.lanes(PersistentDecodeTest.m130().s, 2048, 1536));
        // headdim 6: no block of 4, 8 or 16 channels divides it
        Mamba2Decode.Shape odd6 = new Mamba2Decode.Shape(1, 4, 6, 1, 16, 4, true, 0f, Float.POSITIVE_INFINITY);
        assertEquals(0, SplitDecode.lanes(odd6, 40, 24));
        assertFalse(SplitDecode.fits(odd6, 40, 24, false));
    }

    @Test
    void refusesSharedPartsAndTwoInputs() {
        PersistentLayerCase c = PersistentDecodeTest.odd();
        SplitDecode.Layer l = splitLayer(c, false, c.residualIn);
        io.jmamba.runtime.api.TaskGraph g = new io.jmamba.runtime.api.TaskGraph("g");
        io.jmamba.runtime.api.GridScheduler grids = new io.jmamba.runtime.api.GridScheduler();
        IllegalArgumentException shared = assertThrows(IllegalArgumentException.class,
                () -> SplitDecode.addLayer(g, grids, "l1", c.s, c.dModel, l, null, null, l, c.groupSize, c.eps));
        assertTrue(shared.getMessage().contains("own parts"), shared.getMessage());
        IllegalArgumentException two = assertThrows(IllegalArgumentException.class,
                () -> SplitDecode.addLayer(g, grids, "l1", c.s, c.dModel, l, c.hidden, null, l, c.groupSize, c.eps));
        assertTrue(two.getMessage().contains("exactly one"), two.getMessage());
        SplitDecode.Layer wrongParts = new SplitDecode.Layer(l.residualIn(), l.residualOut(), l.normW(), l.inW(), l.inBias(),
                l.zxbcdt(), l.convState(), l.convW(), l.convBias(), l.ssmState(), l.a(), l.d(), l.dtBias(), l.gateW(), l.outWt(),
                l.outBias(), new FloatArray(3), l.partSq());
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> SplitDecode.addLayer(g, grids, "l", c.s, c.dModel, wrongParts, c.hidden, null, null, c.groupSize, c.eps));
        assertTrue(shape.getMessage().contains("parts"), shape.getMessage());
    }

    @Test
    void transposedPackedHoldsOutputPairsOfOneInputColumn() {
        BFloat16Array w = new BFloat16Array(4 * 3);
        for (int i = 0; i < 12; i++) {
            w.set(i, i + 1);
        }
        // W (4 outputs, 3 inputs): row o = [3o + 1, 3o + 2, 3o + 3]
        FloatArray t = SplitDecode.transposedPacked(w, 4, 3);
        assertEquals(6, t.getSize());
        BFloat16Array back = BFloat16Array.fromSegment(t.getSegment());
        // float (c = 1, j = 1): W[2, 1] = 8 low, W[3, 1] = 11 high
        assertEquals(8f, back.get(2L * 1 + 2 * 2));
        assertEquals(11f, back.get(2L * 1 + 2 * 2 + 1));
    }

    /** Values before out_proj bit for bit, the out_proj result and the SSM state within {@link #TOL}. */
    static void assertClose(String what, PersistentLayerCase want, PersistentLayerCase got) {
        assertClose(what, want, got, true);
    }

    /**
     * As above; {@code sameInput} false: the layer's input row itself went through a reordered sum (a second layer
     * reading the first's parts), so every value within {@link #TOL}.
     */
    static void assertClose(String what, PersistentLayerCase want, PersistentLayerCase got, boolean sameInput) {
        int rows = want.s.batch();
        int inRows = want.s.inRows();
        int dInner = want.s.dInner();
        int convDim = want.s.convDim();
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < inRows; j++) {
                boolean xbc = j >= dInner && j < dInner + convDim;
                if (!xbc) {
                    // z and dt as in_proj wrote them (xBC holds silu(conv) in the split form)
                    long k = (long) r * inRows + j;
                    float w = want.zxbcdt.get(k);
                    if (sameInput) {
                        assertEquals(Float.floatToIntBits(w), Float.floatToIntBits(got.zxbcdt.get(k)), what + ": zxbcdt[" + k + "]");
                    } else {
                        assertEquals(w, got.zxbcdt.get(k), TOL * (1 + Math.abs(w)), what + ": zxbcdt[" + k + "]");
                    }
                }
            }
        }
        if (sameInput) {
            assertBits(what + ": residualOut", want.residualOut, got.residualOut);
            assertBits(what + ": convState", want.convState, got.convState);
        } else {
            assertNear(what + ": residualOut", want.residualOut, got.residualOut);
            assertNear(what + ": convState", want.convState, got.convState);
        }
        assertNear(what + ": ssmState", want.ssmState, got.ssmState);
        assertNear(what + ": out", want.out, got.out);
    }

    private static void assertBits(String what, FloatArray want, FloatArray got) {
        for (long k = 0; k < want.getSize(); k++) {
            assertEquals(Float.floatToIntBits(want.get(k)), Float.floatToIntBits(got.get(k)), what + "[" + k + "]: " + want.get(k)
                    + " vs " + got.get(k));
        }
    }

    private static void assertNear(String what, FloatArray want, FloatArray got) {
        for (long k = 0; k < want.getSize(); k++) {
            float w = want.get(k);
            assertEquals(w, got.get(k), TOL * (1 + Math.abs(w)), what + "[" + k + "]");
        }
    }

    private static void assertChanged(PersistentLayerCase c, PersistentLayerCase got) {
        boolean outSet = false;
        for (long k = 0; k < got.out.getSize(); k++) {
            outSet |= got.out.get(k) != 0f;
        }
        assertTrue(outSet, c + ": the output was written");
        boolean stateMoved = false;
        for (long k = 0; k < got.ssmState.getSize() && !stateMoved; k++) {
            stateMoved = got.ssmState.get(k) != c.ssmState.get(k);
        }
        assertTrue(stateMoved, c + ": the SSM state moved");
    }

    private static void copy(FloatArray from, FloatArray to) {
        for (long k = 0; k < from.getSize(); k++) {
            to.set(k, from.get(k));
        }
    }
}
