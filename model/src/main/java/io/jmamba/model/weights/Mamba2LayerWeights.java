package io.jmamba.model.weights;

import io.jmamba.runtime.api.FloatArray;

/**
 * One Mamba-2 block, row-major as PyTorch stores it. Optional biases are {@code null} when the config
 * turns them off. {@code a} is {@code -exp(aLog)}, computed once at load.
 *
 * @param inProj     [2 * d_inner + 2 * n_groups * d_state + n_heads, d_model]: z, then xBC, then dt
 * @param convWeight [d_inner + 2 * n_groups * d_state, 1, d_conv] over xBC
 * @param dtBias     [n_heads]
 * @param aLog       [n_heads]
 * @param d          [n_heads]
 * @param gateNorm   [d_inner]: weight of the grouped gated RMSNorm
 * @param outProj    [d_model, d_inner]
 */
public record Mamba2LayerWeights(
        FloatArray norm,
        FloatArray inProj, FloatArray inProjBias,
        FloatArray convWeight, FloatArray convBias,
        FloatArray dtBias,
        FloatArray aLog, FloatArray a,
        FloatArray d,
        FloatArray gateNorm,
        FloatArray outProj, FloatArray outProjBias) implements LayerWeights {
}
