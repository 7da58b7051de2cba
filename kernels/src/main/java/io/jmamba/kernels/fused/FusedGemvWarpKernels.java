package io.jmamba.kernels.fused;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.KernelMath;
import io.jmamba.runtime.api.Specialize;

/**
 * The few-row (decode at batch 1 or 2) forms of {@link FusedGemvKernels}' bf16 kernels: every warp normalises
 * its row itself, in registers, and then computes {@link #OUTS} outputs from them. No local memory, no
 * work-group barriers: on the H100 the work-group forms spent most of their time in the shared-memory
 * staging and its 7-barrier reduction tree (the gated one reached 8.9% occupancy, 20 us for 2.4 MB of W).
 *
 * <p>Lane {@code l} holds columns {@code 8 l + 256 j} to {@code + 7} ({@code j < }{@link #CHUNKS}) of the
 * normalised row: exactly the columns whose packed bf16 weights it reads in the GEMV
 * ({@link io.jmamba.kernels.nn.GemvBf16PackedKernel}'s layout: a warp instruction moves 512 consecutive
 * bytes of W), so x never leaves the registers. The sums of squares are warp reductions. Grid
 * ({@code ceil(out / (WARPS * OUTS)) * GROUP}, {@code rows}), local ({@link #GROUP}, 1): one row per grid row;
 * {@code in} (and {@code groupSize}) specialised: the register rows hold exactly the live chunks and the
 * group index is a division by a constant. {@code in % 8 == 0}, {@code in <= }{@link FusedGemvKernels#MAX_IN}; the gated one also {@code groupSize % 8 == 0}
 * (a lane's 8 columns lie in one norm group).
 */
public final class FusedGemvWarpKernels {
    private FusedGemvWarpKernels() {
    }

    /** Warps per work-group (small groups: many of them per SM, nothing shared between the warps). */
    public static final int WARPS = 2;
    /** Work-items per work-group. */
    public static final int GROUP = WARPS * KernelContext.WARP_SIZE;
    /** Outputs per warp: the row's norm is computed once per warp, so this divides its redundant work. */
    public static final int OUTS = 2;
    /** 256-column chunks of a row a lane holds (8 columns each): MAX_IN / 256. */
    public static final int CHUNKS = FusedGemvKernels.MAX_IN / (8 * KernelContext.WARP_SIZE);

    /**
     * {@link FusedGemvKernels#normGemvBf16} with one row per grid row: residualOut = hidden (+ residualIn);
     * y = RMSNorm(residualOut) * normW . W^T (+ bias). Warp 0 of work-group 0 of each row writes residualOut
     * (which must not be residualIn).
     */
    public static void normGemvBf16(KernelContext ctx, FloatArray hidden, FloatArray residualIn, FloatArray normW, FloatArray w,
                                    FloatArray bias, FloatArray y, FloatArray residualOut, int rows, @Specialize int in, int out, float eps,
                                    boolean hasResidual, boolean writeResidual, boolean hasBias) {
        float[] x = new float[8 * CHUNKS];
        float[] t = new float[8];
        int lid = ctx.localIdx;
        int lane = lid % KernelContext.WARP_SIZE;
        int warp = lid / KernelContext.WARP_SIZE;
        int row = ctx.groupIdy;
        // W first: the weights do not depend on the norm, so their DRAM latency overlaps the norm's L2 reads
        // and reductions (OUTS * CHUNKS 16-byte loads in flight per lane)
        int o0 = (ctx.groupIdx * WARPS + warp) * OUTS;
        float[] wv = new float[OUTS * 4 * CHUNKS];
        int inP = in / 2;
        FusedGemvWarpKernels.loadRows(w, wv, lane, o0, inP, out);
        // the norm weight too (DRAM as well: a step's weights do not stay in L2)
        float[] nw = new float[8 * CHUNKS];
        for (int j = 0; j < CHUNKS; j++) {
            int c = 8 * lane + 8 * KernelContext.WARP_SIZE * j;
            if (c + 8 <= in) {
                normW.get4(c, nw, 8 * j);
                normW.get4(c + 4, nw, 8 * j + 4);
            }
        }
        // everything above is weights; hidden and the residual come from the launches before (programmatic
        // dependent launch on CUDA: this kernel's weight loads overlap the previous kernel's tail)
        ctx.gridDependencyWait();
        ctx.launchDependents();
        long base = (long) row * in;
        boolean writer = writeResidual && ctx.groupIdx == 0 && warp == 0;
        float ss = 0f;
        for (int j = 0; j < CHUNKS; j++) {
            int c = 8 * lane + 8 * KernelContext.WARP_SIZE * j;
            if (c + 8 <= in) {
                hidden.get4(base + c, x, 8 * j);
                hidden.get4(base + c + 4, x, 8 * j + 4);
                if (hasResidual) {
                    residualIn.get4(base + c, t, 0);
                    residualIn.get4(base + c + 4, t, 4);
                    for (int e = 0; e < 8; e++) {
                        x[8 * j + e] = x[8 * j + e] + t[e];
                    }
                }
                if (writer) {
                    residualOut.set4(base + c, x, 8 * j);
                    residualOut.set4(base + c + 4, x, 8 * j + 4);
                }
                for (int e = 0; e < 8; e++) {
                    ss += x[8 * j + e] * x[8 * j + e];
                }
            }
        }
        float scale = KernelMath.rsqrt(ctx.warpReduceSum(ss) / in + eps);
        for (int j = 0; j < CHUNKS; j++) {
            int c = 8 * lane + 8 * KernelContext.WARP_SIZE * j;
            if (c + 8 <= in) {
                for (int e = 0; e < 8; e++) {
                    x[8 * j + e] = x[8 * j + e] * scale * nw[8 * j + e];
                }
            }
        }
        float[] acc = new float[OUTS];
        for (int u = 0; u < OUTS; u++) {
            float a = 0f;
            if (o0 + u < out) {
                for (int j = 0; j < CHUNKS; j++) {
                    int kp = 4 * lane + 4 * KernelContext.WARP_SIZE * j;
                    if (kp + 4 <= inP) {
                        for (int e = 0; e < 4; e++) {
                            int bits = Float.floatToRawIntBits(wv[4 * CHUNKS * u + 4 * j + e]);
                            a = KernelMath.fma(x[8 * j + 2 * e], Float.intBitsToFloat(bits << 16), a);
                            a = KernelMath.fma(x[8 * j + 2 * e + 1], Float.intBitsToFloat(bits & 0xffff0000), a);
                        }
                    }
                }
            }
            acc[u] = a;
        }
        float a0 = acc[0];
        float a1 = acc[1];
        // OUTS == 2, written out: warp reductions are work-group barriers on OpenCL and PoCL builds barriers in loops slowly
        a0 = ctx.warpReduceSum(a0);
        a1 = ctx.warpReduceSum(a1);
        if (lane == 0 && o0 < out) {
            y.set((long) row * out + o0, hasBias ? a0 + bias.get(o0) : a0);
        }
        if (lane == 0 && o0 + 1 < out) {
            y.set((long) row * out + o0 + 1, hasBias ? a1 + bias.get(o0 + 1) : a1);
        }
    }

