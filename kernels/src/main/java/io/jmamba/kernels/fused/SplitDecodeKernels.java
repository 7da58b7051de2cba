package io.jmamba.kernels.fused;

import io.jmamba.kernels.support.Activations;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.KernelMath;
import io.jmamba.runtime.api.LongArray;
import io.jmamba.runtime.api.Specialize;

/**
 * A Mamba-2 decode layer (few rows, packed bf16 in_proj and out_proj, the gate before the norm) in two launches, one
 * grid-wide dependency each, instead of {@link PersistentDecodeKernels}' three. On the H100 every dependent launch or
 * grid barrier of a batch-1 step costs ~1.5 us plus ~3 us of ramp and tail for 1-2 us of work (session 5): the layer
 * count of dependencies, not its bytes, sets the step time. Two moves remove one:
 *
 * <ul>
 *   <li><b>The conv moves into in_proj's epilogue</b> ({@link #inProjConv}). The work-item that stores in_proj output
 *       {@code o} of the xBC columns owns conv channel {@code o - dInner}: it loaded that channel's weights and old state
 *       before the wait, convolves the new value, stores silu(conv) in place of the raw value and shifts the state. No
 *       other launch reads the conv state, so the shift needs no ordering against readers.</li>
 *   <li><b>out_proj is split along its input</b> ({@link #ssmOutProj}). The gated RMSNorm's scale {@code rsqrt(mean(y^2)
 *       + eps)} is one number per (row, norm group), so out_proj(norm(y)) = sum over groups of scale_g * (W . (gateW * y))
 *       restricted to the group's columns. The work-group that updates the state of {@code chans} channels also
 *       multiplies their gated y into their columns of W (read transposed, loaded before the wait) and adds the partial
 *       products and its sum of squares into {@code parts} and {@code partSq} with atomics. The next layer's
 *       {@link #inProjConv} (or {@link #combine} before the head) applies the scales while it stages its input row.</li>
 * </ul>
 * The atomics make the summation order of out_proj vary from run to run: results agree with the three-kernel layer to
 * fp32 rounding, not bit for bit. {@code parts} of a layer is zeroed by that layer's {@link #inProjConv} (the launch
 * before its {@link #ssmOutProj}, which adds into it only after its {@link KernelContext#gridDependencyWait()}).
 *
 * <p>Every launch here lets the next one start (programmatic dependent launch) at its very beginning: the next
 * launch's work-groups load their weights while this one still waits and works. Its wait still covers this launch's
 * completion (and, through this launch's own wait, the one before), and a launch starts only once every work-group of
 * the one before has started, so waiting work-groups never hold SMs an earlier launch still needs. That is the intent;
 * the H100 timeline ({@link #TRACE}, session 6) showed no launch starting before the one before had ended, because the
 * plan executor then cut captured runs at placeholder copies (one small CUDA graph per kernel). With whole runs
 * (session 7) the next launch starts while the one before runs: the gap from one launch's end to the next one's release
 * fell from 2.4-2.8 us to about 0.5 us, but the default fused step gained more (0.27 against 0.32 ms/token for the whole
 * model). The knobs below were tried with the cut runs.
 *
 * <p>What the H100 showed (session 6; {@code SplitDecodeBench}, 24 layers of the 130M shapes at batch 1 replayed from a
 * CUDA graph): 13.6-14.2 us per layer against 14.1-14.4 for the three phase launches and 17.3 for the three fused
 * kernels; launch 1 alone 8.5-8.8 us, launch 2 alone 6.7-7.1 us; one trivial kernel per step 8-24 us (the step's fixed
 * cost). Tried and not kept, each within noise or slower: the trigger after the wait instead of at the start, two
 * scalar atomics instead of {@link KernelContext#atomicAdd2}, 1 or 8 copies of the sums instead of 4, SSM work-groups
 * of 16 or 32 lanes (0.46-0.61 ms/token against 0.36) or of 256 items (0.39), in_proj with 4 outputs per warp (210
 * work-groups; the same times). ncu of one launch (cold caches): in_proj + conv 9.9 us at 102 registers, 4 work-groups
 * per SM, 0.23 issued warps per scheduler, 41% of stalls on L1TEX; the SSM launch 7.1 us.
 *
 * <p>Work-groups of {@link #GROUP}; the shapes are checked by {@link SplitDecode}.
 */
