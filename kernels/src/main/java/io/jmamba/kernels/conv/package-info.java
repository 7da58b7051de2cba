/**
 * Depthwise causal conv1d: the forward over a sequence (with initial and final states) and the
 * decode update against a rolling state. Reference, kernels and host API
 * ({@link io.jmamba.kernels.conv.CausalConv1d}) as in {@code io.jmamba.kernels.scan}.
 */
package io.jmamba.kernels.conv;
