package io.jmamba.kernels.fused;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.KernelMath;
import io.jmamba.runtime.api.Specialize;

/**
 * Decode-step GEMVs (a few rows) with the norm that feeds them folded in, so that a Mamba-2 layer's
 * decode step is three launches (norm + in_proj, conv + SSM, gated norm + out_proj) instead of eight:
 * <ul>
 *   <li>{@code normGemv}: residual add + RMSNorm, then the in_proj (or lm_head) GEMV;</li>
 *   <li>{@code gatedNormGemv}: the grouped gated RMSNorm (z read from the in_proj output in place), then
 *       the out_proj GEMV; the conv-state shift on the side.</li>
 * </ul>
 * Each exists for bf16 W ({@code Bf16}, read as packed floats: 8 weights per 16-byte load, as
 * {@link io.jmamba.kernels.nn.GemvBf16PackedKernel}) and fp32 W ({@code F32}). The GEMV is {@link io.jmamba.kernels.nn.GemvBf16Kernel}'s
 * (a warp per output, or {@code split} warps; {@link #UNROLL} vector loads of W in flight per lane), with x
 * taken from the rows the work-group normalised into local memory instead of global memory. Every work-group
 * computes the norm of its rows again (a 768- or 1536-vector, from L2): far cheaper than a launch.
 * The norm arithmetic is the unfused kernels' (NormKernels.rmsNormResidualGroup, gatedRmsNormGroup)
 * operation for operation, up to the order of the sum of squares.
 */
public final class FusedGemvKernels {
    private FusedGemvKernels() {
    }

    /** Warps per work-group. */
    public static final int WARPS = 4;
    /** Work-items per work-group. */
    public static final int GROUP = WARPS * KernelContext.WARP_SIZE;
    /** Rows per work-group (the GEMV's limit of rows, {@link io.jmamba.kernels.nn.Linear#GEMV_MAX_ROWS}). */
    public static final int ROWS = 4;
    /**
     * 16-byte loads of packed bf16 W per lane (Bf16 kernels): all of a lane's weights of a row up to
     * {@link #MAX_IN} columns (8 x 128 lanes' worth of 8 bf16), issued before the norm prologue so that their DRAM
     * latency overlaps it.
     */
    public static final int UNROLL_PACKED = 8;
    /** Four-element W loads per lane issued together. */
    public static final int UNROLL = 8;
    /** Columns one warp instruction covers. */
    public static final int CHUNK = 4 * KernelContext.WARP_SIZE;
    /** Widest input row (d_model for the in_proj, d_inner for the out_proj); the Bf16 kernels' local rows hold ROWS x in floats ({@code in} specialised). */
    public static final int MAX_IN = 2048;
    /** Most norm groups the gated norm takes (the local sums hold ROWS x MAX_NORM_GROUPS x GROUP floats, 8 KB). */
    public static final int MAX_NORM_GROUPS = 4;