public final class SplitDecodeKernels {
    private SplitDecodeKernels() {
    }

    /** Warps per work-group (in_proj: {@link #OUTS} outputs each). */
    public static final int WARPS = FusedGemvStagedKernels.WARPS;
    /** Work-items per work-group of every kernel here. */
    public static final int GROUP = WARPS * KernelContext.WARP_SIZE;
    /** in_proj outputs per warp. */
    public static final int OUTS = FusedGemvStagedKernels.OUTS;
    static final int CHUNKS = FusedGemvWarpKernels.CHUNKS;

    /** flags: {@link #inProjConv} adds residualIn to its input row. */
    public static final int HAS_RESIDUAL = 1;
    /** flags: {@link #inProjConv} writes the residual sum to residualOut (work-group 0 of each row). */
    public static final int WRITE_RESIDUAL = 2;
    /** flags: in_proj has a bias. */
    public static final int IN_BIAS = 4;
    /** flags: the previous layer's out_proj has a bias ({@code prevBias}), added where its parts are combined. */
    public static final int PREV_BIAS = 8;
    /** flags: the input rows are {@code table[ids[row]]} (an id outside [0, vocab) gives a row of NaN). */
    public static final int EMBED = 16;
    /** flags: the input rows are the previous layer's out_proj, combined from its {@code parts} and {@code partSq}. */
    public static final int FROM_PARTS = 32;



    /**
     * {@code -Djmamba.decode.splitTrace=true}: each work-group of both launches stamps {@link KernelContext#globalTimer()}
     * at its start, after its wait and at its end (after a barrier) into {@code trace[3 (traceAt + group) ..]}, where
     * {@code traceAt + group < traceSlots} ({@code SplitDecodeBench}'s timeline). A literal in the compiled kernels: off,
     * no stamp is compiled in.
     */
    static final boolean TRACE = Boolean.getBoolean("jmamba.decode.splitTrace");

    /** in_proj's work-groups per row: {@link #WARPS} x {@link #OUTS} outputs each. */
    public static int inProjBlocks(int out) {
        return (out + WARPS * OUTS - 1) / (WARPS * OUTS);
    }

