package io.jmamba.model.weights;

import io.jmamba.model.config.Architecture;
import io.jmamba.model.config.MambaConfig;
import io.jmamba.runtime.api.FloatArray;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Loads a checkpoint's tensors for a config and checks that they are exactly the ones the config
 * describes: every expected tensor present with the expected shape, nothing left over.
 *
 * <p>Both naming schemes are read: transformers' {@code backbone.embeddings.weight} and mamba_ssm's
 * {@code backbone.embedding.weight}; the layers ({@code backbone.layers.N.mixer.in_proj.weight},
 * ...) and {@code backbone.norm_f.weight} are named alike. A tied checkpoint may still carry
 * {@code lm_head.weight} (some writers save it); it is then ignored in favour of the embedding.
 */
public final class WeightLoader {
    private final MambaConfig config;
    private final Checkpoint checkpoint;
    private final Set<String> taken = new HashSet<>();

    private WeightLoader(MambaConfig config, Checkpoint checkpoint) {
        this.config = config;
        this.checkpoint = checkpoint;
    }

    public static ModelWeights load(MambaConfig config, Checkpoint checkpoint) {
        return new WeightLoader(config, checkpoint).load();
    }

    private ModelWeights load() {
        MambaConfig c = config;
        String embName = checkpoint.has("backbone.embedding.weight") && !checkpoint.has("backbone.embeddings.weight")
                ? "backbone.embedding.weight" : "backbone.embeddings.weight";
        FloatArray embedding = take(embName, c.vocabSize(), c.dModel());
        List<LayerWeights> layers = new ArrayList<>();
        for (int i = 0; i < c.nLayer(); i++) {
            String p = "backbone.layers." + i + ".";
            layers.add(c.architecture() == Architecture.MAMBA1 ? mamba1(p) : mamba2(p));
        }
        FloatArray normF = take("backbone.norm_f.weight", c.dModel());
        FloatArray lmHead;
        if (c.tieEmbeddings()) {
            if (checkpoint.has("lm_head.weight")) {
                checkShape("lm_head.weight", c.vocabSize(), c.dModel());
                taken.add("lm_head.weight");
            }
            lmHead = embedding;
        } else {
            lmHead = take("lm_head.weight", c.vocabSize(), c.dModel());
        }
        Set<String> unexpected = new TreeSet<>(checkpoint.names());
        unexpected.removeAll(taken);
        if (!unexpected.isEmpty()) {
            List<String> some = unexpected.stream().limit(5).toList();
            throw new WeightsException("unexpected tensor" + (unexpected.size() > 1 ? "s " : " ") + String.join(", ", some)
                    + (unexpected.size() > some.size() ? " (and " + (unexpected.size() - some.size()) + " more)" : "")
                    + " in checkpoint " + checkpoint.dir() + " for a " + c.architecture() + " config with "
                    + c.nLayer() + " layers");
        }
        return new ModelWeights(c, embedding, layers, normF, lmHead);
    }

    private Mamba1LayerWeights mamba1(String p) {
        MambaConfig c = config;
        String m = p + "mixer.";
        FloatArray aLog = take(m + "A_log", c.dInner(), c.dState());
        return new Mamba1LayerWeights(
                take(p + "norm.weight", c.dModel()),
                take(m + "in_proj.weight", c.inProjRows(), c.dModel()),
                c.useBias() ? take(m + "in_proj.bias", c.inProjRows()) : null,
                take(m + "conv1d.weight", c.convChannels(), 1, c.dConv()),
                c.useConvBias() ? take(m + "conv1d.bias", c.convChannels()) : null,
                take(m + "x_proj.weight", c.xProjRows(), c.dInner()),
                take(m + "dt_proj.weight", c.dInner(), c.dtRank()),
                take(m + "dt_proj.bias", c.dInner()),
                aLog, negExp(aLog),
                take(m + "D", c.dInner()),
                take(m + "out_proj.weight", c.dModel(), c.dInner()),
                c.useBias() ? take(m + "out_proj.bias", c.dModel()) : null);
    }

    private Mamba2LayerWeights mamba2(String p) {
        MambaConfig c = config;
        String m = p + "mixer.";
        FloatArray aLog = take(m + "A_log", c.nHeads());
        return new Mamba2LayerWeights(
                take(p + "norm.weight", c.dModel()),
                take(m + "in_proj.weight", c.inProjRows(), c.dModel()),
                c.useBias() ? take(m + "in_proj.bias", c.inProjRows()) : null,
                take(m + "conv1d.weight", c.convChannels(), 1, c.dConv()),
                c.useConvBias() ? take(m + "conv1d.bias", c.convChannels()) : null,
                take(m + "dt_bias", c.nHeads()),
                aLog, negExp(aLog),
                take(m + "D", c.nHeads()),
                take(m + "norm.weight", c.dInner()),
                take(m + "out_proj.weight", c.dModel(), c.dInner()),
                c.useBias() ? take(m + "out_proj.bias", c.dModel()) : null);
    }

    private FloatArray take(String name, long... shape) {
        checkShape(name, shape);
        taken.add(name);
        return checkpoint.floats(name);
    }

    private void checkShape(String name, long... expected) {
        if (!checkpoint.has(name)) {
            throw new WeightsException("missing tensor " + name + " (expected shape " + Arrays.toString(expected)
                    + ") in checkpoint " + checkpoint.dir());
        }
        TensorInfo info = checkpoint.info(name);
        if (!Arrays.equals(info.shape(), expected)) {
            throw new WeightsException(name + ": expected " + Arrays.toString(expected) + ", got " + info.shapeString());
        }
        if (!info.dtype().isFloatConvertible()) {
            throw new WeightsException(name + ": dtype " + info.dtype() + " is not a floating-point type (F32, F16, BF16, F64)");
        }
    }

    /** A = -exp(A_log): the scan kernels take A itself. */
    private static FloatArray negExp(FloatArray aLog) {
        FloatArray a = new FloatArray(aLog.getSize());
        for (long i = 0; i < a.getSize(); i++) {
            a.set(i, (float) -Math.exp(aLog.get(i)));
        }
        return a;
    }
}
