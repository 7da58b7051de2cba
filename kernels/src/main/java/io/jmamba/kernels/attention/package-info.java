/**
 * Softmax attention, the quadratic baseline: a flash-style kernel (online softmax, memory linear
 * in the length), a tiled variant sharing key/value tiles in local memory, and a naive form that
 * materialises the scores. Host API: {@link io.jmamba.kernels.attention.CausalAttention}.
 * bf16 inputs on tensor cores (FlashAttention-2 style, register-fragment MMAs):
 * {@link io.jmamba.kernels.attention.CausalAttentionBf16} and
 * {@link io.jmamba.kernels.attention.FlashAttentionBf16Kernel}.
 */
package io.jmamba.kernels.attention;
