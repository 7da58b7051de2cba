package io.jmamba.model.weights;

import io.jmamba.model.config.MambaConfig;
import io.jmamba.runtime.api.FloatArray;

import java.util.List;

/**
 * Every weight of a Mamba language model, checked against its config.
 *
 * @param embedding [vocab, d_model]
 * @param layers    one per block, all of the config's architecture
 * @param normF     final RMSNorm weight [d_model]
 * @param lmHead    [vocab, d_model]; the same array as {@code embedding} when the embeddings are tied
 */
public record ModelWeights(MambaConfig config, FloatArray embedding, List<LayerWeights> layers, FloatArray normF,
                           FloatArray lmHead) {
    public ModelWeights {
        layers = List.copyOf(layers);
    }
}