    /**
     * residualOut = hidden (+ residualIn); y = RMSNorm(residualOut) * normW . W^T (+ bias), W bf16 read through its
     * packed float view (LinearBf16.packedView; {@code in % 8 == 0}; 16-byte loads of 8 weights). Every work-group normalises its rows itself (into local memory); the groups of grid column 0 write
     * residualOut, which must not be residualIn (other groups may still be reading it).
     * Grid as {@link io.jmamba.kernels.nn.GemvBf16Kernel}: ({@code ceil(out / (WARPS / split)) * GROUP},
     * {@code ceil(rows / ROWS)}), local ({@link #GROUP}, 1); {@code in <= }{@link #MAX_IN}.
     */
    public static void normGemvBf16(KernelContext ctx, FloatArray hidden, FloatArray residualIn, FloatArray normW, FloatArray w,
                                FloatArray bias, FloatArray y, FloatArray residualOut, int rows, @Specialize int in, int out, float eps,
                                boolean hasResidual, boolean writeResidual, boolean hasBias, @Specialize int split) {
        float[] xs = ctx.allocateFloatLocalArray(ROWS * in);
        float[] partial = ctx.allocateFloatLocalArray(ROWS * GROUP);
        float[] sums = ctx.allocateFloatLocalArray(ROWS * WARPS);
        float[] ssr = new float[ROWS];
        int lid = ctx.localIdx;
        // W first (see UNROLL_PACKED): a lane's whole part of its output's row, before the prologue's barriers
        float[] wv = new float[4 * UNROLL_PACKED];
        int lane = lid % KernelContext.WARP_SIZE;
        int warp = lid / KernelContext.WARP_SIZE;
        int perGroup = WARPS / split;
        int ow = ctx.groupIdx * perGroup + warp / split;
        int vlane = (warp % split) * KernelContext.WARP_SIZE + lane;
        int inP = in / 2;
        int stride = CHUNK * split;
        int kw = 4 * vlane;
        if (ow < out) {
            long wRow = (long) ow * inP;
            for (int u = 0; u < UNROLL_PACKED; u++) {
                int ku = kw + u * stride;
                if (ku + 4 <= inP) {
                    w.get4(wRow + ku, wv, 4 * u);
                }
            }
        }
        int r0 = ctx.groupIdy * ROWS;
        int nr = Math.min(ROWS, rows - r0);
        boolean writer = writeResidual && ctx.groupIdx == 0;
        for (int r = 0; r < ROWS; r++) {
            ssr[r] = 0f;
            if (r < nr) {
                long base = (long) (r0 + r) * in;
                for (int i = lid; i < in; i += GROUP) {
                    float v = hidden.get(base + i);
                    if (hasResidual) {
                        v += residualIn.get(base + i);
                    }
                    if (writer) {
                        residualOut.set(base + i, v);
                    }
                    xs[r * in + i] = v;
                    ssr[r] += v * v;
                }
            }
        }
        // all sums of squares in one tree: its barriers sit in one loop, not inside the row loops
        // (PoCL builds barriers nested in loops very slowly)
        for (int q = 0; q < ROWS; q++) {
            partial[q * GROUP + lid] = ssr[q];
        }
        ctx.localBarrier();
        for (int half = GROUP / 2; half > 0; half = half / 2) {
            if (lid < half) {
                for (int q = 0; q < ROWS; q++) {
                    partial[q * GROUP + lid] = partial[q * GROUP + lid] + partial[q * GROUP + lid + half];
                }
            }
            ctx.localBarrier();
        }
        for (int r = 0; r < ROWS; r++) {
            if (r < nr) {
                float scale = KernelMath.rsqrt(partial[r * GROUP] / in + eps);
                for (int i = lid; i < in; i += GROUP) {
                    xs[r * in + i] = xs[r * in + i] * scale * normW.get(i);
                }
            }
        }
        ctx.localBarrier();
        // the GEMV of GemvBf16PackedKernel (float4 loads of 8 packed bf16, loaded above), x read from the staged
        // local rows; UNROLL_PACKED * stride >= MAX_IN / 2 >= inP: one pass covers the row
        float[] acc = new float[ROWS];
        for (int r = 0; r < ROWS; r++) {
            acc[r] = 0f;
        }
        if (ow < out) {
            for (int r = 0; r < ROWS; r++) {
                if (r < nr) {
                    float a = acc[r];
                    for (int u = 0; u < UNROLL_PACKED; u++) {
                        int ku = kw + u * stride;
                        if (ku + 4 <= inP) {
                            int xb = r * in + 2 * ku;
                            for (int e = 0; e < 4; e++) {
                                int bits = Float.floatToRawIntBits(wv[4 * u + e]);
                                a = KernelMath.fma(xs[xb + 2 * e], Float.intBitsToFloat(bits << 16), a);
                                a = KernelMath.fma(xs[xb + 2 * e + 1], Float.intBitsToFloat(bits & 0xffff0000), a);
                            }
                        }
                    }
                    acc[r] = a;
                }
            }
        }
        for (int r = 0; r < ROWS; r++) {
            if (r < nr) {
                float s = ctx.warpReduceSum(acc[r]);
                if (lane == 0) {
                    sums[r * WARPS + warp] = s;
                }
            }
        }
        ctx.localBarrier();
        if (lid < ROWS * perGroup) {
            int r = lid / perGroup;
            int j = lid % perGroup;
            int oj = ctx.groupIdx * perGroup + j;
            if (r < nr && oj < out) {
                float v = 0f;
                for (int p = 0; p < split; p++) {
                    v += sums[r * WARPS + j * split + p];
                }
                if (hasBias) {
                    v += bias.get(oj);
                }
                y.set((long) (r0 + r) * out + oj, v);
            }
        }
    }

