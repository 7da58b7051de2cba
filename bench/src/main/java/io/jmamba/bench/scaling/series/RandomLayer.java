package io.jmamba.bench.scaling.series;

import io.jmamba.model.config.Architecture;
import io.jmamba.model.config.MambaConfig;
import io.jmamba.model.weights.LayerWeights;
import io.jmamba.model.weights.Mamba1LayerWeights;
import io.jmamba.model.weights.Mamba2LayerWeights;
import io.jmamba.model.weights.ModelWeights;
import io.jmamba.runtime.api.FloatArray;

import java.util.List;

/**
 * One-layer Mamba models with random weights in the 130M models' shapes (d_model 768), for timing a
 * whole block. The vocabulary is tiny so that the embedding and lm_head around the block cost
 * nothing next to it. Weights are uniform in +-1/sqrt(fan_in), so activations stay finite.
 */
final class RandomLayer {
    static final int D_MODEL = 768;
    static final int VOCAB = 256;

    private RandomLayer() {
    }

    /** Mamba-1: d_inner 1536, d_state 16, d_conv 4, dt_rank 48. */
    static ModelWeights mamba1(int dInner, int dState) {
        int dtRank = (D_MODEL + 15) / 16;
        MambaConfig c = new MambaConfig(Architecture.MAMBA1, D_MODEL, 1, VOCAB, dState, 4, dInner, dtRank, 0, 0, 1, 0,
                0f, Float.POSITIVE_INFINITY, false, false, true, 1e-5f, true, true, List.of());
        FloatArray aLog = new FloatArray((long) dInner * dState);
        FloatArray a = new FloatArray(aLog.getSize());
        for (long i = 0; i < aLog.getSize(); i++) { // A = -(1..d_state) per channel, as mamba_ssm initialises it
            float v = (float) Math.log(1 + i % dState);
            aLog.set(i, v);
            a.set(i, (float) -Math.exp(v));
        }
        Mamba1LayerWeights layer = new Mamba1LayerWeights(ones(D_MODEL),
                uniform(2L * dInner * D_MODEL, D_MODEL, 101), null,
                uniform(dInner * 4L, 4, 102), uniform(dInner, 4, 103),
                uniform((long) (dtRank + 2 * dState) * dInner, dInner, 104),
                uniform((long) dInner * dtRank, dtRank, 105), constant(dInner, -3f),
                aLog, a, ones(dInner),
                uniform((long) D_MODEL * dInner, dInner, 106), null);
        return model(c, layer);
    }

    /** Mamba-2: heads x headdim = d_inner, one group, chunk 256, d_conv 4. */
    static ModelWeights mamba2(int heads, int headdim, int dState, int chunk) {
        int dInner = heads * headdim;
        MambaConfig c = new MambaConfig(Architecture.MAMBA2, D_MODEL, 1, VOCAB, dState, 4, dInner, 0, headdim, heads, 1,
                chunk, 0f, Float.POSITIVE_INFINITY, false, false, true, 1e-5f, true, true, List.of());
        FloatArray aLog = new FloatArray(heads);
        FloatArray a = new FloatArray(heads);
        for (int h = 0; h < heads; h++) {
            float v = (float) Math.log(1 + h % 16);
            aLog.set(h, v);
            a.set(h, (float) -Math.exp(v));
        }
        int convChannels = c.convChannels();
        Mamba2LayerWeights layer = new Mamba2LayerWeights(ones(D_MODEL),
                uniform((long) c.inProjRows() * D_MODEL, D_MODEL, 201), null,
                uniform(convChannels * 4L, 4, 202), uniform(convChannels, 4, 203),
                constant(heads, -3f), aLog, a, ones(heads), ones(dInner),
                uniform((long) D_MODEL * dInner, dInner, 204), null);
        return model(c, layer);
    }

    private static ModelWeights model(MambaConfig c, LayerWeights layer) {
        FloatArray embedding = uniform((long) VOCAB * D_MODEL, 1, 301);
        return new ModelWeights(c, embedding, List.of(layer), ones(D_MODEL), embedding);
    }

    private static FloatArray uniform(long n, int fanIn, long seed) {
        FloatArray a = new FloatArray(n);
        float bound = (float) (1 / Math.sqrt(fanIn));
        Inputs.fill(a, seed, -bound, bound);
        return a;
    }

    private static FloatArray ones(long n) {
        return constant(n, 1f);
    }

    private static FloatArray constant(long n, float v) {
        FloatArray a = new FloatArray(n);
        a.init(v);
        return a;
    }
}
