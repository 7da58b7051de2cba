/**
 * The layers around the Mamba kernels: linear layers ({@link io.jmamba.kernels.nn.Linear}: tiled
 * GEMM, GEMV for few tokens), {@link io.jmamba.kernels.nn.Embedding}, {@link io.jmamba.kernels.nn.Argmax},
 * {@link io.jmamba.kernels.nn.GemvArgmax} (a decode step's bf16 lm_head GEMV, optionally with the final norm, writing
 * the argmax partials itself),
 * {@link io.jmamba.kernels.nn.Elementwise} (softplus, SiLU, gate, residual add) and
 * {@link io.jmamba.kernels.nn.Layout} (column blocks, transposes). {@link io.jmamba.kernels.nn.NnReference}
 * states what each computes; {@link io.jmamba.kernels.nn.ShapeCheck} and
 * {@link io.jmamba.kernels.nn.GraphParts} are shared by the ssd and norm host APIs too.
 */
package io.jmamba.kernels.nn;
