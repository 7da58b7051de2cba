package io.jmamba.kernels.fused;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.KernelMath;
import io.jmamba.runtime.api.Specialize;

/**
 * The decode GEMVs of {@link FusedGemvWarpKernels} and {@link FusedGemvGatedWarpKernels} with the input row
 * staged once per work-group instead of once per warp. In the warp forms every warp read the whole row
 * (and its residual) from L2 for its one or two outputs: for the 130M in_proj 1,676 warps x 6 KB = 10 MB of
 * L2 reads for 5 MB of weights, and all of it after the wait on the previous launch, where nothing overlaps
 * it. Here the work-group's items read the row once (16-byte loads, the residual added and written back by
 * work-group 0), reduce its squares with one warp reduction and one barrier, and park it in local memory;
 * each warp then takes its lanes' columns from there.
 *
 * <p>Before {@link KernelContext#gridDependencyWait()} each lane issues every load that does not depend on the
 * previous launch: its W rows ({@link FusedGemvWarpKernels}' packed bf16 lane layout: lane {@code l} holds
 * columns {@code 8 l + 256 j .. + 7}), its columns of the norm weight, and (out_proj) the conv state it
 * shifts. With programmatic dependent launch on CUDA all of that is in flight while the previous kernel
 * finishes; on OpenCL and the JVM the wait is a no-op.
 *
 * <p>Local layout: element {@code e} of 8-column chunk {@code k} (column {@code 8 k + e}) at
 * {@code e * STRIDE + k}, so the 32 lanes of a warp, reading chunk {@code lane + 32 j}, touch 32 consecutive
 * floats (no bank conflicts); the staging writes, 4 columns per item, conflict 2-way once.
 * Grid ({@code ceil(out / outputs per group) * GROUP}, {@code rows}), local ({@link #GROUP}, 1); {@code in}
 * (and {@code groupSize}) specialised; {@code in % 8 == 0}, {@code in <= }{@link FusedGemvKernels#MAX_IN}.
 */
public final class FusedGemvStagedKernels {
    private FusedGemvStagedKernels() {
    }

    /** Warps per work-group: four (in_proj of the 130M model: 419 groups, three or four per SM). */
    public static final int WARPS = 4;
    /** Work-items per work-group. */
    public static final int GROUP = WARPS * KernelContext.WARP_SIZE;
    /** Outputs per warp of {@link #normGemvBf16}; {@link #preGatedGemvBf16} computes one. */
    public static final int OUTS = 2;
    /** Distance between the planes of the chunk-transposed local row: the most 8-column chunks a row has. */
    static final int STRIDE = FusedGemvKernels.MAX_IN / 8;

    /**
     * residualOut = hidden (+ residualIn); y = RMSNorm(residualOut) * normW . W^T (+ bias), one row per grid row
     * ({@link FusedGemvKernels#normGemvBf16}'s contract; work-group 0 of each row writes residualOut, which must not
     * be residualIn).
     */
    public static void normGemvBf16(KernelContext ctx, FloatArray hidden, FloatArray residualIn, FloatArray normW, FloatArray w,
                                    FloatArray bias, FloatArray y, FloatArray residualOut, int rows, @Specialize int in, int out, float eps,
                                    boolean hasResidual, boolean writeResidual, boolean hasBias) {
        float[] xs = ctx.allocateFloatLocalArray(FusedGemvKernels.MAX_IN);
        float[] partial = ctx.allocateFloatLocalArray(WARPS);
        float[] wv = new float[OUTS * 4 * FusedGemvWarpKernels.CHUNKS];
        float[] nw = new float[8 * FusedGemvWarpKernels.CHUNKS];
        float[] t = new float[4];
        float[] acc = new float[OUTS];
        float[] r = new float[4];
        int lid = ctx.localIdx;
        int lane = lid % KernelContext.WARP_SIZE;
        int warp = lid / KernelContext.WARP_SIZE;
        int row = ctx.groupIdy;
        int o0 = (ctx.groupIdx * WARPS + warp) * OUTS;
        int inP = in / 2;
        // weights: W's rows (DRAM, the step's bulk), then the lane's norm-weight columns
        FusedGemvWarpKernels.loadRows(w, wv, lane, o0, inP, out);
        FusedGemvWarpKernels.normWeights(normW, nw, lane, in);
        // hidden and the residual come from the launches before
        ctx.gridDependencyWait();
        ctx.launchDependents();
        long base = (long) row * in;
        boolean writer = writeResidual && ctx.groupIdx == 0;
        float ss = 0f;
        for (int q = lid; 4 * q < in; q += GROUP) {
            hidden.get4(base + 4 * q, t, 0);
            if (hasResidual) {
                residualIn.get4(base + 4 * q, r, 0);
                addResidual(t, r);
            }
            if (writer) {
                residualOut.set4(base + 4 * q, t, 0);
            }
            ss = stage(xs, t, q, ss);
        }
        float scale = rmsScale(ctx, partial, ss, lane, warp, WARPS, in, eps);
        dotPair(acc, xs, nw, wv, scale, lane, inP, true);
        // OUTS == 2, written out (warp reductions are work-group barriers on OpenCL)
        float a0 = ctx.warpReduceSum(acc[0]);
        float a1 = ctx.warpReduceSum(acc[1]);
        storePair(y, bias, a0, a1, row, out, o0, hasBias, lane == 0);
    }

