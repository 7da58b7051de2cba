package io.jmamba.kernels.fused;

import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.KernelMath;
import io.jmamba.runtime.api.Specialize;

/**
 * The grouped RMSNorm between convSsm and out_proj beyond the fused GEMVs' rows, when convSsm has already gated
 * y ({@link Mamba2DecodeKernels#GATE_Z}: g = y * silu(z); norm_before_gate = false), plus the conv-state shift.
 * It replaces {@link Mamba2DecodeKernels#gatedNormShift}, which took 11.8 us at batch 64 on the H100 for 64 rows
 * of 1536: each row's work-group computed silu(z) twice (two exps per element), read y and z twice and reduced
 * through an 8-barrier tree. Here an item keeps its columns of g in registers ({@link #SLOTS} at most), the
 * squares meet in a warp reduction and one barrier, and the result is written once, in fp32 or in bf16 for a
 * bf16 GEMM ({@link #normShiftBf16Out}). Same values as the unfused gated norm up to the sum's order.
 *
 * <p>Before {@link KernelContext#gridDependencyWait()} (programmatic dependent launch on CUDA) an item loads its
 * norm-weight columns and the old conv state of its channel, neither written by convSsm, the launch before.
 * Grid: {@code groups} work-groups of {@link #GROUP}: the first {@code batch * dInner / groupSize} normalise one
 * (sequence, norm group) each; every item shifts at most one conv channel ({@code groups * GROUP >= batch * convDim}).
 */
public final class PreGatedNormKernels {
    private PreGatedNormKernels() {
    }

    /** Work-items per work-group. */
    public static final int GROUP = 256;
    /** Columns of a norm group an item holds: norm groups of up to {@code SLOTS * GROUP} (2048) columns. */
    public static final int SLOTS = 8;
    static final int WARPS = GROUP / KernelContext.WARP_SIZE;

    /** out = rmsnorm_g(g) * weight (fp32), and the conv-state shift. */
    public static void normShift(KernelContext ctx, FloatArray g, FloatArray zxbcdt, FloatArray weight, FloatArray out,
                                 FloatArray convState, int batch, int dInner, int inRows, int convDim,
                                 @Specialize int groupSize, float eps, @Specialize int width) {
        float[] partial = ctx.allocateFloatLocalArray(WARPS);
        float[] v = new float[SLOTS];
        float[] w = new float[SLOTS];
        float[] shifted = new float[width];
        int lid = ctx.localIdx;
        int normGroups = dInner / groupSize;
        boolean norm = ctx.groupIdx < batch * normGroups;
        int bi = ctx.groupIdx / normGroups;
        int q = ctx.groupIdx - bi * normGroups;
        int stateLen = width - 1;
        long chn = (long) ctx.groupIdx * GROUP + lid;
        boolean shifts = chn < (long) batch * convDim;
        if (norm) {
            for (int k = 0; k < SLOTS; k++) {
                int i = lid + k * GROUP;
                if (i < groupSize) {
                    w[k] = weight.get(q * groupSize + i);
                }
            }
        }
        if (shifts) {
            for (int i = 0; i < stateLen - 1; i++) {
                shifted[i] = convState.get(chn * stateLen + i + 1);
            }
        }
        ctx.gridDependencyWait();
        ctx.launchDependents();
        if (shifts) {
            long bj = chn / convDim;
            shifted[stateLen - 1] = zxbcdt.get(bj * inRows + dInner + (chn - bj * convDim));
        }
        long base = (long) bi * dInner + (long) q * groupSize;
        float ss = 0f;
        if (norm) {
            for (int k = 0; k < SLOTS; k++) {
                int i = lid + k * GROUP;
                if (i < groupSize) {
                    v[k] = g.get(base + i);
                    ss += v[k] * v[k];
                }
            }
        }
        // every work-group goes through the reduction's barriers (warpReduceSum is one on OpenCL), the shift-only ones
        // with zeros: with them inside `if (norm)`, PoCL ran the last slot's store below for every item at norm groups of
        // 1793..2047 columns, past the group (past out's end for the last one; see GatedNormShiftGuardTest)
        ss = ctx.warpReduceSum(ss);
        if (ctx.laneId() == 0) {
            partial[lid / KernelContext.WARP_SIZE] = ss;
        }
        ctx.localBarrier();
        if (norm) {
            float total = 0f;
            for (int j = 0; j < WARPS; j++) {
                total += partial[j];
            }
            float scale = KernelMath.rsqrt(total / groupSize + eps);
            for (int k = 0; k < SLOTS; k++) {
                int i = lid + k * GROUP;
                if (i < groupSize) {
                    out.set(base + i, v[k] * scale * w[k]);
                }
            }
        }
        if (shifts) {
            for (int i = 0; i < stateLen; i++) {
                convState.set(chn * stateLen + i, shifted[i]);
            }
        }
    }

    /** {@link #normShift} writing out in bf16 (nearest even: what a cast before the bf16 GEMM would make of it). */
    public static void normShiftBf16Out(KernelContext ctx, FloatArray g, FloatArray zxbcdt, FloatArray weight,
                                        BFloat16Array out, FloatArray convState, int batch, int dInner, int inRows,
                                        int convDim, @Specialize int groupSize, float eps, @Specialize int width) {
        float[] partial = ctx.allocateFloatLocalArray(WARPS);
        float[] v = new float[SLOTS];
        float[] w = new float[SLOTS];
        float[] shifted = new float[width];
        int lid = ctx.localIdx;
        int normGroups = dInner / groupSize;
        boolean norm = ctx.groupIdx < batch * normGroups;
        int bi = ctx.groupIdx / normGroups;
        int q = ctx.groupIdx - bi * normGroups;
        int stateLen = width - 1;
        long chn = (long) ctx.groupIdx * GROUP + lid;
        boolean shifts = chn < (long) batch * convDim;
        if (norm) {
            for (int k = 0; k < SLOTS; k++) {
                int i = lid + k * GROUP;
                if (i < groupSize) {
                    w[k] = weight.get(q * groupSize + i);
                }
            }
        }
        if (shifts) {
            for (int i = 0; i < stateLen - 1; i++) {
                shifted[i] = convState.get(chn * stateLen + i + 1);
            }
        }
        ctx.gridDependencyWait();
        ctx.launchDependents();
        if (shifts) {
            long bj = chn / convDim;
            shifted[stateLen - 1] = zxbcdt.get(bj * inRows + dInner + (chn - bj * convDim));
        }
        long base = (long) bi * dInner + (long) q * groupSize;
        float ss = 0f;
        if (norm) {
            for (int k = 0; k < SLOTS; k++) {
                int i = lid + k * GROUP;
                if (i < groupSize) {
                    v[k] = g.get(base + i);
                    ss += v[k] * v[k];
                }
            }
        }
        // the reduction's barriers outside `if (norm)`, as in normShift
        ss = ctx.warpReduceSum(ss);
        if (ctx.laneId() == 0) {
            partial[lid / KernelContext.WARP_SIZE] = ss;
        }
        ctx.localBarrier();
        if (norm) {
            float total = 0f;
            for (int j = 0; j < WARPS; j++) {
                total += partial[j];
            }
            float scale = KernelMath.rsqrt(total / groupSize + eps);
            for (int k = 0; k < SLOTS; k++) {
                int i = lid + k * GROUP;
                if (i < groupSize) {
                    out.set(base + i, v[k] * scale * w[k]);
                }
            }
        }
        if (shifts) {
            for (int i = 0; i < stateLen; i++) {
                convState.set(chn * stateLen + i, shifted[i]);
            }
        }
    }
}
