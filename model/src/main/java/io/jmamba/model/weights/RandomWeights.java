package io.jmamba.model.weights;

import io.jmamba.model.config.Architecture;
import io.jmamba.model.config.MambaConfig;
import io.jmamba.runtime.api.FloatArray;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Random weights of the right shapes for a config, initialised the way mamba_ssm initialises a new
 * model (S4D-real A, dt bias giving dt in [0.001, 0.1], D = 1, unit norms, small uniform linear
 * layers), so activations stay finite. For benchmarks and tests that need a model of a given size
 * without a checkpoint.
 */
public final class RandomWeights {
    private RandomWeights() {
    }

    public static ModelWeights generate(MambaConfig c, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        FloatArray embedding = normal(rnd, (long) c.vocabSize() * c.dModel(), 0.02f);
        List<LayerWeights> layers = new ArrayList<>();
        for (int l = 0; l < c.nLayer(); l++) {
            layers.add(c.architecture() == Architecture.MAMBA1 ? mamba1(c, rnd) : mamba2(c, rnd));
        }
        FloatArray lmHead = c.tieEmbeddings() ? embedding : normal(rnd, (long) c.vocabSize() * c.dModel(), 0.02f);
        return new ModelWeights(c, embedding, layers, ones(c.dModel()), lmHead);
    }

    private static Mamba1LayerWeights mamba1(MambaConfig c, SplittableRandom rnd) {
        int dI = c.dInner();
        int n = c.dState();
        FloatArray aLog = new FloatArray((long) dI * n);
        FloatArray a = new FloatArray((long) dI * n);
        for (int ch = 0; ch < dI; ch++) {
            for (int s = 0; s < n; s++) {
                aLog.set((long) ch * n + s, (float) Math.log(s + 1));
                a.set((long) ch * n + s, -(s + 1));
            }
        }
        return new Mamba1LayerWeights(ones(c.dModel()),
                linear(rnd, c.inProjRows(), c.dModel()), c.useBias() ? small(rnd, c.inProjRows()) : null,
                linear(rnd, dI, c.dConv()), c.useConvBias() ? small(rnd, dI) : null,
                linear(rnd, c.xProjRows(), dI),
                linear(rnd, dI, c.dtRank()), dtBias(rnd, dI),
                aLog, a, ones(dI),
                linear(rnd, c.dModel(), dI), c.useBias() ? small(rnd, c.dModel()) : null);
    }

    private static Mamba2LayerWeights mamba2(MambaConfig c, SplittableRandom rnd) {
        int h = c.nHeads();
        FloatArray aLog = new FloatArray(h);
        FloatArray a = new FloatArray(h);
        for (int i = 0; i < h; i++) {
            double v = 1 + 15 * rnd.nextDouble();
            aLog.set(i, (float) Math.log(v));
            a.set(i, (float) -v);
        }
        return new Mamba2LayerWeights(ones(c.dModel()),
                linear(rnd, c.inProjRows(), c.dModel()), c.useBias() ? small(rnd, c.inProjRows()) : null,
                linear(rnd, c.convChannels(), c.dConv()), c.useConvBias() ? small(rnd, c.convChannels()) : null,
                dtBias(rnd, h), aLog, a, ones(h), ones(c.dInner()),
                linear(rnd, c.dModel(), c.dInner()), c.useBias() ? small(rnd, c.dModel()) : null);
    }

    /** Inverse softplus of dt drawn log-uniformly from [0.001, 0.1]. */
    private static FloatArray dtBias(SplittableRandom rnd, int n) {
        FloatArray out = new FloatArray(n);
        for (int i = 0; i < n; i++) {
            double dt = Math.exp(Math.log(0.001) + rnd.nextDouble() * (Math.log(0.1) - Math.log(0.001)));
            out.set(i, (float) (dt + Math.log(-Math.expm1(-dt))));
        }
        return out;
    }

    private static FloatArray linear(SplittableRandom rnd, long rows, long cols) {
        float bound = (float) (1 / Math.sqrt(cols));
        FloatArray out = new FloatArray(rows * cols);
        for (long i = 0; i < out.getSize(); i++) {
            out.set(i, (float) ((rnd.nextDouble() * 2 - 1) * bound));
        }
        return out;
    }

    private static FloatArray normal(SplittableRandom rnd, long n, float std) {
        FloatArray out = new FloatArray(n);
        for (long i = 0; i < n; i++) {
            // Box-Muller, one value per pair is enough here
            double u = 1 - rnd.nextDouble();
            double v = rnd.nextDouble();
            out.set(i, (float) (std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)));
        }
        return out;
    }

    private static FloatArray ones(long n) {
        FloatArray out = new FloatArray(n);
        out.init(1f);
        return out;
    }

    /** Biases: small and nonzero, so that a bias that is dropped or added twice shows. */
    private static FloatArray small(SplittableRandom rnd, long n) {
        FloatArray out = new FloatArray(n);
        for (long i = 0; i < n; i++) {
            out.set(i, (float) ((rnd.nextDouble() * 2 - 1) * 0.1));
        }
        return out;
    }
}
