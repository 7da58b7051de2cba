package io.jmamba.kernels.fused;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.KernelMath;
import io.jmamba.runtime.api.Specialize;

/**
 * The out_proj GEMV of a Mamba-2 decode step at batch 1 or 2 when the gate comes before the norm
 * (norm_before_gate = false) and {@link Mamba2DecodeKernels#convSsm} has already applied it
 * ({@link Mamba2DecodeKernels#GATE_Z}: its y is g = y * silu(z)). Then every warp only needs g's squares per
 * norm group, which it forms from the registers it loads g into for the dot product anyway: no exp, no z
 * reads. In {@link FusedGemvWarpKernels#gatedNormGemvBf16} each warp recomputed silu(z) for the whole row
 * (1536 exps per 2 outputs: 15 us on the H100 for 2.4 MB of W).
 *
 * <p>One output per warp, {@link #WARPS} warps per work-group: twice the warps in flight, each with its
 * row's {@link FusedGemvWarpKernels#CHUNKS} 16-byte W loads issued first (same packed bf16 layout and lane
 * columns as {@link FusedGemvWarpKernels}). The gated norm's weight multiplies g as it is loaded; the group's
 * rsqrt scale multiplies the per-group partial dot products at the end. Also shifts the conv state, as the
 * kernel it replaces. Grid ({@code ceil(out / WARPS) * GROUP}, {@code rows}), local ({@link #GROUP}, 1).
 */
public final class FusedGemvGatedWarpKernels {
    private FusedGemvGatedWarpKernels() {
    }

    /** Warps per work-group, one output each. */
    public static final int WARPS = 4;
    /** Work-items per work-group. */
    public static final int GROUP = WARPS * KernelContext.WARP_SIZE;