    /**
     * residualOut = hidden (+ residualIn); y = RMSNorm(residualOut) * normW . W^T (+ bias), W in FloatArray. Every
     * work-group normalises its rows itself (into local memory); the groups of grid column 0 write
     * residualOut, which must not be residualIn (other groups may still be reading it).
     * Grid as {@link io.jmamba.kernels.nn.GemvBf16Kernel}: ({@code ceil(out / (WARPS / split)) * GROUP},
     * {@code ceil(rows / ROWS)}), local ({@link #GROUP}, 1); {@code in <= }{@link #MAX_IN}.
     */
    public static void normGemvF32(KernelContext ctx, FloatArray hidden, FloatArray residualIn, FloatArray normW, FloatArray w,
                                FloatArray bias, FloatArray y, FloatArray residualOut, int rows, int in, int out, float eps,
                                boolean hasResidual, boolean writeResidual, boolean hasBias, @Specialize int split) {
        float[] xs = ctx.allocateFloatLocalArray(ROWS * MAX_IN);
        float[] partial = ctx.allocateFloatLocalArray(ROWS * GROUP);
        float[] sums = ctx.allocateFloatLocalArray(ROWS * WARPS);
        float[] ssr = new float[ROWS];
        int lid = ctx.localIdx;
        int r0 = ctx.groupIdy * ROWS;
        int nr = Math.min(ROWS, rows - r0);
        boolean writer = writeResidual && ctx.groupIdx == 0;
        for (int r = 0; r < ROWS; r++) {
            ssr[r] = 0f;
            if (r < nr) {
                long base = (long) (r0 + r) * in;
                for (int i = lid; i < in; i += GROUP) {
                    float v = hidden.get(base + i);
                    if (hasResidual) {
                        v += residualIn.get(base + i);
                    }
                    if (writer) {
                        residualOut.set(base + i, v);
                    }
                    xs[r * in + i] = v;
                    ssr[r] += v * v;
                }
            }
        }
        // all sums of squares in one tree: its barriers sit in one loop, not inside the row loops
        // (PoCL builds barriers nested in loops very slowly)
        for (int q = 0; q < ROWS; q++) {
            partial[q * GROUP + lid] = ssr[q];
        }
        ctx.localBarrier();
        for (int half = GROUP / 2; half > 0; half = half / 2) {
            if (lid < half) {
                for (int q = 0; q < ROWS; q++) {
                    partial[q * GROUP + lid] = partial[q * GROUP + lid] + partial[q * GROUP + lid + half];
                }
            }
            ctx.localBarrier();
        }
        for (int r = 0; r < ROWS; r++) {
            if (r < nr) {
                float scale = KernelMath.rsqrt(partial[r * GROUP] / in + eps);
                for (int i = lid; i < in; i += GROUP) {
                    xs[r * in + i] = xs[r * in + i] * scale * normW.get(i);
                }
            }
        }
        ctx.localBarrier();
        // the GEMV of GemvBf16Kernel, x read from the staged local rows
        float[] wv = new float[4 * UNROLL];
        float[] xv = new float[4 * UNROLL];
        float[] acc = new float[ROWS];
        int lane = lid % KernelContext.WARP_SIZE;
        int warp = lid / KernelContext.WARP_SIZE;
        int perGroup = WARPS / split;
        int o = ctx.groupIdx * perGroup + warp / split;
        int vlane = (warp % split) * KernelContext.WARP_SIZE + lane;
        for (int r = 0; r < ROWS; r++) {
            acc[r] = 0f;
        }
        if (o < out) {
            long wRow = (long) o * in;
            int stride = CHUNK * split;
            for (int k = 4 * vlane; k + 4 <= in; k += UNROLL * stride) {
                for (int u = 0; u < UNROLL; u++) {
                    int ku = k + u * stride;
                    if (ku + 4 <= in) {
                        w.get4(wRow + ku, wv, 4 * u);
                    }
                }
                for (int r = 0; r < ROWS; r++) {
                    if (r < nr) {
                        for (int u = 0; u < UNROLL; u++) {
                            int ku = k + u * stride;
                            if (ku + 4 <= in) {
                                xv[4 * u] = xs[r * in + ku];
                                xv[4 * u + 1] = xs[r * in + ku + 1];
                                xv[4 * u + 2] = xs[r * in + ku + 2];
                                xv[4 * u + 3] = xs[r * in + ku + 3];
                            }
                        }
                        float a = acc[r];
                        for (int u = 0; u < UNROLL; u++) {
                            if (k + u * stride + 4 <= in) {
                                a = KernelMath.fma(xv[4 * u], wv[4 * u], a);
                                a = KernelMath.fma(xv[4 * u + 1], wv[4 * u + 1], a);
                                a = KernelMath.fma(xv[4 * u + 2], wv[4 * u + 2], a);
                                a = KernelMath.fma(xv[4 * u + 3], wv[4 * u + 3], a);
                            }
                        }
                        acc[r] = a;
                    }
                }
            }
            int t = in - in % 4 + vlane;
            if (t < in) {
                float wt = w.get(wRow + t);
                for (int r = 0; r < ROWS; r++) {
                    if (r < nr) {
                        acc[r] = KernelMath.fma(xs[r * in + t], wt, acc[r]);
                    }
                }
            }
        }
        for (int r = 0; r < ROWS; r++) {
            if (r < nr) {
                float s = ctx.warpReduceSum(acc[r]);
                if (lane == 0) {
                    sums[r * WARPS + warp] = s;
                }
            }
        }
        ctx.localBarrier();
        if (lid < ROWS * perGroup) {
            int r = lid / perGroup;
            int j = lid % perGroup;
            int oj = ctx.groupIdx * perGroup + j;
            if (r < nr && oj < out) {
                float v = 0f;
                for (int p = 0; p < split; p++) {
                    v += sums[r * WARPS + j * split + p];
                }
                if (hasBias) {
                    v += bias.get(oj);
                }
                y.set((long) (r0 + r) * out + oj, v);
            }
        }
    }