    /**
     * Launch 1 of a layer: the input row (hidden, the embedding, or the previous layer's combined parts) plus the
     * residual, RMSNorm, in_proj (packed bf16 W), and for the xBC outputs the conv step; zeroes this layer's
     * {@code parts} and {@code partSq} for launch 2. Grid: {@code rows * inProjBlocks(out)} work-groups of {@link #GROUP}.
     *
     * @param parts, partSq the previous layer's out_proj parts (rows, normGroups, copies, in) and sums of squares (rows,
     *                      normGroups, copies), read with {@link #FROM_PARTS}: each the sum of its copies
     * @param zxbcdt        (rows, out): z | silu(conv(x B C)) | dt
     * @param convState     (rows, convDim, width - 1), shifted here
     * @param nextParts, nextSq this layer's, zeroed
     */
    public static void inProjConv(KernelContext ctx, FloatArray hidden, FloatArray parts, FloatArray partSq, FloatArray prevBias,
                                  FloatArray residualIn, FloatArray normW, FloatArray w, FloatArray bias, FloatArray zxbcdt,
                                  FloatArray residualOut, FloatArray convState, FloatArray convW, FloatArray convBias,
                                  FloatArray nextParts, FloatArray nextSq, IntArray ids, FloatArray table, int rows,
                                  @Specialize int in, int out, int dInner, int convDim, @Specialize int normGroups,
                                  @Specialize int copies, int groupSize, float eps, int flags, int ssmFlags, int vocab,
                                  @Specialize int width, LongArray trace, int traceAt, int traceSlots) {
        long tStart = TRACE ? ctx.globalTimer() : 0L;
        float[] xs = ctx.allocateFloatLocalArray(FusedGemvKernels.MAX_IN);
        float[] partial = ctx.allocateFloatLocalArray(WARPS);
        float[] wv = new float[OUTS * 4 * CHUNKS];
        float[] nw = new float[8 * CHUNKS];
        float[] cw = new float[width];
        float[] cs = new float[width];
        float[] sc = new float[normGroups];
        float[] acc = new float[OUTS];
        ctx.launchDependents();
        int lid = ctx.localIdx;
        int lane = lid % KernelContext.WARP_SIZE;
        int warp = lid / KernelContext.WARP_SIZE;
        int blocks = inProjBlocks(out);
        int row = ctx.groupIdx / blocks;
        int blk = ctx.groupIdx - row * blocks;
        int o0 = (blk * WARPS + warp) * OUTS;
        int inP = in / 2;
        int stateLen = width - 1;
        // what the launch before does not write: W, the norm weight, and (lanes 0 .. OUTS - 1) the conv channel of
        // output o0 + lane, its weights and old state (only this launch touches the conv state)
        FusedGemvWarpKernels.loadRows(w, wv, lane, o0, inP, out);
        FusedGemvWarpKernels.normWeights(normW, nw, lane, in);
        int mine = o0 + lane;
        int c = mine - dInner;
        boolean convLane = lane < OUTS && mine < out && c >= 0 && c < convDim;
        long sAt = ((long) row * convDim + Math.max(c, 0)) * stateLen;
        float cb = 0f;
        if (convLane) {
            for (int k = 0; k < width; k++) {
                cw[k] = convW.get((long) c * width + k);
            }
            for (int k = 0; k < stateLen; k++) {
                cs[k] = convState.get(sAt + k);
            }
            cb = (ssmFlags & Mamba2DecodeKernels.CONV_BIAS) != 0 ? convBias.get(c) : 0f;
        }
        ctx.gridDependencyWait();
        long tWait = TRACE ? ctx.globalTimer() : 0L;
        zeroParts(ctx, nextParts, nextSq, rows * normGroups * copies * in, rows * normGroups * copies);
        boolean fromParts = (flags & FROM_PARTS) != 0;
        for (int n = 0; n < normGroups; n++) {
            sc[n] = fromParts ? normScale(partSq, (row * normGroups + n) * copies, copies, groupSize, eps) : 0f;
        }
        float ss = stageRow(ctx, xs, hidden, parts, sc, prevBias, residualIn, residualOut, ids, table, row, in, normGroups, copies,
                flags, vocab, blk == 0);
        float scale = FusedGemvStagedKernels.rmsScale(ctx, partial, ss, lane, warp, WARPS, in, eps);
        FusedGemvStagedKernels.dotPair(acc, xs, nw, wv, scale, lane, inP, true);
        float a0 = ctx.warpReduceSum(acc[0]);
        float a1 = ctx.warpReduceSum(acc[1]);
        if (lane < OUTS && mine < out) {
            float v = lane == 0 ? a0 : a1;
            if ((flags & IN_BIAS) != 0) {
                v += bias.get(mine);
            }
            long at = (long) row * out + mine;
            if (convLane) {
                // the conv as Mamba2DecodeKernels.conv: bias + sum_k w[k] * (old state | x), SiLU; then the shift
                float s = cb;
                for (int k = 0; k < stateLen; k++) {
                    s += cw[k] * cs[k];
                }
                s += cw[stateLen] * v;
                zxbcdt.set(at, Activations.silu(s));
                for (int k = 0; k < stateLen - 1; k++) {
                    convState.set(sAt + k, cs[k + 1]);
                }
                convState.set(sAt + stateLen - 1, v);
            } else {
                zxbcdt.set(at, v);
            }
        }
        stamp(ctx, trace, traceAt, traceSlots, tStart, tWait);
    }

    /** The gated norm's scale {@code rsqrt(sum of the copies' squares / groupSize + eps)} of one (row, norm group). */
    static float normScale(FloatArray partSq, int at, int copies, int groupSize, float eps) {
        float sq = 0f;
        for (int r = 0; r < copies; r++) {
            sq += partSq.get(at + r);
        }
        return KernelMath.rsqrt(sq / groupSize + eps);
    }

