/**
 * Fused kernels for the Mamba-2 decode step (seqlen 1), where a layer's kernels each do little work and
 * the step's time is mostly launch latency: {@link io.jmamba.kernels.fused.Mamba2DecodeKernels} reads the
 * in_proj output in place (no column splits), computes the conv and the SSM state update in one kernel,
 * and the gated RMSNorm (with the conv-state shift on the side) in a second;
 * {@link io.jmamba.kernels.fused.FusedGemvKernels} folds the residual RMSNorm into the in_proj GEMV and
 * the gated RMSNorm into the out_proj GEMV. {@link io.jmamba.kernels.fused.Mamba2Decode} adds them to a
 * task graph.
 */
package io.jmamba.kernels.fused;