    /**
     * out = (grouped gated RMSNorm of y with z) . W^T (+ bias), W bf16 read through its
     * packed float view (LinearBf16.packedView; {@code in % 8 == 0}): the Mamba-2 decode step's norm and
     * out_proj in one launch. Every work-group normalises its rows itself into local memory (z read in
     * place from the in_proj output {@code zxbcdt}, row stride {@code inRows}); on the side the launch
     * shifts the conv state of its rows (see {@link Mamba2DecodeKernels#gatedNormShift}), spread over the
     * {@code groupsX} work-groups of each grid row. Grid as {@link #normGemvBf16}.
     */
    public static void gatedNormGemvBf16(KernelContext ctx, FloatArray yIn, FloatArray zxbcdt, FloatArray gateW, FloatArray w,
                                     FloatArray bias, FloatArray y, FloatArray convState, int rows, @Specialize int in, int out,
                                     int inRows, int convDim, @Specialize int groupSize, float eps, boolean normBeforeGate,
                                     boolean hasBias, int groupsX, @Specialize int width, @Specialize int split) {
        // sized by the specialised row width and norm groups: the live rows and groups only
        float[] xs = ctx.allocateFloatLocalArray(ROWS * in);
        float[] partial = ctx.allocateFloatLocalArray(ROWS * (in / groupSize) * GROUP);
        float[] sums = ctx.allocateFloatLocalArray(ROWS * WARPS);
        float[] ssr = new float[ROWS * MAX_NORM_GROUPS];
        int lid = ctx.localIdx;
        // W first (see UNROLL_PACKED): a lane's whole part of its output's row, before the prologue's barriers
        float[] wv = new float[4 * UNROLL_PACKED];
        int lane = lid % KernelContext.WARP_SIZE;
        int warp = lid / KernelContext.WARP_SIZE;
        int perGroup = WARPS / split;
        int ow = ctx.groupIdx * perGroup + warp / split;
        int vlane = (warp % split) * KernelContext.WARP_SIZE + lane;
        int inP = in / 2;
        int stride = CHUNK * split;
        int kw = 4 * vlane;
        if (ow < out) {
            long wRow = (long) ow * inP;
            for (int u = 0; u < UNROLL_PACKED; u++) {
                int ku = kw + u * stride;
                if (ku + 4 <= inP) {
                    w.get4(wRow + ku, wv, 4 * u);
                }
            }
        }
        int r0 = ctx.groupIdy * ROWS;
        int nr = Math.min(ROWS, rows - r0);
        int normGroups = in / groupSize;
        for (int r = 0; r < ROWS; r++) {
            long yb = (long) (r0 + r) * in;
            long zb = (long) (r0 + r) * inRows;
            for (int g = 0; g < MAX_NORM_GROUPS; g++) {
                int q = r * MAX_NORM_GROUPS + g;
                ssr[q] = 0f;
                if (r < nr && g < normGroups) {
                    for (int i = lid; i < groupSize; i += GROUP) {
                        int k = g * groupSize + i;
                        float v = yIn.get(yb + k);
                        if (!normBeforeGate) {
                            v = v * silu(zxbcdt.get(zb + k));
                        }
                        xs[r * in + k] = v;
                        ssr[q] += v * v;
                    }
                }
            }
        }
        // all sums of squares in one tree: its barriers sit in one loop, not inside the row loops
        // (PoCL builds barriers nested in loops very slowly)
        // (only the normGroups live groups of each row: q = r * normGroups + g)
        for (int r = 0; r < ROWS; r++) {
            for (int g = 0; g < MAX_NORM_GROUPS; g++) {
                if (g < normGroups) {
                    partial[(r * normGroups + g) * GROUP + lid] = ssr[r * MAX_NORM_GROUPS + g];
                }
            }
        }
        ctx.localBarrier();
        for (int half = GROUP / 2; half > 0; half = half / 2) {
            if (lid < half) {
                for (int q = 0; q < ROWS * normGroups; q++) {
                    partial[q * GROUP + lid] = partial[q * GROUP + lid] + partial[q * GROUP + lid + half];
                }
            }
            ctx.localBarrier();
        }
        for (int r = 0; r < ROWS; r++) {
            long zb = (long) (r0 + r) * inRows;
            for (int g = 0; g < MAX_NORM_GROUPS; g++) {
                if (r < nr && g < normGroups) {
                    float scale = KernelMath.rsqrt(partial[(r * normGroups + g) * GROUP] / groupSize + eps);
                    for (int i = lid; i < groupSize; i += GROUP) {
                        int k = g * groupSize + i;
                        float o = xs[r * in + k] * scale * gateW.get(k);
                        if (normBeforeGate) {
                            o = o * silu(zxbcdt.get(zb + k));
                        }
                        xs[r * in + k] = o;
                    }
                }
            }
        }
        // the conv-state shift of this grid row's sequences (the conv + SSM kernel has read the old state)
        int stateLen = width - 1;
        int dInner = in;
        for (int chn = ctx.groupIdx * GROUP + lid; chn < nr * convDim; chn += groupsX * GROUP) {
            int rr = chn / convDim;
            int c = chn - rr * convDim;
            long s = ((long) (r0 + rr) * convDim + c) * stateLen;
            for (int i = 0; i < stateLen - 1; i++) {
                convState.set(s + i, convState.get(s + i + 1));
            }
            convState.set(s + stateLen - 1, zxbcdt.get((long) (r0 + rr) * inRows + dInner + c));
        }
        ctx.localBarrier();
        // the GEMV of GemvBf16PackedKernel (float4 loads of 8 packed bf16, loaded above), x read from the staged
        // local rows; UNROLL_PACKED * stride >= MAX_IN / 2 >= inP: one pass covers the row
        float[] acc = new float[ROWS];
        for (int r = 0; r < ROWS; r++) {
            acc[r] = 0f;
        }
        if (ow < out) {
            for (int r = 0; r < ROWS; r++) {
                if (r < nr) {
                    float a = acc[r];
                    for (int u = 0; u < UNROLL_PACKED; u++) {
                        int ku = kw + u * stride;
                        if (ku + 4 <= inP) {
                            int xb = r * in + 2 * ku;
                            for (int e = 0; e < 4; e++) {
                                int bits = Float.floatToRawIntBits(wv[4 * u + e]);
                                a = KernelMath.fma(xs[xb + 2 * e], Float.intBitsToFloat(bits << 16), a);
                                a = KernelMath.fma(xs[xb + 2 * e + 1], Float.intBitsToFloat(bits & 0xffff0000), a);
                            }
                        }
                    }
                    acc[r] = a;
                }
            }
        }
        for (int r = 0; r < ROWS; r++) {
            if (r < nr) {
                float s = ctx.warpReduceSum(acc[r]);
                if (lane == 0) {
                    sums[r * WARPS + warp] = s;
                }
            }
        }
        ctx.localBarrier();
        if (lid < ROWS * perGroup) {
            int r = lid / perGroup;
            int j = lid % perGroup;
            int oj = ctx.groupIdx * perGroup + j;
            if (r < nr && oj < out) {
                float v = 0f;
                for (int p = 0; p < split; p++) {
                    v += sums[r * WARPS + j * split + p];
                }
                if (hasBias) {
                    v += bias.get(oj);
                }
                y.set((long) (r0 + r) * out + oj, v);
            }
        }
    }

