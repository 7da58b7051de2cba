package io.jmamba.kernels.scan;

import io.jmamba.kernels.support.Tensor;

/**
 * One decode step's results.
 *
 * @param out   Mamba-1 {@code [batch, dim]}, Mamba-2 {@code [batch, nheads, headdim]}
 * @param state the state after the token, same shape as the state given
 */
public record StateUpdateResult(Tensor out, Tensor state) {
}
