package io.jmamba.kernels.norm;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelMath;
import io.jmamba.runtime.api.Parallel;
import io.jmamba.runtime.api.Specialize;

/**
 * RMSNorm kernels: one work-item per row (residual norm) or per (row, group) (gated norm), each
 * reading its row twice. Rows are short (d_model), so the second pass hits the cache; the model's
 * token count gives the parallelism.
 */
public final class NormKernels {
    private NormKernels() {
    }

    /**
     * residualOut = x + residual (or x); out = residualOut * rsqrt(mean(residualOut^2) + eps) * weight.
     * {@code residualOut} may be the same array as {@code residual}: each element is read before it is written.
     */
    public static void rmsNormResidual(FloatArray x, FloatArray residual, FloatArray weight, FloatArray out,
                                       FloatArray residualOut, int rows, int dim, float eps,
                                       @Specialize boolean hasResidual) {
        for (@Parallel int r = 0; r < rows; r++) {
            long base = (long) r * dim;
            float ss = 0f;
            for (int i = 0; i < dim; i++) {
                float v = x.get(base + i);
                if (hasResidual) {
                    v += residual.get(base + i);
                }
                residualOut.set(base + i, v);
                ss += v * v;
            }
            float scale = KernelMath.rsqrt(ss / dim + eps);
            for (int i = 0; i < dim; i++) {
                out.set(base + i, residualOut.get(base + i) * scale * weight.get(i));
            }
        }
    }

    /**
     * Mamba-2's grouped gated RMSNorm over (rows, dim) with statistics per group of {@code groupSize}
     * columns: rmsnorm_g(x * silu(z)) * w, or with {@code normBeforeGate} rmsnorm_g(x) * w * silu(z).
     */
    public static void gatedRmsNorm(FloatArray x, FloatArray z, FloatArray weight, FloatArray out, int rows, int dim,
                                    int groupSize, float eps, @Specialize boolean hasZ, @Specialize boolean normBeforeGate) {
        int groups = dim / groupSize;
        for (@Parallel int r = 0; r < rows; r++) {
            for (@Parallel int g = 0; g < groups; g++) {
                long base = (long) r * dim + (long) g * groupSize;
                float ss = 0f;
                for (int i = 0; i < groupSize; i++) {
                    float v = x.get(base + i);
                    if (hasZ && !normBeforeGate) {
                        v = v * silu(z.get(base + i));
                    }
                    ss += v * v;
                }
                float scale = KernelMath.rsqrt(ss / groupSize + eps);
                for (int i = 0; i < groupSize; i++) {
                    float v = x.get(base + i);
                    float y;
                    if (hasZ && !normBeforeGate) {
                        y = v * silu(z.get(base + i)) * scale * weight.get(g * groupSize + i);
                    } else {
                        y = v * scale * weight.get(g * groupSize + i);
                        if (hasZ) {
                            y = y * silu(z.get(base + i));
                        }
                    }
                    out.set(base + i, y);
                }
            }
        }
    }

    static float silu(float v) {
        return v / (1f + KernelMath.exp(-v));
    }
}