    /**
     * out = (grouped gated RMSNorm of y with z) . W^T (+ bias), W in FloatArray: the Mamba-2 decode step's norm and
     * out_proj in one launch. Every work-group normalises its rows itself into local memory (z read in
     * place from the in_proj output {@code zxbcdt}, row stride {@code inRows}); on the side the launch
     * shifts the conv state of its rows (see {@link Mamba2DecodeKernels#gatedNormShift}), spread over the
     * {@code groupsX} work-groups of each grid row. Grid as {@link #normGemvF32}.
     */
    public static void gatedNormGemvF32(KernelContext ctx, FloatArray yIn, FloatArray zxbcdt, FloatArray gateW, FloatArray w,
                                     FloatArray bias, FloatArray y, FloatArray convState, int rows, int in, int out,
                                     int inRows, int convDim, int groupSize, float eps, boolean normBeforeGate,
                                     boolean hasBias, int groupsX, @Specialize int width, @Specialize int split) {
        float[] xs = ctx.allocateFloatLocalArray(ROWS * MAX_IN);
        float[] partial = ctx.allocateFloatLocalArray(ROWS * MAX_NORM_GROUPS * GROUP);
        float[] sums = ctx.allocateFloatLocalArray(ROWS * WARPS);
        float[] ssr = new float[ROWS * MAX_NORM_GROUPS];
        int lid = ctx.localIdx;
        int r0 = ctx.groupIdy * ROWS;
        int nr = Math.min(ROWS, rows - r0);
        int normGroups = in / groupSize;
        for (int r = 0; r < ROWS; r++) {
            long yb = (long) (r0 + r) * in;
            long zb = (long) (r0 + r) * inRows;
            for (int g = 0; g < MAX_NORM_GROUPS; g++) {
                int q = r * MAX_NORM_GROUPS + g;
                ssr[q] = 0f;
                if (r < nr && g < normGroups) {
                    for (int i = lid; i < groupSize; i += GROUP) {
                        int k = g * groupSize + i;
                        float v = yIn.get(yb + k);
                        if (!normBeforeGate) {
                            v = v * silu(zxbcdt.get(zb + k));
                        }
                        xs[r * in + k] = v;
                        ssr[q] += v * v;
                    }
                }
            }
        }
        // all sums of squares in one tree: its barriers sit in one loop, not inside the row loops
        // (PoCL builds barriers nested in loops very slowly)
        for (int q = 0; q < ROWS * MAX_NORM_GROUPS; q++) {
            partial[q * GROUP + lid] = ssr[q];
        }
        ctx.localBarrier();
        for (int half = GROUP / 2; half > 0; half = half / 2) {
            if (lid < half) {
                for (int q = 0; q < ROWS * MAX_NORM_GROUPS; q++) {
                    partial[q * GROUP + lid] = partial[q * GROUP + lid] + partial[q * GROUP + lid + half];
                }
            }
            ctx.localBarrier();
        }
        for (int r = 0; r < ROWS; r++) {
            long zb = (long) (r0 + r) * inRows;
            for (int g = 0; g < MAX_NORM_GROUPS; g++) {
                if (r < nr && g < normGroups) {
                    float scale = KernelMath.rsqrt(partial[(r * MAX_NORM_GROUPS + g) * GROUP] / groupSize + eps);
                    for (int i = lid; i < groupSize; i += GROUP) {
                        int k = g * groupSize + i;
                        float o = xs[r * in + k] * scale * gateW.get(k);
                        if (normBeforeGate) {
                            o = o * silu(zxbcdt.get(zb + k));
                        }
                        xs[r * in + k] = o;
                    }
                }
            }
        }
        // the conv-state shift of this grid row's sequences (the conv + SSM kernel has read the old state)
        int stateLen = width - 1;
        int dInner = in;
        for (int chn = ctx.groupIdx * GROUP + lid; chn < nr * convDim; chn += groupsX * GROUP) {
            int rr = chn / convDim;
            int c = chn - rr * convDim;
            long s = ((long) (r0 + rr) * convDim + c) * stateLen;
            for (int i = 0; i < stateLen - 1; i++) {
                convState.set(s + i, convState.get(s + i + 1));
            }
            convState.set(s + stateLen - 1, zxbcdt.get((long) (r0 + rr) * inRows + dInner + c));
        }
        ctx.localBarrier();
        // the GEMV of GemvBf16Kernel, x read from the staged local rows
        float[] wv = new float[4 * UNROLL];
        float[] xv = new float[4 * UNROLL];
        float[] acc = new float[ROWS];
        int lane = lid % KernelContext.WARP_SIZE;
        int warp = lid / KernelContext.WARP_SIZE;
        int perGroup = WARPS / split;
        int o = ctx.groupIdx * perGroup + warp / split;
        int vlane = (warp % split) * KernelContext.WARP_SIZE + lane;
        for (int r = 0; r < ROWS; r++) {
            acc[r] = 0f;
        }
        if (o < out) {
            long wRow = (long) o * in;
            int stride = CHUNK * split;
            for (int k = 4 * vlane; k + 4 <= in; k += UNROLL * stride) {
                for (int u = 0; u < UNROLL; u++) {
                    int ku = k + u * stride;
                    if (ku + 4 <= in) {
                        w.get4(wRow + ku, wv, 4 * u);
                    }
                }
                for (int r = 0; r < ROWS; r++) {
                    if (r < nr) {
                        for (int u = 0; u < UNROLL; u++) {
                            int ku = k + u * stride;
                            if (ku + 4 <= in) {
                                xv[4 * u] = xs[r * in + ku];
                                xv[4 * u + 1] = xs[r * in + ku + 1];
                                xv[4 * u + 2] = xs[r * in + ku + 2];
                                xv[4 * u + 3] = xs[r * in + ku + 3];
                            }
                        }
                        float a = acc[r];
                        for (int u = 0; u < UNROLL; u++) {
                            if (k + u * stride + 4 <= in) {
                                a = KernelMath.fma(xv[4 * u], wv[4 * u], a);
                                a = KernelMath.fma(xv[4 * u + 1], wv[4 * u + 1], a);
                                a = KernelMath.fma(xv[4 * u + 2], wv[4 * u + 2], a);
                                a = KernelMath.fma(xv[4 * u + 3], wv[4 * u + 3], a);
                            }
                        }
                        acc[r] = a;
                    }
                }
            }
            int t = in - in % 4 + vlane;
            if (t < in) {
                float wt = w.get(wRow + t);
                for (int r = 0; r < ROWS; r++) {
                    if (r < nr) {
                        acc[r] = KernelMath.fma(xs[r * in + t], wt, acc[r]);
                    }
                }
            }
        }
        for (int r = 0; r < ROWS; r++) {
            if (r < nr) {
                float s = ctx.warpReduceSum(acc[r]);
                if (lane == 0) {
                    sums[r * WARPS + warp] = s;
                }
            }
        }
        ctx.localBarrier();
        if (lid < ROWS * perGroup) {
            int r = lid / perGroup;
            int j = lid % perGroup;
            int oj = ctx.groupIdx * perGroup + j;
            if (r < nr && oj < out) {
                float v = 0f;
                for (int p = 0; p < split; p++) {
                    v += sums[r * WARPS + j * split + p];
                }
                if (hasBias) {
                    v += bias.get(oj);
                }
                y.set((long) (r0 + r) * out + oj, v);
            }
        }
    }

    static float silu(float v) {
        return v / (1f + KernelMath.exp(-v));
    }
}