    /**
     * {@link FusedGemvGatedWarpKernels#preGatedGemvBf16}'s contract with g staged per work-group: out = (grouped
     * RMSNorm of the pre-gated g) * gateW . W^T (+ bias), one output per warp, and the conv-state shift of the
     * row (its channels spread over the row's {@code groupsX} work-groups).
     */
    public static void preGatedGemvBf16(KernelContext ctx, FloatArray g, FloatArray zxbcdt, FloatArray gateW, FloatArray w,
                                        FloatArray bias, FloatArray y, FloatArray convState, int rows, @Specialize int in,
                                        int out, int inRows, int convDim, @Specialize int groupSize, float eps,
                                        boolean hasBias, int groupsX, @Specialize int width) {
        float[] xs = ctx.allocateFloatLocalArray(FusedGemvKernels.MAX_IN);
        float[] partial = ctx.allocateFloatLocalArray(WARPS * FusedGemvKernels.MAX_NORM_GROUPS);
        float[] wv = new float[4 * FusedGemvWarpKernels.CHUNKS];
        float[] gw = new float[8 * FusedGemvWarpKernels.CHUNKS];
        float[] ssg = new float[FusedGemvKernels.MAX_NORM_GROUPS];
        float[] sc = new float[FusedGemvKernels.MAX_NORM_GROUPS];
        float[] t = new float[4];
        int lid = ctx.localIdx;
        int lane = lid % KernelContext.WARP_SIZE;
        int warp = lid / KernelContext.WARP_SIZE;
        int row = ctx.groupIdy;
        int o = ctx.groupIdx * WARPS + warp;
        int inP = in / 2;
        if (o < out) {
            long wRow = (long) o * inP;
            for (int j = 0; j < FusedGemvWarpKernels.CHUNKS; j++) {
                int kp = 4 * lane + 4 * KernelContext.WARP_SIZE * j;
                if (kp + 4 <= inP) {
                    w.get4(wRow + kp, wv, 4 * j);
                }
            }
        }
        FusedGemvWarpKernels.normWeights(gateW, gw, lane, in);
        long gb = (long) row * in;
        long zb = (long) row * inRows;
        // the conv-state shift of this item's first channel: the old state loaded now (convSsm, the launch before,
        // reads it and writes none of it), stored at the end
        int stateLen = width - 1;
        int c0 = ctx.groupIdx * GROUP + lid;
        float[] shifted = new float[width];
        if (c0 < convDim) {
            long sAt = ((long) row * convDim + c0) * stateLen;
            for (int i = 0; i < stateLen - 1; i++) {
                shifted[i] = convState.get(sAt + i + 1);
            }
        }
        // g comes from convSsm, xBC from in_proj
        ctx.gridDependencyWait();
        ctx.launchDependents();
        if (c0 < convDim) {
            shifted[stateLen - 1] = zxbcdt.get(zb + in + c0);
        }
        for (int q = 0; q < FusedGemvKernels.MAX_NORM_GROUPS; q++) {
            ssg[q] = 0f;
        }
        for (int q = lid; 4 * q < in; q += GROUP) {
            g.get4(gb + 4 * q, t, 0);
            stageGrouped(xs, t, ssg, q, groupSize);
        }
        groupScales(ctx, partial, ssg, sc, lane, warp, WARPS, in, groupSize, eps);
        float a = dotGrouped(xs, gw, wv, sc, lane, inP, groupSize, true);
        a = ctx.warpReduceSum(a);
        if (lane == 0 && o < out) {
            y.set((long) row * out + o, hasBias ? a + bias.get(o) : a);
        }
        storeShift(convState, zxbcdt, shifted, row, c0, groupsX * GROUP, convDim, zb, in, stateLen, true);
    }