    /** With {@link #TRACE}: the work-group's start, wait and end stamps (see there); nothing otherwise. */
    static void stamp(KernelContext ctx, LongArray trace, int traceAt, int traceSlots, long tStart, long tWait) {
        if (TRACE) {
            ctx.localBarrier();
            int slot = traceAt + ctx.groupIdx;
            if (ctx.localIdx == 0 && slot < traceSlots) {
                long at = 3L * slot;
                trace.set(at, tStart);
                trace.set(at + 1, tWait);
                trace.set(at + 2, ctx.globalTimer());
            }
        }
    }

    /** Zeroes the first {@code count} floats of {@code parts} and {@code sqCount} of {@code partSq}, spread over the grid. */
    static void zeroParts(KernelContext ctx, FloatArray parts, FloatArray partSq, int count, int sqCount) {
        int step = ctx.globalGroupSizeX;
        for (int i = ctx.globalIdx; i < count; i += step) {
            parts.set(i, 0f);
        }
        for (int i = ctx.globalIdx; i < sqCount; i += step) {
            partSq.set(i, 0f);
        }
    }

    /**
     * Stages row {@code row}'s input (see {@link #inProjConv}) plus the residual into the chunk-transposed local row
     * {@code xs} ({@link FusedGemvStagedKernels#stage}), writes the residual sum when {@code writer} and asked to, and
     * returns the item's part of the sum of squares.
     */
    static float stageRow(KernelContext ctx, float[] xs, FloatArray hidden, FloatArray parts, float[] sc, FloatArray prevBias,
                          FloatArray residualIn, FloatArray residualOut, IntArray ids, FloatArray table, int row, int in,
                          int normGroups, int copies, int flags, int vocab, boolean writer) {
        float[] t = new float[4];
        float[] r = new float[4];
        float[] p = new float[4];
        float[] sum = new float[4];
        boolean embed = (flags & EMBED) != 0;
        boolean fromParts = (flags & FROM_PARTS) != 0;
        long base = (long) row * in;
        int id = embed ? ids.get(row) : 0;
        boolean valid = id >= 0 && id < vocab;
        long src = embed ? (valid ? (long) id * in : 0L) : base;
        boolean write = writer && (flags & WRITE_RESIDUAL) != 0;
        float ss = 0f;
        for (int q = ctx.localIdx; 4 * q < in; q += GROUP) {
            if (embed) {
                table.get4(src + 4 * q, t, 0);
                if (!valid) {
                    for (int e = 0; e < 4; e++) {
                        t[e] = Float.NaN;
                    }
                }
            } else if (fromParts) {
                for (int e = 0; e < 4; e++) {
                    t[e] = 0f;
                }
                for (int n = 0; n < normGroups; n++) {
                    for (int e = 0; e < 4; e++) {
                        sum[e] = 0f;
                    }
                    for (int k = 0; k < copies; k++) {
                        parts.get4((((long) row * normGroups + n) * copies + k) * in + 4 * q, p, 0);
                        for (int e = 0; e < 4; e++) {
                            sum[e] += p[e];
                        }
                    }
                    for (int e = 0; e < 4; e++) {
                        t[e] = KernelMath.fma(sc[n], sum[e], t[e]);
                    }
                }
                if ((flags & PREV_BIAS) != 0) {
                    for (int e = 0; e < 4; e++) {
                        t[e] += prevBias.get(4 * q + e);
                    }
                }
            } else {
                hidden.get4(src + 4 * q, t, 0);
            }
            if ((flags & HAS_RESIDUAL) != 0) {
                residualIn.get4(base + 4 * q, r, 0);
                FusedGemvStagedKernels.addResidual(t, r);
            }
            if (write) {
                residualOut.set4(base + 4 * q, t, 0);
            }
            ss = FusedGemvStagedKernels.stage(xs, t, q, ss);
        }
        return ss;
    }

    /** Channels per work-group of {@link #ssmOutProj}: one per {@code lanes} work-items. */
    public static int channels(int lanes) {
        return GROUP / lanes;
    }

