package io.jmamba.model.weights;

import io.jmamba.runtime.api.FloatArray;

/** The weights of one residual block: its pre-norm weight and its mixer's tensors. */
public sealed interface LayerWeights permits Mamba1LayerWeights, Mamba2LayerWeights {
    /** RMSNorm weight applied to the residual stream before the mixer, [d_model]. */
    FloatArray norm();
}
