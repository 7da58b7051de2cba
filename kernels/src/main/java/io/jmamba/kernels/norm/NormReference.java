package io.jmamba.kernels.norm;

import io.jmamba.runtime.api.FloatArray;

/**
 * The specification of the norms as plain loops in double precision.
 * <ul>
 *   <li>Residual RMSNorm (pre-norm block input): {@code r = x + residual; out = r / sqrt(mean(r^2) + eps) * w},
 *       with {@code r} written back as the new residual (kept in fp32 as mamba_ssm's residual_in_fp32).</li>
 *   <li>Mamba-2 grouped gated RMSNorm: statistics per group of {@code groupSize} columns;
 *       {@code out = rmsnorm_g(x * silu(z)) * w}, or with norm_before_gate {@code out = rmsnorm_g(x) * w * silu(z)}.</li>
 * </ul>
 */
public final class NormReference {
    private NormReference() {
    }

    /**
     * @param residual    (rows, dim) or null for none (first layer)
     * @param residualOut (rows, dim): x + residual; may be the same array as {@code residual}
     */
    public static void rmsNormResidual(FloatArray x, FloatArray residual, FloatArray weight, FloatArray out,
                                       FloatArray residualOut, int rows, int dim, float eps) {
        double[] r = new double[dim];
        for (int row = 0; row < rows; row++) {
            long base = (long) row * dim;
            double ss = 0;
            for (int i = 0; i < dim; i++) {
                r[i] = (double) x.get(base + i) + (residual == null ? 0.0 : residual.get(base + i));
                ss += r[i] * r[i];
            }
            double scale = 1.0 / Math.sqrt(ss / dim + eps);
            for (int i = 0; i < dim; i++) {
                residualOut.set(base + i, (float) r[i]);
                out.set(base + i, (float) (r[i] * scale * weight.get(i)));
            }
        }
    }

    /** @param z (rows, dim) gate, or null for an ungated grouped RMSNorm */
    public static void gatedRmsNorm(FloatArray x, FloatArray z, FloatArray weight, FloatArray out, int rows, int dim,
                                    int groupSize, float eps, boolean normBeforeGate) {
        double[] v = new double[groupSize];
        for (int row = 0; row < rows; row++) {
            for (int g = 0; g < dim / groupSize; g++) {
                long base = (long) row * dim + (long) g * groupSize;
                double ss = 0;
                for (int i = 0; i < groupSize; i++) {
                    v[i] = x.get(base + i);
                    if (z != null && !normBeforeGate) {
                        v[i] *= silu(z.get(base + i));
                    }
                    ss += v[i] * v[i];
                }
                double scale = 1.0 / Math.sqrt(ss / groupSize + eps);
                for (int i = 0; i < groupSize; i++) {
                    double y = v[i] * scale * weight.get(g * groupSize + i);
                    if (z != null && normBeforeGate) {
                        y *= silu(z.get(base + i));
                    }
                    out.set(base + i, (float) y);
                }
            }
        }
    }

    static double silu(double v) {
        return v / (1.0 + Math.exp(-v));
    }
}
