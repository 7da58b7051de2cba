package io.jmamba.kernels.norm;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.KernelMath;

/**
 * The work-group forms of {@link NormKernels} shaped for decoding (a handful of rows): the work-group
 * is as wide as about half the row ({@link #localSize}, up to 1024 work-items), each work-item loads
 * all of its elements and their weights up front (up to {@link #SLOTS} per item kept in registers, so
 * the second pass reads no memory and several loads are in flight at once), and the sum of squares is
 * a warp reduction followed by one over the warps' sums: two barriers instead of eight. The 256-item
 * forms walked a 1536-wide row six elements per item with a load round trip each, twice.
 *
 * <p>Launch: 1D, one work-group per row (or per (row, norm group)), local size {@link #localSize} of the
 * row length (a multiple of 32). Elements past {@code SLOTS * localSize} are handled by a strided tail
 * loop that reads them again in the second pass, so any row length is correct.
 */
public final class NormWideKernels {
    private NormWideKernels() {
    }

    /** Elements per work-item held in registers between the two passes. */
    public static final int SLOTS = 4;
    /** The widest work-group (CUDA's limit). */
    public static final int MAX_LOCAL = 1024;
    private static final int MAX_WARPS = MAX_LOCAL / KernelContext.WARP_SIZE;

    /** Local size for rows of {@code n} elements: about two elements per work-item, a multiple of 32, 32 to 1024. */
    public static int localSize(int n) {
        int half = (n + 1) / 2;
        int rounded = (half + KernelContext.WARP_SIZE - 1) / KernelContext.WARP_SIZE * KernelContext.WARP_SIZE;
        return Math.max(KernelContext.WARP_SIZE, Math.min(MAX_LOCAL, rounded));
    }

    /** {@link NormKernels#rmsNormResidual}; grid (rows * local), local {@link #localSize}(dim). */
    public static void rmsNormResidual(KernelContext ctx, FloatArray x, FloatArray residual, FloatArray weight,
                                       FloatArray out, FloatArray residualOut, int rows, int dim, float eps,
                                       boolean hasResidual) {
        float[] partial = ctx.allocateFloatLocalArray(MAX_WARPS);
        int lid = ctx.localIdx;
        int width = ctx.localGroupSizeX;
        long base = (long) ctx.groupIdx * dim;
        float[] v = new float[SLOTS];
        float[] w = new float[SLOTS];
        for (int k = 0; k < SLOTS; k++) {
            int i = lid + k * width;
            if (i < dim) {
                w[k] = weight.get(i);
            }
        }
        // the weight above overlaps the previous launch's tail (programmatic dependent launch on CUDA); x and the
        // residual come from it
        ctx.gridDependencyWait();
        ctx.launchDependents();
        for (int k = 0; k < SLOTS; k++) {
            int i = lid + k * width;
            if (i < dim) {
                v[k] = x.get(base + i);
                if (hasResidual) {
                    v[k] += residual.get(base + i);
                }
            }
        }
        // stores after all loads: residualOut may be residual itself, which would pin each load behind a store
        float ss = 0f;
        for (int k = 0; k < SLOTS; k++) {
            int i = lid + k * width;
            if (i < dim) {
                residualOut.set(base + i, v[k]);
                ss = KernelMath.fma(v[k], v[k], ss);
            }
        }
        for (int i = lid + SLOTS * width; i < dim; i += width) {
            float t = x.get(base + i);
            if (hasResidual) {
                t += residual.get(base + i);
            }
            residualOut.set(base + i, t);
            ss = KernelMath.fma(t, t, ss);
        }
        float scale = KernelMath.rsqrt(groupSum(ctx, partial, lid, width, ss) / dim + eps);
        for (int k = 0; k < SLOTS; k++) {
            int i = lid + k * width;
            if (i < dim) {
                out.set(base + i, v[k] * scale * w[k]);
            }
        }
        for (int i = lid + SLOTS * width; i < dim; i += width) {
            // this item wrote residualOut[base + i] above, so no barrier is needed to read it back
            out.set(base + i, residualOut.get(base + i) * scale * weight.get(i));
        }
    }

    /**
     * {@link NormKernels#gatedRmsNorm}; grid (rows * groups * local), local {@link #localSize}(groupSize).
     * {@code out} may be {@code x}: every element is read before any is written.
     */
    public static void gatedRmsNorm(KernelContext ctx, FloatArray x, FloatArray z, FloatArray weight, FloatArray out,
                                    int rows, int dim, int groupSize, float eps, boolean hasZ, boolean normBeforeGate) {
        float[] partial = ctx.allocateFloatLocalArray(MAX_WARPS);
        int lid = ctx.localIdx;
        int width = ctx.localGroupSizeX;
        int groups = dim / groupSize;
        int g = ctx.groupIdx % groups;
        long base = (long) (ctx.groupIdx / groups) * dim + (long) g * groupSize;
        int wBase = g * groupSize;
        boolean gateFirst = hasZ && !normBeforeGate;
        float[] v = new float[SLOTS];
        float[] gate = new float[SLOTS];
        float[] w = new float[SLOTS];
        for (int k = 0; k < SLOTS; k++) {
            int i = lid + k * width;
            if (i < groupSize) {
                v[k] = x.get(base + i);
                if (hasZ) {
                    gate[k] = z.get(base + i);
                }
                w[k] = weight.get(wBase + i);
            }
        }
        float ss = 0f;
        for (int k = 0; k < SLOTS; k++) {
            if (hasZ) {
                gate[k] = NormKernels.silu(gate[k]);
            }
            if (gateFirst) {
                v[k] = v[k] * gate[k];
            }
            ss = KernelMath.fma(v[k], v[k], ss); // slots past the group hold 0
        }
        for (int i = lid + SLOTS * width; i < groupSize; i += width) {
            float t = x.get(base + i);
            if (gateFirst) {
                t = t * NormKernels.silu(z.get(base + i));
            }
            ss = KernelMath.fma(t, t, ss);
        }
        float scale = KernelMath.rsqrt(groupSum(ctx, partial, lid, width, ss) / groupSize + eps);
        for (int k = 0; k < SLOTS; k++) {
            int i = lid + k * width;
            if (i < groupSize) {
                float y = v[k] * scale * w[k];
                if (hasZ && normBeforeGate) {
                    y = y * gate[k];
                }
                out.set(base + i, y);
            }
        }
        for (int i = lid + SLOTS * width; i < groupSize; i += width) {
            // the tail is read again here, so with out == x only the tail items' own elements are involved
            float t = x.get(base + i);
            float y;
            if (gateFirst) {
                y = t * NormKernels.silu(z.get(base + i)) * scale * weight.get(wBase + i);
            } else {
                y = t * scale * weight.get(wBase + i);
                if (hasZ) {
                    y = y * NormKernels.silu(z.get(base + i));
                }
            }
            out.set(base + i, y);
        }
    }

    /**
     * Sum of {@code value} over the work-group of {@code width} items: each warp's sum, then the warps'
     * sums added by every warp (so every item gets the total without a third barrier).
     */
    static float groupSum(KernelContext ctx, float[] partial, int lid, int width, float value) {
        float warpSum = ctx.warpReduceSum(value);
        if (ctx.laneId() == 0) {
            partial[lid / KernelContext.WARP_SIZE] = warpSum;
        }
        ctx.localBarrier();
        int lane = ctx.laneId();
        float mine = lane < width / KernelContext.WARP_SIZE ? partial[lane] : 0f;
        return ctx.warpReduceSum(mine);
    }
}
