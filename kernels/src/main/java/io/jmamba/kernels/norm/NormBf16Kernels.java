package io.jmamba.kernels.norm;

import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.KernelMath;

/**
 * {@link NormWideKernels#gatedRmsNorm} for a bf16 Mamba-2 prefill: x (the SSD output y) is read in bf16, the
 * gate z in fp32 straight out of a wider row (in_proj's [z | xBC | dt], row stride {@code zStride}, so no
 * split copies it first), statistics in fp32 (as mamba_ssm's RMSNormGated), and the result written in fp32
 * or, for a bf16 GEMM that follows, rounded to bf16 ({@code bf16Out}: {@code outBf16} is written,
 * {@code out} is not touched) so that no cast kernel runs between the norm and out_proj.
 *
 * <p>Launch as {@link NormWideKernels#gatedRmsNorm}: 1D, one work-group per (row, norm group), local size
 * {@link NormWideKernels#localSize}(groupSize).
 */
public final class NormBf16Kernels {
    private NormBf16Kernels() {
    }

    /**
     * out = rmsnorm_g(x * silu(z)) * weight, or with {@code normBeforeGate} rmsnorm_g(x) * weight * silu(z);
     * x and out (rows, dim) dense, z[row, col] at {@code row * zStride + col}.
     */
    public static void gatedRmsNormBf16(KernelContext ctx, BFloat16Array x, FloatArray z, int zStride, FloatArray weight,
                                        FloatArray out, BFloat16Array outBf16, int rows, int dim, int groupSize, float eps,
                                        boolean normBeforeGate, boolean bf16Out) {
        float[] partial = ctx.allocateFloatLocalArray(NormWideKernels.MAX_LOCAL / KernelContext.WARP_SIZE);
        int lid = ctx.localIdx;
        int width = ctx.localGroupSizeX;
        int groups = dim / groupSize;
        int g = ctx.groupIdx % groups;
        int row = ctx.groupIdx / groups;
        long base = (long) row * dim + (long) g * groupSize;
        long zBase = (long) row * zStride + (long) g * groupSize;
        int wBase = g * groupSize;
        float[] v = new float[NormWideKernels.SLOTS];
        float[] gate = new float[NormWideKernels.SLOTS];
        float[] w = new float[NormWideKernels.SLOTS];
        for (int k = 0; k < NormWideKernels.SLOTS; k++) {
            int i = lid + k * width;
            if (i < groupSize) {
                v[k] = x.get(base + i);
                gate[k] = z.get(zBase + i);
                w[k] = weight.get(wBase + i);
            }
        }
        float ss = 0f;
        for (int k = 0; k < NormWideKernels.SLOTS; k++) {
            gate[k] = NormKernels.silu(gate[k]);
            if (!normBeforeGate) {
                v[k] = v[k] * gate[k];
            }
            ss = KernelMath.fma(v[k], v[k], ss); // slots past the group hold 0
        }
        for (int i = lid + NormWideKernels.SLOTS * width; i < groupSize; i += width) {
            float t = x.get(base + i);
            if (!normBeforeGate) {
                t = t * NormKernels.silu(z.get(zBase + i));
            }
            ss = KernelMath.fma(t, t, ss);
        }
        float scale = KernelMath.rsqrt(NormWideKernels.groupSum(ctx, partial, lid, width, ss) / groupSize + eps);
        for (int k = 0; k < NormWideKernels.SLOTS; k++) {
            int i = lid + k * width;
            if (i < groupSize) {
                float y = v[k] * scale * w[k];
                if (normBeforeGate) {
                    y = y * gate[k];
                }
                if (bf16Out) {
                    outBf16.set(base + i, y);
                } else {
                    out.set(base + i, y);
                }
            }
        }
        for (int i = lid + NormWideKernels.SLOTS * width; i < groupSize; i += width) {
            float t = x.get(base + i);
            float s = NormKernels.silu(z.get(zBase + i));
            float y = normBeforeGate ? t * scale * weight.get(wBase + i) * s : t * s * scale * weight.get(wBase + i);
            if (bf16Out) {
                outBf16.set(base + i, y);
            } else {
                out.set(base + i, y);
            }
        }
    }

    /**
     * {@link NormWideKernels#rmsNormResidual} with the normalised output rounded to bf16 (the input of a bf16
     * GEMM: in_proj on cuBLAS), the residual stream kept in fp32. Launch as that kernel.
     */
    public static void rmsNormResidualBf16Out(KernelContext ctx, FloatArray x, FloatArray residual, FloatArray weight,
                                              BFloat16Array out, FloatArray residualOut, int rows, int dim, float eps,
                                              boolean hasResidual) {
        float[] partial = ctx.allocateFloatLocalArray(NormWideKernels.MAX_LOCAL / KernelContext.WARP_SIZE);
        int lid = ctx.localIdx;
        int width = ctx.localGroupSizeX;
        long base = (long) ctx.groupIdx * dim;
        float[] v = new float[NormWideKernels.SLOTS];
        float[] w = new float[NormWideKernels.SLOTS];
        for (int k = 0; k < NormWideKernels.SLOTS; k++) {
            int i = lid + k * width;
            if (i < dim) {
                w[k] = weight.get(i);
            }
        }
        // the weight above overlaps the previous launch's tail (programmatic dependent launch on CUDA)
        ctx.gridDependencyWait();
        ctx.launchDependents();
        for (int k = 0; k < NormWideKernels.SLOTS; k++) {
            int i = lid + k * width;
            if (i < dim) {
                v[k] = x.get(base + i);
                if (hasResidual) {
                    v[k] += residual.get(base + i);
                }
            }
        }
        // stores after all loads: residualOut may be residual itself
        float ss = 0f;
        for (int k = 0; k < NormWideKernels.SLOTS; k++) {
            int i = lid + k * width;
            if (i < dim) {
                residualOut.set(base + i, v[k]);
                ss = KernelMath.fma(v[k], v[k], ss);
            }
        }
        for (int i = lid + NormWideKernels.SLOTS * width; i < dim; i += width) {
            float t = x.get(base + i);
            if (hasResidual) {
                t += residual.get(base + i);
            }
            residualOut.set(base + i, t);
            ss = KernelMath.fma(t, t, ss);
        }
        float scale = KernelMath.rsqrt(NormWideKernels.groupSum(ctx, partial, lid, width, ss) / dim + eps);
        for (int k = 0; k < NormWideKernels.SLOTS; k++) {
            int i = lid + k * width;
            if (i < dim) {
                out.set(base + i, v[k] * scale * w[k]);
            }
        }
        for (int i = lid + NormWideKernels.SLOTS * width; i < dim; i += width) {
            // this item wrote residualOut[base + i] above, so no barrier is needed to read it back
            out.set(base + i, residualOut.get(base + i) * scale * weight.get(i));
        }
    }
}