    /** The residual stream before the norm: {@code t += r}, four columns. */
    public static void addResidual(float[] t, float[] r) {
        for (int e = 0; e < 4; e++) {
            t[e] = t[e] + r[e];
        }
    }

    /**
     * Parks {@code t} (columns {@code 4 q .. 4 q + 3}) in the chunk-transposed local row {@code xs} (see the class
     * comment) and returns {@code ss} plus their squares, added in column order.
     */
    static float stage(float[] xs, float[] t, int q, float ss) {
        int k = q / 2;
        int e0 = 4 * (q % 2);
        for (int e = 0; e < 4; e++) {
            xs[(e0 + e) * STRIDE + k] = t[e];
            ss += t[e] * t[e];
        }
        return ss;
    }

    /**
     * The RMSNorm scale {@code rsqrt(sum of squares / in + eps)} of a row staged by {@code warps} warps, each lane
     * holding its part {@code ss}: one warp reduction, the warps' sums through {@code partial} and one barrier.
     */
    public static float rmsScale(KernelContext ctx, float[] partial, float ss, int lane, int warp, int warps, int in,
                                 float eps) {
        float s = ctx.warpReduceSum(ss);
        if (lane == 0) {
            partial[warp] = s;
        }
        ctx.localBarrier();
        float total = 0f;
        for (int i = 0; i < warps; i++) {
            total += partial[i];
        }
        return KernelMath.rsqrt(total / in + eps);
    }

    /**
     * Parks {@code t} (columns {@code 4 q .. 4 q + 3}) in the chunk-transposed local row {@code xs} and adds their
     * squares to their norm group's {@code ssg} ({@code groupSize % 8 == 0}: the 4 columns are in one group).
     */
    static void stageGrouped(float[] xs, float[] t, float[] ssg, int q, int groupSize) {
        int k = q / 2;
        int e0 = 4 * (q % 2);
        float sq = 0f;
        for (int e = 0; e < 4; e++) {
            xs[(e0 + e) * STRIDE + k] = t[e];
            sq = KernelMath.fma(t[e], t[e], sq);
        }
        int gi = 4 * q / groupSize;
        for (int n = 0; n < FusedGemvKernels.MAX_NORM_GROUPS; n++) {
            if (gi == n) {
                ssg[n] += sq;
            }
        }
    }

    /**
     * The grouped RMSNorm scales {@code sc[n] = rsqrt(sum of squares of group n / groupSize + eps)} of a row staged by
     * {@code warps} warps, each lane holding its parts {@code ssg}: one warp reduction per live group, the warps'
     * sums through {@code partial} ({@code warps * MAX_NORM_GROUPS}) and one barrier.
     */
    static void groupScales(KernelContext ctx, float[] partial, float[] ssg, float[] sc, int lane, int warp, int warps,
                            int in, int groupSize, float eps) {
        // MAX_NORM_GROUPS == 4, written out; the conditions are uniform (in and groupSize are constants), so only
        // the live groups' reductions remain in the compiled source
        float s0 = ctx.warpReduceSum(ssg[0]);
        float s1 = 0f;
        float s2 = 0f;
        float s3 = 0f;
        if (in > groupSize) {
            s1 = ctx.warpReduceSum(ssg[1]);
        }
        if (in > 2 * groupSize) {
            s2 = ctx.warpReduceSum(ssg[2]);
        }
        if (in > 3 * groupSize) {
            s3 = ctx.warpReduceSum(ssg[3]);
        }
        if (lane == 0) {
            int at = warp * FusedGemvKernels.MAX_NORM_GROUPS;
            partial[at] = s0;
            partial[at + 1] = s1;
            partial[at + 2] = s2;
            partial[at + 3] = s3;
        }
        ctx.localBarrier();
        for (int n = 0; n < FusedGemvKernels.MAX_NORM_GROUPS; n++) {
            float total = 0f;
            for (int i = 0; i < warps; i++) {
                total += partial[i * FusedGemvKernels.MAX_NORM_GROUPS + n];
            }
            sc[n] = KernelMath.rsqrt(total / groupSize + eps);
        }
    }