    /**
     * {@link FusedGemvKernels#gatedNormGemvBf16} with one row per grid row: out = (grouped gated RMSNorm of y
     * with z) . W^T (+ bias), z read in place from {@code zxbcdt} (row stride {@code inRows}); the conv-state
     * shift of the row is spread over the row's {@code groupsX} work-groups (its loads issued with W's, its stores after the GEMV).
     */
    public static void gatedNormGemvBf16(KernelContext ctx, FloatArray yIn, FloatArray zxbcdt, FloatArray gateW, FloatArray w,
                                         FloatArray bias, FloatArray y, FloatArray convState, int rows, @Specialize int in, int out,
                                         int inRows, int convDim, @Specialize int groupSize, float eps, boolean normBeforeGate,
                                         boolean hasBias, int groupsX, @Specialize int width) {
        float[] x = new float[8 * CHUNKS];
        float[] ssg = new float[FusedGemvKernels.MAX_NORM_GROUPS];
        float[] t = new float[8];
        int lid = ctx.localIdx;
        int lane = lid % KernelContext.WARP_SIZE;
        int warp = lid / KernelContext.WARP_SIZE;
        int row = ctx.groupIdy;
        // W first: the weights do not depend on the norm, so their DRAM latency overlaps the norm's L2 reads
        // and reductions (OUTS * CHUNKS 16-byte loads in flight per lane)
        int o0 = (ctx.groupIdx * WARPS + warp) * OUTS;
        float[] wv = new float[OUTS * 4 * CHUNKS];
        int inP = in / 2;
        FusedGemvWarpKernels.loadRows(w, wv, lane, o0, inP, out);
        long yb = (long) row * in;
        long zb = (long) row * inRows;
        // the conv-state shift of this item's first channel: loaded now (with W, in flight during the norm),
        // stored at the end; the convSsm launch before this one reads the old state but writes none of it
        int stateLen = width - 1;
        int c0 = ctx.groupIdx * GROUP + lid;
        float[] shifted = new float[width];
        if (c0 < convDim) {
            long sAt = ((long) row * convDim + c0) * stateLen;
            for (int i = 0; i < stateLen - 1; i++) {
                shifted[i] = convState.get(sAt + i + 1);
            }
        }
        // y comes from convSsm, z from in_proj (see normGemvBf16)
        ctx.gridDependencyWait();
        ctx.launchDependents();
        if (c0 < convDim) {
            shifted[stateLen - 1] = zxbcdt.get(zb + in + c0);
        }
        for (int q = 0; q < FusedGemvKernels.MAX_NORM_GROUPS; q++) {
            ssg[q] = 0f;
        }
        for (int j = 0; j < CHUNKS; j++) {
            int c = 8 * lane + 8 * KernelContext.WARP_SIZE * j;
            if (c + 8 <= in) {
                yIn.get4(yb + c, x, 8 * j);
                yIn.get4(yb + c + 4, x, 8 * j + 4);
                if (!normBeforeGate) {
                    // vector loads of z where the row stride keeps them 16-byte aligned (get4 falls back to scalars otherwise)
                    zxbcdt.get4(zb + c, t, 0);
                    zxbcdt.get4(zb + c + 4, t, 4);
                }
                float sq = 0f;
                for (int e = 0; e < 8; e++) {
                    float v = x[8 * j + e];
                    if (!normBeforeGate) {
                        v = v * FusedGemvKernels.silu(t[e]);
                    }
                    x[8 * j + e] = v;
                    sq += v * v;
                }
                // groupSize % 8 == 0: the chunk's 8 columns are in one norm group
                int gi = c / groupSize;
                for (int q = 0; q < FusedGemvKernels.MAX_NORM_GROUPS; q++) {
                    if (gi == q) {
                        ssg[q] += sq;
                    }
                }
            }
        }
        // MAX_NORM_GROUPS == 4 reductions, written out (barriers on OpenCL; see normGemvBf16)
        float s0 = ctx.warpReduceSum(ssg[0]);
        float s1 = ctx.warpReduceSum(ssg[1]);
        float s2 = ctx.warpReduceSum(ssg[2]);
        float s3 = ctx.warpReduceSum(ssg[3]);
        ssg[0] = KernelMath.rsqrt(s0 / groupSize + eps);
        ssg[1] = KernelMath.rsqrt(s1 / groupSize + eps);
        ssg[2] = KernelMath.rsqrt(s2 / groupSize + eps);
        ssg[3] = KernelMath.rsqrt(s3 / groupSize + eps);
        for (int j = 0; j < CHUNKS; j++) {
            int c = 8 * lane + 8 * KernelContext.WARP_SIZE * j;
            if (c + 8 <= in) {
                gateW.get4(c, t, 0);
                gateW.get4(c + 4, t, 4);
                int gi = c / groupSize;
                float scale = ssg[0];
                for (int q = 1; q < FusedGemvKernels.MAX_NORM_GROUPS; q++) {
                    if (gi == q) {
                        scale = ssg[q];
                    }
                }
                for (int e = 0; e < 8; e++) {
                    float o = x[8 * j + e] * scale * t[e];
                    if (normBeforeGate) {
                        o = o * FusedGemvKernels.silu(zxbcdt.get(zb + c + e));
                    }
                    x[8 * j + e] = o;
                }
            }
        }
        float[] acc = new float[OUTS];
        for (int u = 0; u < OUTS; u++) {
            float a = 0f;
            if (o0 + u < out) {
                for (int j = 0; j < CHUNKS; j++) {
                    int kp = 4 * lane + 4 * KernelContext.WARP_SIZE * j;
                    if (kp + 4 <= inP) {
                        for (int e = 0; e < 4; e++) {
                            int bits = Float.floatToRawIntBits(wv[4 * CHUNKS * u + 4 * j + e]);
                            a = KernelMath.fma(x[8 * j + 2 * e], Float.intBitsToFloat(bits << 16), a);
                            a = KernelMath.fma(x[8 * j + 2 * e + 1], Float.intBitsToFloat(bits & 0xffff0000), a);
                        }
                    }
                }
            }
            acc[u] = a;
        }
        float a0 = acc[0];
        float a1 = acc[1];
        a0 = ctx.warpReduceSum(a0);
        a1 = ctx.warpReduceSum(a1);
        if (lane == 0 && o0 < out) {
            y.set((long) row * out + o0, hasBias ? a0 + bias.get(o0) : a0);
        }
        if (lane == 0 && o0 + 1 < out) {
            y.set((long) row * out + o0 + 1, hasBias ? a1 + bias.get(o0 + 1) : a1);
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

    /**
     * The packed bf16 W rows of a warp's {@link #OUTS} outputs from {@code o0} (rows past {@code out} skipped): lane
     * {@code l} loads columns {@code 8 l + 256 j .. + 7} of each, output {@code u}'s chunk {@code j} at
     * {@code wv[4 CHUNKS u + 4 j]}.
     */
    static void loadRows(FloatArray w, float[] wv, int lane, int o0, int inP, int out) {
        for (int u = 0; u < OUTS; u++) {
            if (o0 + u < out) {
                long wRow = (long) (o0 + u) * inP;
                for (int j = 0; j < CHUNKS; j++) {
                    int kp = 4 * lane + 4 * KernelContext.WARP_SIZE * j;
                    if (kp + 4 <= inP) {
                        w.get4(wRow + kp, wv, 4 * CHUNKS * u + 4 * j);
                    }
                }
            }
        }
    }

    /** A lane's columns of a norm weight: {@code 8 lane + 256 j .. + 7}, the columns of its packed W loads. */
    static void normWeights(FloatArray normW, float[] nw, int lane, int in) {
        for (int j = 0; j < CHUNKS; j++) {
            int c = 8 * lane + 8 * KernelContext.WARP_SIZE * j;
            if (c + 8 <= in) {
                normW.get4(c, nw, 8 * j);
                normW.get4(c + 4, nw, 8 * j + 4);
            }
        }
    }
}
