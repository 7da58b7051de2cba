package io.jmamba.kernels.fused;

import io.jmamba.kernels.nn.GraphParts;
import io.jmamba.kernels.nn.LinearBf16;
import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.NativeArray;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.backend.ComputeDevice;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * One decode layer's random weights, inputs and states for the persistent-layer tests, with two ways to run a
 * step: today's three fused kernels (staged norm + in_proj, convSsm with the gate, pre-gated norm + out_proj) and
 * {@link PersistentDecode}. The states are updated in place, so each run works on its own {@link #copy}.
 */
final class PersistentLayerCase {
    final String name;
    final Mamba2Decode.Shape s;
    final int dModel;
    final int groupSize;
    final float eps = 1e-5f;
    final boolean biases;
    final long seed;
    // weights
    final FloatArray normW, inW, inBias, convW, convBias, a, d, dtBias, gateW, outW, outBias;
    // step inputs and states
    final FloatArray hidden, residualIn, convState, ssmState;
    // outputs
    final FloatArray zxbcdt, residualOut, g, out;

    /** {@code name}: the shape's name in test names; {@code biases}: in_proj, out_proj and conv biases, D and dt bias. */
    PersistentLayerCase(String name, Mamba2Decode.Shape s, int dModel, int groupSize, boolean biases, long seed) {
        this.name = name;
        this.s = s;
        this.dModel = dModel;
        this.groupSize = groupSize;
        this.biases = biases;
        this.seed = seed;
        Random r = new Random(seed);
        int rows = s.batch();
        normW = uniform(r, dModel, 0.5f, 1.5f);
        inW = packedBf16(r, (long) s.inRows() * dModel, 0.08f);
        inBias = biases ? gaussian(r, s.inRows(), 0.1f) : null;
        convW = gaussian(r, (long) s.convDim() * s.width(), 0.4f);
        convBias = biases ? gaussian(r, s.convDim(), 0.1f) : null;
        a = new FloatArray(s.heads());
        for (int h = 0; h < s.heads(); h++) {
            a.set(h, (float) -Math.exp(r.nextDouble() * 2 - 1));
        }
        d = biases ? gaussian(r, s.heads(), 1f) : null;
        dtBias = biases ? uniform(r, s.heads(), -2f, 0f) : null;
        gateW = uniform(r, s.dInner(), 0.5f, 1.5f);
        outW = packedBf16(r, (long) dModel * s.dInner(), 0.05f);
        outBias = biases ? gaussian(r, dModel, 0.1f) : null;
        hidden = gaussian(r, (long) rows * dModel, 1f);
        residualIn = gaussian(r, (long) rows * dModel, 1f);
        convState = gaussian(r, (long) rows * s.convDim() * (s.width() - 1), 1f);
        ssmState = gaussian(r, (long) rows * s.heads() * s.headdim() * s.dstate(), 0.5f);
        zxbcdt = new FloatArray((long) rows * s.inRows());
        residualOut = new FloatArray((long) rows * dModel);
        g = new FloatArray((long) rows * s.dInner());
        out = new FloatArray((long) rows * dModel);
    }

    private PersistentLayerCase(PersistentLayerCase o) {
        name = o.name;
        s = o.s;
        dModel = o.dModel;
        groupSize = o.groupSize;
        biases = o.biases;
        seed = o.seed;
        normW = o.normW;
        inW = o.inW;
        inBias = o.inBias;
        convW = o.convW;
        convBias = o.convBias;
        a = o.a;
        d = o.d;
        dtBias = o.dtBias;
        gateW = o.gateW;
        outW = o.outW;
        outBias = o.outBias;
        hidden = copyOf(o.hidden);
        residualIn = copyOf(o.residualIn);
        convState = copyOf(o.convState);
        ssmState = copyOf(o.ssmState);
        zxbcdt = new FloatArray(o.zxbcdt.getSize());
        residualOut = new FloatArray(o.residualOut.getSize());
        g = new FloatArray(o.g.getSize());
        out = new FloatArray(o.out.getSize());
    }

    /** Layer {@code i} of a chain starting at this one: this shape, its own weights and states (other random values). */
    PersistentLayerCase secondLayer(int i) {
        return new PersistentLayerCase(name + " (layer " + i + ")", s, dModel, groupSize, biases, seed + 1000L * i);
    }

    /** Fresh states and outputs, the same weights and inputs. */
    PersistentLayerCase copy() {
        return new PersistentLayerCase(this);
    }

    PersistentDecode.Layer layer() {
        return new PersistentDecode.Layer(hidden, residualIn, residualOut, normW, inW, inBias, zxbcdt, convState, convW, convBias,
                ssmState, a, d, dtBias, g, gateW, outW, outBias, out);
    }

    /** The layer as a first layer that looks its rows up in an embedding: no residualIn. */
    PersistentDecode.Layer firstLayer() {
        return new PersistentDecode.Layer(hidden, null, residualOut, normW, inW, inBias, zxbcdt, convState, convW, convBias,
                ssmState, a, d, dtBias, g, gateW, outW, outBias, out);
    }

    /**
     * An embedding table of {@code vocab} random rows and ids for this case's rows: row 1 (where there is one) gets an
     * id outside the vocabulary when {@code badId}.
     */
    PersistentDecode.Embedding embedding(int vocab, boolean badId) {
        Random r = new Random(seed + 77);
        FloatArray table = gaussian(r, (long) vocab * dModel, 1f);
        io.jmamba.runtime.api.IntArray ids = new io.jmamba.runtime.api.IntArray(s.batch());
        for (int row = 0; row < s.batch(); row++) {
            ids.set(row, badId && row == 1 ? vocab + 3 : (row * 17 + vocab - 1) % vocab);
        }
        return new PersistentDecode.Embedding(ids, table, vocab);
    }

    /** One step of a first layer with the lookup folded in, through today's fused kernels (FusedEmbedGemvKernels first). */
    void runFusedEmbed(ComputeDevice device, PersistentDecode.Embedding e) {
        List<NativeArray> in = new java.util.ArrayList<>(inputs());
        in.add(e.ids());
        in.add(e.table());
        GraphParts.runOnce(device, "fused_embed", in, outputs(), (tg, grids) -> {
            FusedGemv.addEmbedNormGemv(tg, grids, "l_in", s.batch(), dModel, s.inRows(), e.ids(), e.table(), e.vocab(), normW, inW,
                    true, inBias, zxbcdt, residualOut, eps);
            Mamba2Decode.addConvSsm(tg, grids, "l_f", s, zxbcdt, convState, convW, convBias, ssmState, a, d, dtBias, g, true);
            FusedGemv.addGatedNormGemv(tg, grids, "l_out", s, dModel, g, zxbcdt, gateW, outW, true, outBias, out, convState,
                    groupSize, eps, false, true, FusedGemv.FewRowForm.STAGED);
        });
    }

    /** The same through {@link PersistentDecode}'s phases. */
    void runPhasesEmbed(ComputeDevice device, PersistentDecode.Embedding e, int maxGroups) {
        List<NativeArray> in = new java.util.ArrayList<>(inputs());
        in.add(e.ids());
        in.add(e.table());
        GraphParts.runOnce(device, "phases_embed", in, outputs(), (tg, grids) -> PersistentDecode.addTo(tg, grids, "l", s, dModel,
                firstLayer(), e, groupSize, eps, PersistentDecode.Form.PHASES, 1, null, maxGroups));
    }

    List<NativeArray> inputs() {
        return GraphParts.arrays(normW, inW, inBias, convW, convBias, a, d, dtBias, gateW, outW, outBias, hidden, residualIn,
                convState, ssmState);
    }

    List<NativeArray> outputs() {
        return List.of(zxbcdt, residualOut, g, out, convState, ssmState);
    }

    /** One step through today's three fused kernels (the staged few-row forms). */
    void runFused(ComputeDevice device) {
        GraphParts.runOnce(device, "fused", inputs(), outputs(), (tg, grids) -> addFused(tg, grids));
    }

    private void addFused(TaskGraph tg, GridScheduler grids) {
        FusedGemv.addNormGemv(tg, grids, "l_in", s.batch(), dModel, s.inRows(), hidden, residualIn, normW, inW, true, inBias,
                zxbcdt, residualOut, eps, FusedGemv.FewRowForm.STAGED);
        Mamba2Decode.addConvSsm(tg, grids, "l_f", s, zxbcdt, convState, convW, convBias, ssmState, a, d, dtBias, g, true);
        FusedGemv.addGatedNormGemv(tg, grids, "l_out", s, dModel, g, zxbcdt, gateW, outW, true, outBias, out, convState,
                groupSize, eps, false, true, FusedGemv.FewRowForm.STAGED);
    }

    /** One step through {@link PersistentDecode} as three phase launches of at most {@code maxGroups} work-groups. */
    void runPhases(ComputeDevice device, int maxGroups) {
        GraphParts.runOnce(device, "phases", inputs(), outputs(), (tg, grids) -> PersistentDecode.addTo(tg, grids, "l", s,
                dModel, layer(), null, groupSize, eps, PersistentDecode.Form.PHASES, 1, null, maxGroups));
    }

    /** Every output and state of {@code got} equals {@code want}'s bit for bit. */
    static void assertSameBits(String what, PersistentLayerCase want, PersistentLayerCase got) {
        String[] names = {"zxbcdt", "residualOut", "gated y", "out", "convState", "ssmState"};
        List<NativeArray> w = want.outputs();
        List<NativeArray> o = got.outputs();
        for (int i = 0; i < names.length; i++) {
            FloatArray x = (FloatArray) w.get(i);
            FloatArray y = (FloatArray) o.get(i);
            for (long k = 0; k < x.getSize(); k++) {
                if (Float.floatToIntBits(x.get(k)) != Float.floatToIntBits(y.get(k))) {
                    assertEquals(x.get(k), y.get(k), what + ": " + names[i] + "[" + k + "] differs");
                    // equal as floats but not as bits (0 vs -0, NaN payloads): still a difference
                    assertEquals(Float.floatToIntBits(x.get(k)), Float.floatToIntBits(y.get(k)), what + ": " + names[i] + "[" + k + "] bits");
                }
            }
        }
    }

    private static FloatArray copyOf(FloatArray x) {
        FloatArray c = new FloatArray(x.getSize());
        for (long i = 0; i < x.getSize(); i++) {
            c.set(i, x.get(i));
        }
        return c;
    }

    private static FloatArray gaussian(Random r, long n, float scale) {
        FloatArray x = new FloatArray(n);
        for (long i = 0; i < n; i++) {
            x.set(i, (float) r.nextGaussian() * scale);
        }
        return x;
    }

    private static FloatArray uniform(Random r, long n, float lo, float hi) {
        FloatArray x = new FloatArray(n);
        for (long i = 0; i < n; i++) {
            x.set(i, lo + (hi - lo) * r.nextFloat());
        }
        return x;
    }

    private static FloatArray packedBf16(Random r, long n, float scale) {
        BFloat16Array w = new BFloat16Array(n);
        for (long i = 0; i < n; i++) {
            w.set(i, (float) r.nextGaussian() * scale);
        }
        return LinearBf16.packedView(w);
    }

    @Override
    public String toString() {
        return name;
    }
}
