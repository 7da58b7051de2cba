package io.jmamba.model.weights;

import io.jmamba.runtime.api.FloatArray;

/**
 * One Mamba-1 block, row-major as PyTorch stores it. Optional biases are {@code null} when the config
 * turns them off. {@code a} is {@code -exp(aLog)}, computed once at load.
 *
 * @param inProj      [2 * d_inner, d_model]: rows 0..d_inner-1 give x, the rest give z
 * @param convWeight  [d_inner, 1, d_conv]
 * @param xProj       [dt_rank + 2 * d_state, d_model]: dt (low rank), then B, then C
 * @param dtProjWeight [d_inner, dt_rank]
 * @param dtProjBias  [d_inner]: the selective scan's delta_bias
 * @param aLog        [d_inner, d_state]
 * @param d           [d_inner]: the skip connection
 * @param outProj     [d_model, d_inner]
 */
public record Mamba1LayerWeights(
        FloatArray norm,
        FloatArray inProj, FloatArray inProjBias,
        FloatArray convWeight, FloatArray convBias,
        FloatArray xProj,
        FloatArray dtProjWeight, FloatArray dtProjBias,
        FloatArray aLog, FloatArray a,
        FloatArray d,
        FloatArray outProj, FloatArray outProjBias) implements LayerWeights {
}
