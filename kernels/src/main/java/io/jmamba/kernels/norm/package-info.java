/**
 * RMSNorm with the residual add that starts each block (residual kept in fp32) and Mamba-2's grouped
 * gated RMSNorm: {@link io.jmamba.kernels.norm.NormReference} states the arithmetic,
 * {@link io.jmamba.kernels.norm.NormKernels} holds the loop and 256-item work-group kernels,
 * {@link io.jmamba.kernels.norm.NormWideKernels} the decode-shaped ones the host APIs use by default
 * ({@link io.jmamba.kernels.norm.NormVariant}), and
 * {@link io.jmamba.kernels.norm.RmsNorm} / {@link io.jmamba.kernels.norm.GatedRmsNorm} are the host APIs.
 */
package io.jmamba.kernels.norm;
