package io.jmamba.kernels.scan;

import io.jmamba.kernels.support.Bf16Tensor;

import io.jmamba.kernels.support.Tensor;

/**
 * The bf16 selective scan's outputs: out {@code [batch, dim, seqlen]} in bf16 and the last state
 * {@code [batch, dim, dstate]} in fp32, as mamba_ssm's bf16 selective_scan_fwd returns them.
 */
public record SelectiveScanBf16Result(Bf16Tensor out, Tensor lastState) {
}