    /**
     * out = (grouped RMSNorm of the pre-gated {@code g}) * gateW . W^T (+ bias) for one row per grid row, and the
     * conv-state shift of the row (its channels spread over the row's {@code groupsX} work-groups).
     */
    public static void preGatedGemvBf16(KernelContext ctx, FloatArray g, FloatArray zxbcdt, FloatArray gateW, FloatArray w,
                                        FloatArray bias, FloatArray y, FloatArray convState, int rows, @Specialize int in,
                                        int out, int inRows, int convDim, @Specialize int groupSize, float eps,
                                        boolean hasBias, int groupsX, @Specialize int width) {
        float[] x = new float[8 * FusedGemvWarpKernels.CHUNKS];
        float[] wv = new float[4 * FusedGemvWarpKernels.CHUNKS];
        float[] ssg = new float[FusedGemvKernels.MAX_NORM_GROUPS];
        float[] part = new float[FusedGemvKernels.MAX_NORM_GROUPS];
        float[] t = new float[8];
        int lid = ctx.localIdx;
        int lane = lid % KernelContext.WARP_SIZE;
        int warp = lid / KernelContext.WARP_SIZE;
        int row = ctx.groupIdy;
        int o = ctx.groupIdx * WARPS + warp;
        int inP = in / 2;
        // W first: DRAM, independent of everything else
        if (o < out) {
            long wRow = (long) o * inP;
            for (int j = 0; j < FusedGemvWarpKernels.CHUNKS; j++) {
                int kp = 4 * lane + 4 * KernelContext.WARP_SIZE * j;
                if (kp + 4 <= inP) {
                    w.get4(wRow + kp, wv, 4 * j);
                }
            }
        }
        // the gated norm's weight (DRAM as well: a step's weights do not stay in L2)
        float[] gw = new float[8 * FusedGemvWarpKernels.CHUNKS];
        for (int j = 0; j < FusedGemvWarpKernels.CHUNKS; j++) {
            int c = 8 * lane + 8 * KernelContext.WARP_SIZE * j;
            if (c + 8 <= in) {
                gateW.get4(c, gw, 8 * j);
                gateW.get4(c + 4, gw, 8 * j + 4);
            }
        }
        long gb = (long) row * in;
        long zb = (long) row * inRows;
        // the conv-state shift of this item's first channel: loaded now, stored at the end (convSsm, the launch
        // before this one, reads the old state and writes none of it)
        int stateLen = width - 1;
        int c0 = ctx.groupIdx * GROUP + lid;
        float[] shifted = new float[width];
        if (c0 < convDim) {
            long sAt = ((long) row * convDim + c0) * stateLen;
            for (int i = 0; i < stateLen - 1; i++) {
                shifted[i] = convState.get(sAt + i + 1);
            }
        }
        // everything above is weights or state the launch before does not write; g comes from convSsm and
        // xBC from in_proj (programmatic dependent launch on CUDA: the loads above overlap convSsm's tail)
        ctx.gridDependencyWait();
        ctx.launchDependents();
        if (c0 < convDim) {
            shifted[stateLen - 1] = zxbcdt.get(zb + in + c0);
        }
        for (int q = 0; q < FusedGemvKernels.MAX_NORM_GROUPS; q++) {
            ssg[q] = 0f;
            part[q] = 0f;
        }
        for (int j = 0; j < FusedGemvWarpKernels.CHUNKS; j++) {
            int c = 8 * lane + 8 * KernelContext.WARP_SIZE * j;
            if (c + 8 <= in) {
                g.get4(gb + c, x, 8 * j);
                g.get4(gb + c + 4, x, 8 * j + 4);
                for (int e = 0; e < 8; e++) {
                    t[e] = gw[8 * j + e];
                }
                float sq = 0f;
                float dot = 0f;
                for (int e = 0; e < 4; e++) {
                    float v0 = x[8 * j + 2 * e];
                    float v1 = x[8 * j + 2 * e + 1];
                    sq = KernelMath.fma(v0, v0, sq);
                    sq = KernelMath.fma(v1, v1, sq);
                    if (o < out) {
                        int bits = Float.floatToRawIntBits(wv[4 * j + e]);
                        dot = KernelMath.fma(v0 * t[2 * e], Float.intBitsToFloat(bits << 16), dot);
                        dot = KernelMath.fma(v1 * t[2 * e + 1], Float.intBitsToFloat(bits & 0xffff0000), dot);
                    }
                }
                // groupSize % 8 == 0: the chunk's 8 columns are in one norm group
                int gi = c / groupSize;
                for (int q = 0; q < FusedGemvKernels.MAX_NORM_GROUPS; q++) {
                    if (gi == q) {
                        ssg[q] += sq;
                        part[q] += dot;
                    }
                }
            }
        }
        // MAX_NORM_GROUPS == 4, written out (warp reductions are work-group barriers on OpenCL: the conditions are
        // uniform, in and groupSize being constants, so the CUDA source keeps only the live groups' reductions);
        // each lane scales its own partial dot products, so one reduction of the sum suffices
        float a = part[0] * KernelMath.rsqrt(ctx.warpReduceSum(ssg[0]) / groupSize + eps);
        if (in > groupSize) {
            a = KernelMath.fma(part[1], KernelMath.rsqrt(ctx.warpReduceSum(ssg[1]) / groupSize + eps), a);
        }
        if (in > 2 * groupSize) {
            a = KernelMath.fma(part[2], KernelMath.rsqrt(ctx.warpReduceSum(ssg[2]) / groupSize + eps), a);
        }
        if (in > 3 * groupSize) {
            a = KernelMath.fma(part[3], KernelMath.rsqrt(ctx.warpReduceSum(ssg[3]) / groupSize + eps), a);
        }
        a = ctx.warpReduceSum(a);
        if (lane == 0 && o < out) {
            y.set((long) row * out + o, hasBias ? a + bias.get(o) : a);
        }
        if (c0 < convDim) {
            long sAt = ((long) row * convDim + c0) * stateLen;
            for (int i = 0; i < stateLen; i++) {
                convState.set(sAt + i, shifted[i]);
            }
        }
        // further channels where the row's work-items are fewer than its channels
        for (int c = c0 + groupsX * GROUP; c < convDim; c += groupsX * GROUP) {
            long s = ((long) row * convDim + c) * stateLen;
            for (int i = 0; i < stateLen - 1; i++) {
                convState.set(s + i, convState.get(s + i + 1));
            }
            convState.set(s + stateLen - 1, zxbcdt.get(zb + in + c));
        }
    }
}
