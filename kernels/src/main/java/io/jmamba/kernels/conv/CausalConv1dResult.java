package io.jmamba.kernels.conv;

import io.jmamba.kernels.support.Tensor;

/**
 * What a convolution produces.
 *
 * @param out   {@code [batch, dim, seqlen]}
 * @param state forward: final_states {@code [batch, dim, W-1]}; update: the new conv_state
 */
public record CausalConv1dResult(Tensor out, Tensor state) {
}
