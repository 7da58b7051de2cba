package io.jmamba.kernels.nn;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelMath;
import io.jmamba.runtime.api.Parallel;

/**
 * Elementwise kernels over (rows, cols) tensors. Two parallel loops with int bounds and a long flat
 * index, so that tensors beyond 2^31 elements (a million tokens of thousands of channels) work. The
 * column loop is the outer one, i.e. launch dimension 0, so neighbouring work-items touch
 * neighbouring elements (coalesced).
 * {@code out} may be the same array as an input.
 */
public final class ElementwiseKernels {
    private ElementwiseKernels() {
    }

    /** out = softplus(x + bias[col]) (bias when {@code hasBias}): Mamba's dt activation. */
    public static void softplus(FloatArray x, FloatArray bias, FloatArray out, int rows, int cols, boolean hasBias) {
        for (@Parallel int c = 0; c < cols; c++) {
            for (@Parallel int r = 0; r < rows; r++) {
                long i = (long) r * cols + c;
                float v = x.get(i);
                if (hasBias) {
                    v += bias.get(c);
                }
                out.set(i, softplusScalar(v));
            }
        }
    }

    /** out = silu(x) = x * sigmoid(x). */
    public static void silu(FloatArray x, FloatArray out, int rows, int cols) {
        for (@Parallel int c = 0; c < cols; c++) {
            for (@Parallel int r = 0; r < rows; r++) {
                long i = (long) r * cols + c;
                out.set(i, siluScalar(x.get(i)));
            }
        }
    }

    /** out = x * silu(z): the Mamba-1 output gate. */
    public static void gate(FloatArray x, FloatArray z, FloatArray out, int rows, int cols) {
        for (@Parallel int c = 0; c < cols; c++) {
            for (@Parallel int r = 0; r < rows; r++) {
                long i = (long) r * cols + c;
                out.set(i, x.get(i) * siluScalar(z.get(i)));
            }
        }
    }

    /** out = a + b: the residual add. */
    public static void add(FloatArray a, FloatArray b, FloatArray out, int rows, int cols) {
        for (@Parallel int c = 0; c < cols; c++) {
            for (@Parallel int r = 0; r < rows; r++) {
                long i = (long) r * cols + c;
                out.set(i, a.get(i) + b.get(i));
            }
        }
    }

    // helpers are named apart from the kernels so that a kernel can be looked up by name alone
    /** log(1 + e^v), linear above 20 (as PyTorch's softplus threshold) so that e^v cannot overflow. */
    public static float softplusScalar(float v) {
        if (v <= 20f) {
            return KernelMath.log1p(KernelMath.exp(v));
        }
        return v;
    }

    public static float siluScalar(float v) {
        return v / (1f + KernelMath.exp(-v));
    }
}