    /**
     * A lane's parts of the {@link #OUTS} (two) outputs' dot products into {@code acc}: the staged row {@code xs}, times
     * {@code scale} and the norm weight {@code nw}, against the lane's packed bf16 W columns {@code wv}, each added in
     * column order with fused multiply-adds; zeros when not {@code live}.
     */
    static void dotPair(float[] acc, float[] xs, float[] nw, float[] wv, float scale, int lane, int inP, boolean live) {
        float a0 = 0f;
        float a1 = 0f;
        for (int j = 0; j < FusedGemvWarpKernels.CHUNKS; j++) {
            int kp = 4 * lane + 4 * KernelContext.WARP_SIZE * j;
            if (live && kp + 4 <= inP) {
                int k = lane + KernelContext.WARP_SIZE * j;
                for (int e = 0; e < 4; e++) {
                    float xa = xs[(2 * e) * STRIDE + k] * scale * nw[8 * j + 2 * e];
                    float xb = xs[(2 * e + 1) * STRIDE + k] * scale * nw[8 * j + 2 * e + 1];
                    int b0 = Float.floatToRawIntBits(wv[4 * j + e]);
                    a0 = KernelMath.fma(xa, Float.intBitsToFloat(b0 << 16), a0);
                    a0 = KernelMath.fma(xb, Float.intBitsToFloat(b0 & 0xffff0000), a0);
                    int b1 = Float.floatToRawIntBits(wv[4 * FusedGemvWarpKernels.CHUNKS + 4 * j + e]);
                    a1 = KernelMath.fma(xa, Float.intBitsToFloat(b1 << 16), a1);
                    a1 = KernelMath.fma(xb, Float.intBitsToFloat(b1 & 0xffff0000), a1);
                }
            }
        }
        acc[0] = a0;
        acc[1] = a1;
    }

    /**
     * A lane's part of one output's dot product: the staged row {@code xs}, times its norm group's scale {@code sc}
     * and the norm weight {@code gw}, against the lane's packed bf16 W columns {@code wv}, added in column order with
     * fused multiply-adds; zero when not {@code live}.
     */
    static float dotGrouped(float[] xs, float[] gw, float[] wv, float[] sc, int lane, int inP, int groupSize, boolean live) {
        float a = 0f;
        for (int j = 0; j < FusedGemvWarpKernels.CHUNKS; j++) {
            int kp = 4 * lane + 4 * KernelContext.WARP_SIZE * j;
            if (live && kp + 4 <= inP) {
                int k = lane + KernelContext.WARP_SIZE * j;
                int gi = 8 * k / groupSize;
                float scale = sc[0];
                for (int n = 1; n < FusedGemvKernels.MAX_NORM_GROUPS; n++) {
                    if (gi == n) {
                        scale = sc[n];
                    }
                }
                for (int e = 0; e < 4; e++) {
                    float xa = xs[(2 * e) * STRIDE + k] * scale * gw[8 * j + 2 * e];
                    float xb = xs[(2 * e + 1) * STRIDE + k] * scale * gw[8 * j + 2 * e + 1];
                    int bits = Float.floatToRawIntBits(wv[4 * j + e]);
                    a = KernelMath.fma(xa, Float.intBitsToFloat(bits << 16), a);
                    a = KernelMath.fma(xb, Float.intBitsToFloat(bits & 0xffff0000), a);
                }
            }
        }
        return a;
    }

    /**
     * The conv-state shift's stores for row {@code row}: channel {@code c0}'s state (already shifted, in
     * {@code shifted}), then channels {@code c0 + step}, {@code c0 + 2 step} .. shifted in place, each taking its new
     * last entry from {@code zxbcdt} (the row's xBC at {@code zb + in}); nothing when not {@code live}.
     */
    static void storeShift(FloatArray convState, FloatArray zxbcdt, float[] shifted, int row, int c0, int step,
                           int convDim, long zb, int in, int stateLen, boolean live) {
        if (live && c0 < convDim) {
            long sAt = ((long) row * convDim + c0) * stateLen;
            for (int i = 0; i < stateLen; i++) {
                convState.set(sAt + i, shifted[i]);
            }
        }
        // further channels where the row's work-items are fewer than its channels
        if (live) {
            for (int c = c0 + step; c < convDim; c += step) {
                long s = ((long) row * convDim + c) * stateLen;
                for (int i = 0; i < stateLen - 1; i++) {
                    convState.set(s + i, convState.get(s + i + 1));
                }
                convState.set(s + stateLen - 1, zxbcdt.get(zb + in + c));
            }
        }
    }

    /**
     * Outputs {@code o0} and {@code o0 + 1} (those below {@code out}) of row {@code row}, plus their bias, when
     * {@code store}.
     */
    static void storePair(FloatArray y, FloatArray bias, float a0, float a1, int row, int out, int o0, boolean hasBias,
                          boolean store) {
        if (store && o0 < out) {
            y.set((long) row * out + o0, hasBias ? a0 + bias.get(o0) : a0);
        }
        if (store && o0 + 1 < out) {
            y.set((long) row * out + o0 + 1, hasBias ? a1 + bias.get(o0 + 1) : a1);
        }
    }
}
