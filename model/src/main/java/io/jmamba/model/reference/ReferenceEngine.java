package io.jmamba.model.reference;

import io.jmamba.model.config.MambaConfig;
import io.jmamba.model.inference.InferenceEngine;
import io.jmamba.model.inference.InferenceState;
import io.jmamba.model.weights.LayerWeights;
import io.jmamba.model.weights.Mamba1LayerWeights;
import io.jmamba.model.weights.Mamba2LayerWeights;
import io.jmamba.model.weights.ModelWeights;

import static io.jmamba.model.reference.ReferenceOps.matvec;
import static io.jmamba.model.reference.ReferenceOps.rmsNorm;

/**
 * The plain-Java forward of a Mamba-1 or Mamba-2 stack, token by token through the recurrence
 * (which is what the parallel scans compute too): embedding; per layer residual += hidden,
 * hidden = mixer(RMSNorm(residual)); norm_f; lm_head. It is the spec the device engine is tested
 * against, and slow: one matrix-vector product per weight per token.
 */
public final class ReferenceEngine implements InferenceEngine {
    private final ModelWeights weights;
    private final MambaConfig config;

    public ReferenceEngine(ModelWeights weights) {
        this.weights = weights;
        this.config = weights.config();
    }

    @Override
    public MambaConfig config() {
        return config;
    }

    @Override
    public String deviceDescription() {
        return "reference (plain Java loops)";
    }

    @Override
    public InferenceState newState(int batch) {
        return new State(config, batch);
    }

    @Override
    public float[][][] prefill(InferenceState state, int[][] tokens, boolean allPositions) {
        State s = own(state, tokens.length);
        float[][][] out = new float[tokens.length][][];
        for (int b = 0; b < tokens.length; b++) {
            if (tokens[b].length == 0) {
                throw new IllegalArgumentException("sequence " + b + " has no tokens to prefill");
            }
            out[b] = new float[allPositions ? tokens[b].length : 1][];
            for (int t = 0; t < tokens[b].length; t++) {
                float[] logits = step(s, b, tokens[b][t]);
                if (allPositions || t == tokens[b].length - 1) {
                    out[b][allPositions ? t : 0] = logits;
                }
            }
        }
        return out;
    }

    @Override
    public float[][] decode(InferenceState state, int[] tokens) {
        State s = own(state, tokens.length);
        float[][] out = new float[tokens.length][];
        for (int b = 0; b < tokens.length; b++) {
            out[b] = step(s, b, tokens[b]);
        }
        return out;
    }

    private float[] step(State s, int b, int token) {
        if (token < 0 || token >= config.vocabSize()) {
            throw new IllegalArgumentException("token id " + token + " is outside the vocabulary [0, " + config.vocabSize() + ")");
        }
        int d = config.dModel();
        float[] hidden = new float[d];
        for (int i = 0; i < d; i++) {
            hidden[i] = weights.embedding().get((long) token * d + i);
        }
        float[] residual = new float[d];
        for (int l = 0; l < config.nLayer(); l++) {
            for (int i = 0; i < d; i++) {
                residual[i] += hidden[i];
            }
            LayerWeights lw = weights.layers().get(l);
            float[] normed = rmsNorm(residual, lw.norm(), config.normEps());
            LayerState ls = s.layers[b][l];
            hidden = switch (lw) {
                case Mamba1LayerWeights w1 -> Mamba1Reference.step(config, w1, normed, ls);
                case Mamba2LayerWeights w2 -> Mamba2Reference.step(config, w2, normed, ls);
            };
        }
        for (int i = 0; i < d; i++) {
            residual[i] += hidden[i];
        }
        float[] out = rmsNorm(residual, weights.normF(), config.normEps());
        s.positions[b]++;
        return matvec(weights.lmHead(), null, out, config.vocabSize(), d);
    }

    private State own(InferenceState state, int rows) {
        if (!(state instanceof State s) || s.config != config) {
            throw new IllegalArgumentException("state was not made by this engine");
        }
        if (rows != s.batch()) {
            throw new IllegalArgumentException("got " + rows + " sequences for a state of batch " + s.batch());
        }
        return s;
    }

    @Override
    public void close() {
        // nothing held beyond the Java heap
    }

    private static final class State implements InferenceState {
        final MambaConfig config;
        final LayerState[][] layers;
        final long[] positions;

        State(MambaConfig config, int batch) {
            if (batch <= 0) {
                throw new IllegalArgumentException("batch must be > 0, got " + batch);
            }
            this.config = config;
            layers = new LayerState[batch][config.nLayer()];
            for (LayerState[] row : layers) {
                for (int l = 0; l < row.length; l++) {
                    row[l] = new LayerState(config);
                }
            }
            positions = new long[batch];
        }

        @Override
        public int batch() {
            return layers.length;
        }

        @Override
        public long position(int b) {
            return positions[b];
        }
    }
}
