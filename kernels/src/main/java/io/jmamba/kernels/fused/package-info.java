/**
 * Fused kernels for the Mamba-2 decode step (seqlen 1), where a layer's kernels each do little work and
 * the step's time is mostly launch latency: {@link io.jmamba.kernels.fused.Mamba2DecodeKernels} reads the
 * in_proj output in place (no column splits), computes the conv and the SSM state update in one kernel,
 * and the gated RMSNorm (with the conv-state shift on the side) in a second;
 * {@link io.jmamba.kernels.fused.FusedGemvKernels} folds the residual RMSNorm into the in_proj GEMV and
 * the gated RMSNorm into the out_proj GEMV; at one or two rows {@link io.jmamba.kernels.fused.FusedGemvStagedKernels}
 * (the row staged once per work-group) or the warp forms. Beyond the GEMVs' rows convSsm gates y and
 * {@link io.jmamba.kernels.fused.PreGatedNormKernels} normalises it for the GEMM.
 * {@link io.jmamba.kernels.fused.FusedEmbedGemvKernels} (-Djmamba.decode.embedGemv=true) lets the first layer's
 * staged in_proj look its rows up in the embedding, so no embedding launch precedes it. Every one of these kernels
 * loads what the previous launch does not write (weights, old states) before
 * {@link io.jmamba.runtime.api.KernelContext#gridDependencyWait()}, so that with programmatic dependent launch
 * (CUDA, compute capability 9.0+) those loads overlap the previous kernel. {@link io.jmamba.kernels.fused.Mamba2Decode}
 * adds them to a task graph.
 */
package io.jmamba.kernels.fused;
