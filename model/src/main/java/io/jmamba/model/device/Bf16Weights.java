package io.jmamba.model.device;

import io.jmamba.kernels.nn.LinearBf16;
import io.jmamba.model.weights.LayerWeights;
import io.jmamba.model.weights.Mamba1LayerWeights;
import io.jmamba.model.weights.Mamba2LayerWeights;
import io.jmamba.model.weights.ModelWeights;
import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * bf16 copies of the large linear weights of a model (each element rounded to nearest, ties to even):
 * every layer's in_proj and out_proj and the lm_head (for tied embeddings, a bf16 copy of the embedding
 * for the head; the lookup keeps reading fp32). These are about 99% of the bytes a decode step reads.
 */
public final class Bf16Weights {
    private Bf16Weights() {
    }

    /** The fp32 weights (by identity) and their bf16 twins. */
    public static Map<FloatArray, BFloat16Array> of(ModelWeights w) {
        Map<FloatArray, BFloat16Array> out = new IdentityHashMap<>();
        for (LayerWeights lw : w.layers()) {
            switch (lw) {
                case Mamba1LayerWeights m -> {
                    put(out, m.inProj());
                    put(out, m.outProj());
                }
                case Mamba2LayerWeights m -> {
                    put(out, m.inProj());
                    put(out, m.outProj());
                }
            }
        }
        put(out, w.lmHead());
        return out;
    }

    private static void put(Map<FloatArray, BFloat16Array> out, FloatArray w) {
        out.computeIfAbsent(w, LinearBf16::round);
    }
}