    /** {@link #ssmOutProj}'s work-groups: rows x heads x {@code headdim / channels(lanes)}. */
    public static int ssmUnits(int rows, int heads, int headdim, int lanes) {
        return rows * heads * (headdim / channels(lanes));
    }

    /**
     * Launch 2 of a layer: the SSM state update of {@code channels(lanes)} channels of one (row, head) from the post-conv
     * x, B, C of {@link #inProjConv}, the D skip and the gate y * silu(z), then their part of out_proj: for every output
     * o, {@code sum_c W[o, c] * gateW[c] * y[c]} over the work-group's channels, added into {@code parts} (row, norm
     * group, copy, o), and their sum of y^2 into {@code partSq} (row, norm group, copy); the copy is the work-group
     * number modulo {@code copies}. Grid: {@link #ssmUnits} work-groups of
     * {@link #GROUP}; {@code headdim} and {@code groupSize} multiples of {@code channels(lanes)}.
     *
     * @param wt out_proj transposed, packed bf16 (dInner, dModel / 2): entry (c, j) holds W[2j, c] (low half) and
     *           W[2j + 1, c]
     */
    public static void ssmOutProj(KernelContext ctx, FloatArray zxbcdt, FloatArray ssmState, FloatArray a, FloatArray dSkip,
                                  FloatArray dtBias, FloatArray gateW, FloatArray wt, FloatArray parts, FloatArray partSq,
                                  int heads, @Specialize int headdim, int groups, float dtMin, float dtMax,
                                  @Specialize int dstate, @Specialize int lanes, @Specialize int dModel,
                                  @Specialize int normGroups, @Specialize int copies, int groupSize, int ssmFlags,
                                  LongArray trace, int traceAt, int traceSlots) {
        long tStart = TRACE ? ctx.globalTimer() : 0L;
        float[] bc = ctx.allocateFloatLocalArray(2 * Mamba2DecodeKernels.MAX_DSTATE);
        float[] yl = ctx.allocateFloatLocalArray(GROUP);
        float[] sq = ctx.allocateFloatLocalArray(GROUP);
        int chans = GROUP / lanes;
        int slots = (dstate + lanes - 1) / lanes;
        int pairs = dModel / 2;
        int pairSlots = (pairs + GROUP - 1) / GROUP;
        float[] sv = new float[slots];
        float[] wr = new float[chans * pairSlots];
        ctx.launchDependents();
        int lid = ctx.localIdx;
        int lane = lid % lanes;
        int blocks = headdim / chans;
        int bh = ctx.groupIdx / blocks;
        int pb = ctx.groupIdx - bh * blocks;
        int bi = bh / heads;
        int h = bh - bi * heads;
        int gi = h / (heads / groups);
        int dInner = heads * headdim;
        int gn = groups * dstate;
        int convDim = dInner + 2 * gn;
        int inRows = dInner + convDim + heads;
        int cl = lid / lanes;
        int ch0 = h * headdim + pb * chans;
        int ch = ch0 + cl;
        long stateBase = (((long) bi * heads + h) * headdim + pb * chans + cl) * dstate;
        boolean quads = Mamba2DecodeKernels.STATE_QUADS && dstate % (4 * lanes) == 0;
        // before the wait: the state rows, the channels' columns of W (transposed: rows of it), the head's parameters
        Mamba2DecodeKernels.loadState(ssmState, sv, stateBase, lane, lanes, slots, dstate, quads);
        for (int k = 0; k < chans; k++) {
            for (int j = 0; j < pairSlots; j++) {
                int pi = lid + GROUP * j;
                if (pi < pairs) {
                    wr[k * pairSlots + j] = wt.get((long) (ch0 + k) * pairs + pi);
                }
            }
        }
        float av = a.get(h);
        float dv = (ssmFlags & Mamba2DecodeKernels.HAS_D) != 0 ? dSkip.get(h) : 0f;
        float dtb = (ssmFlags & Mamba2DecodeKernels.DT_BIAS) != 0 ? dtBias.get(h) : 0f;
        float gw = gateW.get(ch);
        ctx.gridDependencyWait();
        long tWait = TRACE ? ctx.globalTimer() : 0L;
        long zRow = (long) bi * inRows;
        // the item's own x, z, dt with the B/C loads, before the barrier: one round trip to L2, not two
        float xv = zxbcdt.get(zRow + dInner + ch);
        float zv = zxbcdt.get(zRow + ch);
        float dtv = zxbcdt.get(zRow + dInner + convDim + h) + dtb;
        for (int j = lid; j < 2 * dstate; j += GROUP) {
            bc[j] = zxbcdt.get(zRow + dInner + PersistentDecodeKernels.bcChannel(j, dInner, gn, gi, dstate));
        }
        if ((ssmFlags & Mamba2DecodeKernels.DT_SOFTPLUS) != 0) {
            dtv = Activations.softplus(dtv);
        }
        if ((ssmFlags & Mamba2DecodeKernels.DT_LIMIT) != 0) {
            dtv = Math.min(Math.max(dtv, dtMin), dtMax);
        }
        float decay = KernelMath.exp(dtv * av);
        float gate = FusedGemvKernels.silu(zv);
        ctx.localBarrier();
        float y = Mamba2DecodeKernels.updateState(ctx, ssmState, sv, bc, stateBase, lane, lanes, slots, dstate, decay, dtv * xv,
                quads, true);
        if ((ssmFlags & Mamba2DecodeKernels.HAS_D) != 0) {
            y = KernelMath.fma(dv, xv, y);
        }
        float gated = y * gate;
        if (lane == 0) {
            yl[cl] = gated * gw;
            sq[cl] = gated * gated;
        }
        ctx.localBarrier();
        // this work-group's copy of the sums: copies spread the atomics of one output over more addresses (same-address
        // atomics serialise in L2)
        int copy = ctx.groupIdx % copies;
        int at = (bi * normGroups + ch0 / groupSize) * copies + copy;
        if (lid == 0) {
            float s = 0f;
            for (int k = 0; k < chans; k++) {
                s += sq[k];
            }
            ctx.atomicAdd(partSq, at, s);
        }
        int pBase = at * dModel;
        for (int j = 0; j < pairSlots; j++) {
            int pi = lid + GROUP * j;
            if (pi < pairs) {
                float s0 = 0f;
                float s1 = 0f;
                for (int k = 0; k < chans; k++) {
                    int bits = Float.floatToRawIntBits(wr[k * pairSlots + j]);
                    s0 = KernelMath.fma(yl[k], Float.intBitsToFloat(bits << 16), s0);
                    s1 = KernelMath.fma(yl[k], Float.intBitsToFloat(bits & 0xffff0000), s1);
                }
                ctx.atomicAdd2(parts, pBase + 2 * pi, s0, s1);
            }
        }
        stamp(ctx, trace, traceAt, traceSlots, tStart, tWait);
    }

    /**
     * The last layer's output for the head: {@code out = sum_g scale_g * parts_g (+ bias)}, as {@link #inProjConv}
     * combines its input. Grid: {@code rows * dModel} work-items in work-groups of {@link #GROUP}.
     */
    public static void combine(KernelContext ctx, FloatArray parts, FloatArray partSq, FloatArray bias, FloatArray out, int rows,
                               int dModel, @Specialize int normGroups, @Specialize int copies, int groupSize, float eps,
                               boolean hasBias) {
        // the head after this launch loads its 77 MB of lm_head weights before its wait: let it start now
        ctx.launchDependents();
        ctx.gridDependencyWait();
        int i = ctx.globalIdx;
        if (i < rows * dModel) {
            int row = i / dModel;
            int o = i - row * dModel;
            float t = 0f;
            for (int n = 0; n < normGroups; n++) {
                int at = (row * normGroups + n) * copies;
                float sum = 0f;
                for (int r = 0; r < copies; r++) {
                    sum += parts.get((long) (at + r) * dModel + o);
                }
                t = KernelMath.fma(normScale(partSq, at, copies, groupSize, eps), sum, t);
            }
            out.set(i, hasBias ? t + bias.get(o) : t);
        }
    }
}
