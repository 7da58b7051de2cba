package io.jmamba.kernels.scan;

import io.jmamba.kernels.support.Tensor;

/**
 * What a selective scan produces.
 *
 * @param out       (batch, dim, seqlen): y + D*u, times silu(z) when z is given
 * @param lastState (batch, dim, dstate): the state after the last token, to continue the scan
 */
public record SelectiveScanResult(Tensor out, Tensor lastState) {
}
