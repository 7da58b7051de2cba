/**
 * Depthwise causal conv1d: the forward over a sequence (with initial and final states) and the
 * decode update against a rolling state. Reference, kernels and host API
 * ({@link io.jmamba.kernels.conv.CausalConv1d}) as in {@code io.jmamba.kernels.scan}; the bf16 forward
 * ({@link io.jmamba.kernels.conv.CausalConv1dBf16} on {@link io.jmamba.kernels.support.Bf16Tensor}s) computes
 * in float32 from bf16 inputs and weights, as causal_conv1d's bf16 path.
 */
package io.jmamba.kernels.conv;

