/**
 * What the kernel host APIs share: {@link io.jmamba.kernels.support.Tensor} (a FloatArray with a
 * shape), shape checks with messages that name the argument, launch-grid helpers, scalar
 * activations kernels call, and the one-call graph runner.
 */
package io.jmamba.kernels.support;
