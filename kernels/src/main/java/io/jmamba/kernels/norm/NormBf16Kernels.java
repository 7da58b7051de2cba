package io.jmamba.kernels.norm;

import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.KernelMath;

/**
 * {@link NormWideKernels#gatedRmsNorm} reading bf16 activations: the SSD output y and the gate z of a
 * bf16 Mamba-2 prefill (mamba_ssm's RMSNormGated takes them in bf16 and computes in fp32, as here).
 * Half the bytes read of the fp32 form; the statistics, weight and output stay fp32.
 *
 * <p>Launch as {@link NormWideKernels#gatedRmsNorm}: 1D, one work-group per (row, norm group), local size
 * {@link NormWideKernels#localSize}(groupSize).
 */
public final class NormBf16Kernels {
    private NormBf16Kernels() {
    }

    /** out = rmsnorm_g(x * silu(z)) * weight, or with {@code normBeforeGate} rmsnorm_g(x) * weight * silu(z). */
    public static void gatedRmsNormBf16(KernelContext ctx, BFloat16Array x, BFloat16Array z, FloatArray weight,
                                        FloatArray out, int rows, int dim, int groupSize, float eps, boolean normBeforeGate) {
        float[] partial = ctx.allocateFloatLocalArray(NormWideKernels.MAX_LOCAL / KernelContext.WARP_SIZE);
        int lid = ctx.localIdx;
        int width = ctx.localGroupSizeX;
        int groups = dim / groupSize;
        int g = ctx.groupIdx % groups;
        long base = (long) (ctx.groupIdx / groups) * dim + (long) g * groupSize;
        int wBase = g * groupSize;
        float[] v = new float[NormWideKernels.SLOTS];
        float[] gate = new float[NormWideKernels.SLOTS];
        float[] w = new float[NormWideKernels.SLOTS];
        for (int k = 0; k < NormWideKernels.SLOTS; k++) {
            int i = lid + k * width;
            if (i < groupSize) {
                v[k] = x.get(base + i);
                gate[k] = z.get(base + i);
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
                t = t * NormKernels.silu(z.get(base + i));
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
                out.set(base + i, y);
            }
        }
        for (int i = lid + NormWideKernels.SLOTS * width; i < groupSize; i += width) {
            float t = x.get(base + i);
            float s = NormKernels.silu(z.get(base + i));
            float y = normBeforeGate ? t * scale * weight.get(wBase + i) * s : t * s * scale * weight.get(wBase + i);
            out.set(base + i, y);
        }
    }
}
