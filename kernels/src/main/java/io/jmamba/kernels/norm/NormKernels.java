package io.jmamba.kernels.norm;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.KernelMath;
import io.jmamba.runtime.api.Parallel;

/**
 * RMSNorm kernels in two forms. The loop forms ({@link #rmsNormResidual}, {@link #gatedRmsNorm}) give
 * one work-item per row or (row, group): the readable statement. The work-group forms
 * ({@link #rmsNormResidualGroup}, {@link #gatedRmsNormGroup}) give each row or (row, group) a group of
 * {@link #GROUP} items that stride over its columns (neighbouring items read neighbouring elements)
 * and sum the squares in local memory; coalesced at many rows. The host APIs run these work-group
 * forms for {@link NormVariant#GROUP_256} and the decode-shaped {@link NormWideKernels} by default.
 */
public final class NormKernels {
    private NormKernels() {
    }

    /** Work-items per row (or per (row, group)) in the work-group forms; a power of two. */
    public static final int GROUP = 256;

    /**
     * residualOut = x + residual (or x); out = residualOut * rsqrt(mean(residualOut^2) + eps) * weight.
     * {@code residualOut} may be the same array as {@code residual}: each element is read before it is written.
     */
    public static void rmsNormResidual(FloatArray x, FloatArray residual, FloatArray weight, FloatArray out,
                                       FloatArray residualOut, int rows, int dim, float eps,
                                       boolean hasResidual) {
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
                                    int groupSize, float eps, boolean hasZ, boolean normBeforeGate) {
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

    /** {@link #rmsNormResidual} with one work-group per row: grid (rows * GROUP), local (GROUP). */
    public static void rmsNormResidualGroup(KernelContext ctx, FloatArray x, FloatArray residual, FloatArray weight,
                                            FloatArray out, FloatArray residualOut, int rows, int dim, float eps,
                                            boolean hasResidual) {
        float[] partial = ctx.allocateFloatLocalArray(GROUP);
        int lid = ctx.localIdx;
        long base = (long) ctx.groupIdx * dim;
        float ss = 0f;
        for (int i = lid; i < dim; i += GROUP) {
            float v = x.get(base + i);
            if (hasResidual) {
                v += residual.get(base + i);
            }
            residualOut.set(base + i, v);
            ss += v * v;
        }
        float scale = KernelMath.rsqrt(groupSum(ctx, partial, lid, ss) / dim + eps);
        for (int i = lid; i < dim; i += GROUP) {
            // this item wrote residualOut[base + i] above, so no barrier is needed to read it back
            out.set(base + i, residualOut.get(base + i) * scale * weight.get(i));
        }
    }

    /** {@link #gatedRmsNorm} with one work-group per (row, group): grid (rows * groups * GROUP), local (GROUP). */
    public static void gatedRmsNormGroup(KernelContext ctx, FloatArray x, FloatArray z, FloatArray weight, FloatArray out,
                                         int rows, int dim, int groupSize, float eps, boolean hasZ,
                                         boolean normBeforeGate) {
        float[] partial = ctx.allocateFloatLocalArray(GROUP);
        int lid = ctx.localIdx;
        int groups = dim / groupSize;
        int g = ctx.groupIdx % groups;
        long base = (long) (ctx.groupIdx / groups) * dim + (long) g * groupSize;
        float ss = 0f;
        for (int i = lid; i < groupSize; i += GROUP) {
            float v = x.get(base + i);
            if (hasZ && !normBeforeGate) {
                v = v * silu(z.get(base + i));
            }
            ss += v * v;
        }
        float scale = KernelMath.rsqrt(groupSum(ctx, partial, lid, ss) / groupSize + eps);
        for (int i = lid; i < groupSize; i += GROUP) {
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

    /** Sum of {@code value} over the work-group (tree in local memory); every item gets the total. */
    static float groupSum(KernelContext ctx, float[] partial, int lid, float value) {
        partial[lid] = value;
        ctx.localBarrier();
        for (int half = GROUP / 2; half > 0; half = half / 2) {
            if (lid < half) {
                partial[lid] = partial[lid] + partial[lid + half];
            }
            ctx.localBarrier();
        }
        float total = partial[0];
        ctx.localBarrier(); // nobody may overwrite partial[0] before everyone has read it
        return total;
    }

    static float silu(float v) {
        return v / (1f + KernelMath.exp(-v));
    }
}
