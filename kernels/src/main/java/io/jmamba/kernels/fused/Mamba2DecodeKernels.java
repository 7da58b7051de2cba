package io.jmamba.kernels.fused;

import io.jmamba.kernels.support.Activations;
import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.KernelMath;
import io.jmamba.runtime.api.Specialize;

/**
 * The Mamba-2 decode step between in_proj and out_proj in two kernels that read the in_proj output
 * {@code zxbcdt} (batch, z | xBC | dt) where it lies, instead of five (two column splits, the conv
 * update, the state update, the gated norm).
 *
 * <ul>
 *   <li>{@link #convSsm}: the causal conv (+ bias, SiLU) of the step's xBC from the <em>old</em> conv
 *       state, and the selective state update (dt bias, softplus, dt limit, D skip) with the SSM state
 *       updated in place. A work-group owns {@code rowsPerGroup} state rows of one (batch, head); it first
 *       computes the B and C channels of the head's group into local memory (each work-group again: a
 *       few hundred 4-tap dot products from L2), then {@code lanes} consecutive work-items share a state
 *       row, lane {@code l} owning entries {@code n = l, l + lanes, ...} (coalesced, each entry read
 *       and written by one item), and the row's {@code y} meets in a butterfly of shuffles.
 *       The conv state is only read here: other work-groups read the B and C channels' state too, and
 *       nothing orders them against a writer.</li>
 *   <li>{@link #gatedNormShift}: the grouped gated RMSNorm of y with z, one work-group per (batch, norm
 *       group), and on the side the conv-state shift (drop the oldest column, append the step's xBC),
 *       which is safe here because {@link #convSsm} has finished reading the old state.</li>
 * </ul>
 * Arithmetic follows the unfused kernels (CausalConv1dKernels.update, SelectiveStateUpdateLaneKernels.mamba2,
 * NormKernels.gatedRmsNormGroup) operation for operation, so results agree to the last bits up to the
 * norm's summation order.
 */
public final class Mamba2DecodeKernels {
    private Mamba2DecodeKernels() {
    }

    /**
     * {@code -Djmamba.decode.stateQuads=false} keeps {@link #convSsm}'s state row in single floats, lane {@code l}
     * owning entries {@code l, l + lanes, ...}, instead of 16-byte quads (to time the two in one build; a literal
     * in the compiled kernel).
     */
    static final boolean STATE_QUADS = !"false".equals(System.getProperty("jmamba.decode.stateQuads"));

    /** Work-items per work-group of both kernels. */
    public static final int GROUP = 256;
    /** Largest d_state {@link #convSsm} takes (its local B and C arrays). */
    public static final int MAX_DSTATE = 256;

    /** flags: the conv has a bias. */
    public static final int CONV_BIAS = 1;
    /** flags: add D * x. */
    public static final int HAS_D = 2;
    /** flags: dt = softplus(dt + dt_bias). */
    public static final int DT_SOFTPLUS = 4;
    /** flags: clamp dt to [dtMin, dtMax]. */
    public static final int DT_LIMIT = 8;
    /** flags: add dt_bias. */
    public static final int DT_BIAS = 16;
    /**
     * flags: write y * silu(z) (Mamba-2's gate when the norm follows it, norm_before_gate = false), so that the
     * out_proj GEMV ({@link FusedGemvGatedWarpKernels}) needs no exp per warp.
     */
    public static final int GATE_Z = 32;

    /**
     * Lanes per state row for {@code dstate} at {@code batch}: 32 for a few sequences (batch 1: 24 heads x 8
     * work-groups of 8 rows rather than 48 groups of 32 rows; the H100 took 6 us with 48), 8 beyond (each
     * work-group recomputes its B and C, so fewer, larger groups when there is parallelism enough); the
     * next power of two when dstate is smaller.
     */
    public static int lanes(int dstate, int batch) {
        int cap = batch <= 4 ? 32 : 8;
        int lanes = 1;
        while (lanes < dstate && lanes < cap) {
            lanes *= 2;
        }
        return lanes;
    }

    /**
     * See the class comment. Grid: {@code batch * heads * ceil(headdim / (GROUP / lanes))} work-groups of
     * {@link #GROUP}; {@code lanes} from {@link #lanes}.
     *
     * @param zxbcdt    (batch, inRows): z (dInner), xBC (convDim = dInner + 2 groups dstate), dt (heads)
     * @param convState (batch, convDim, width - 1), read only
     * @param convW     (convDim, width)
     * @param ssmState  (batch, heads, headdim, dstate), updated in place
     * @param y         (batch, dInner): y = C . h + D x, ungated
     */
    public static void convSsm(KernelContext ctx, FloatArray zxbcdt, FloatArray convState, FloatArray convW,
                               FloatArray convBias, FloatArray ssmState, FloatArray a, FloatArray dSkip, FloatArray dtBias,
                               FloatArray y, int batch, int heads, int headdim, int groups, float dtMin, float dtMax,
                               @Specialize int dstate, @Specialize int width, @Specialize int lanes, int flags) {
        float[] bc = ctx.allocateFloatLocalArray(2 * MAX_DSTATE);
        int dInner = heads * headdim;
        int gn = groups * dstate;
        int convDim = dInner + 2 * gn;
        int inRows = dInner + convDim + heads;
        int stateLen = width - 1;
        int rowsPerGroup = GROUP / lanes;
        int blocks = (headdim + rowsPerGroup - 1) / rowsPerGroup;
        int lid = ctx.localIdx;
        int bh = ctx.groupIdx / blocks;
        int pb = ctx.groupIdx - bh * blocks;
        int bi = bh / heads;
        int h = bh - bi * heads;
        int g = h / (heads / groups);
        long zRow = (long) bi * inRows;
        int lane = lid % lanes;
        int p = pb * rowsPerGroup + lid / lanes;
        boolean owner = p < headdim;
        int pp = Math.min(p, headdim - 1);
        int ch = h * headdim + pp;
        // the SSM state row first: its DRAM reads are the step's longest latency and depend on nothing, so
        // they are in flight while the B, C and x convs read L2 (no global load moves across the barrier)
        long stateBase = (((long) bi * heads + h) * headdim + pp) * dstate;
        int slots = (dstate + lanes - 1) / lanes;
        float[] sv = new float[slots];
        // quads (dstate a multiple of 4 lanes' worth; a constant, dstate and lanes being specialised): lane l owns
        // entries 4 l + 4 lanes k .. + 3, one 16-byte load and store each, the lanes of a row on consecutive bytes
        boolean quads = STATE_QUADS && dstate % (4 * lanes) == 0;
        loadState(ssmState, sv, stateBase, lane, lanes, slots, dstate, quads);
        // then the rest of what the launch before (in_proj) does not write: the conv weights and old conv state of
        // this item's x channel and of its first B or C channel, the head's parameters (DRAM: a step's weights
        // and states do not stay in L2); programmatic dependent launch on CUDA lets all of it overlap in_proj's tail
        float[] wx = new float[width];
        float[] sx = new float[width];
        float[] wb = new float[width];
        float[] sb = new float[width];
        long xState = ((long) bi * convDim + ch) * stateLen;
        for (int k = 0; k < width; k++) {
            wx[k] = convW.get((long) ch * width + k);
        }
        for (int k = 0; k < stateLen; k++) {
            sx[k] = convState.get(xState + k);
        }
        float biasX = (flags & CONV_BIAS) != 0 ? convBias.get(ch) : 0f;
        boolean firstBc = lid < 2 * dstate;
        int cb = lid < dstate ? dInner + g * dstate + lid : dInner + gn + g * dstate + (lid - dstate);
        float biasB = 0f;
        if (firstBc) {
            long bState = ((long) bi * convDim + cb) * stateLen;
            for (int k = 0; k < width; k++) {
                wb[k] = convW.get((long) cb * width + k);
            }
            for (int k = 0; k < stateLen; k++) {
                sb[k] = convState.get(bState + k);
            }
            if ((flags & CONV_BIAS) != 0) {
                biasB = convBias.get(cb);
            }
        }
        float ah = a.get(h);
        float dh = (flags & HAS_D) != 0 ? dSkip.get(h) : 0f;
        float dtb = (flags & DT_BIAS) != 0 ? dtBias.get(h) : 0f;
        ctx.gridDependencyWait();
        ctx.launchDependents();
        // the conv as conv(): bias + sum_k w[k] * (old state | x), SiLU
        float accX = biasX;
        for (int k = 0; k < stateLen; k++) {
            accX += wx[k] * sx[k];
        }
        accX += wx[stateLen] * zxbcdt.get(zRow + dInner + ch);
        float xv = Activations.silu(accX);
        // z of the gate now, not after the row's reduction, where its L2 latency would end the kernel
        float zv = (flags & GATE_Z) != 0 ? zxbcdt.get(zRow + ch) : 0f;
        float dtv = zxbcdt.get(zRow + dInner + convDim + h);
        if ((flags & DT_BIAS) != 0) {
            dtv += dtb;
        }
        if ((flags & DT_SOFTPLUS) != 0) {
            dtv = Activations.softplus(dtv);
        }
        if ((flags & DT_LIMIT) != 0) {
            dtv = Math.min(Math.max(dtv, dtMin), dtMax);
        }
        float decay = KernelMath.exp(dtv * ah);
        float dtx = dtv * xv;
        // B and C of this head's group: channels dInner + g * dstate + n and dInner + gn + g * dstate + n; the
        // first from the registers loaded before the wait, any further ones (dstate > GROUP / 2) as they come
        if (firstBc) {
            float accB = biasB;
            for (int k = 0; k < stateLen; k++) {
                accB += wb[k] * sb[k];
            }
            accB += wb[stateLen] * zxbcdt.get(zRow + dInner + cb);
            bc[lid] = Activations.silu(accB);
        }
        for (int j = lid + GROUP; j < 2 * dstate; j += GROUP) {
            int c = j < dstate ? dInner + g * dstate + j : dInner + gn + g * dstate + (j - dstate);
            bc[j] = conv(zxbcdt, convState, convW, convBias, zRow + dInner + c, ((long) bi * convDim + c) * stateLen, c,
                    width, flags);
        }
        ctx.localBarrier();
        float acc = updateState(ctx, ssmState, sv, bc, stateBase, lane, lanes, slots, dstate, decay, dtx, quads, owner);
        if (owner && lane == 0) {
            if ((flags & HAS_D) != 0) {
                acc = KernelMath.fma(dh, xv, acc);
            }
            if ((flags & GATE_Z) != 0) {
                acc = acc * FusedGemvKernels.silu(zv);
            }
            y.set((long) bi * dInner + ch, acc);
        }
    }

    /** The conv of one channel at the step: bias + sum_k w[k] * (old state | x), SiLU; as CausalConv1dKernels.update. */
    static float conv(FloatArray zxbcdt, FloatArray convState, FloatArray convW, FloatArray convBias, long xAt, long sBase,
                      int c, int width, int flags) {
        float acc = (flags & CONV_BIAS) != 0 ? convBias.get(c) : 0f;
        for (int k = 0; k < width - 1; k++) {
            acc += convW.get((long) c * width + k) * convState.get(sBase + k);
        }
        acc += convW.get((long) c * width + width - 1) * zxbcdt.get(xAt);
        return Activations.silu(acc);
    }

    /**
     * See the class comment. Grid: {@code groups} work-groups of {@link #GROUP}: the first {@code batch * normGroups}
     * normalise one (sequence, norm group) each, and all of them shift the conv state one channel per item
     * (H100, batch 1: 1 norm group alone took 17 us, serial; now 13 groups).
     *
     * @param y         (batch, dInner) from {@link #convSsm}
     * @param zxbcdt    (batch, inRows): z is columns [0, dInner); xBC follows
     * @param out       (batch, dInner): rmsnorm_g(y * silu(z)) * w, or with normBeforeGate rmsnorm_g(y) * w * silu(z)
     * @param convState (batch, convDim, width - 1): shifted by one column, the step's xBC appended
     */
    public static void gatedNormShift(KernelContext ctx, FloatArray y, FloatArray zxbcdt, FloatArray weight, FloatArray out,
                                      FloatArray convState, int batch, int dInner, int inRows, int convDim, int groupSize,
                                      float eps, boolean normBeforeGate, int groups, @Specialize int width) {
        float[] partial = ctx.allocateFloatLocalArray(GROUP);
        int lid = ctx.localIdx;
        // y comes from convSsm, which also reads the conv state this kernel shifts (programmatic dependent launch
        // on CUDA: the work-groups are resident while convSsm drains)
        ctx.gridDependencyWait();
        ctx.launchDependents();
        int normGroups = dInner / groupSize;
        boolean norm = ctx.groupIdx < batch * normGroups;
        int bi = ctx.groupIdx / normGroups;
        int g = ctx.groupIdx - bi * normGroups;
        long base = (long) bi * dInner + (long) g * groupSize;
        long zBase = (long) bi * inRows + (long) g * groupSize;
        // every work-group goes through groupSum's barriers, the shift-only ones with zeros: with the barriers inside
        // `if (norm)` PoCL ran the store loop below once for the items past a narrow group's width (stores past the
        // group, past out's end for the last one; see GatedNormShiftGuardTest)
        // barriers outside `if (norm)`, as in gatedNormShift
        float squares = norm ? gatedSquares(y, zxbcdt, base, zBase, lid, groupSize, normBeforeGate) : 0f;
        float scale = KernelMath.rsqrt(groupSum(ctx, partial, lid, squares) / groupSize + eps);
        if (norm) {
            for (int i = lid; i < groupSize; i += GROUP) {
                out.set(base + i, gatedNormed(y, zxbcdt, weight, base, zBase, g * groupSize, i, scale, normBeforeGate));
            }
        }
        shiftConvState(ctx.groupIdx, lid, convState, zxbcdt, batch, dInner, inRows, convDim, groups, width);
    }

    /**
     * {@link #gatedNormShift} writing the normalised y in bf16 (rounded to nearest even, as the cast before a bf16
     * GEMM would round it): the out_proj GEMM on cuBLAS reads it directly, with no cast launch between.
     */
    public static void gatedNormShiftBf16Out(KernelContext ctx, FloatArray y, FloatArray zxbcdt, FloatArray weight,
                                             BFloat16Array out, FloatArray convState, int batch, int dInner, int inRows,
                                             int convDim, int groupSize, float eps, boolean normBeforeGate, int groups,
                                             @Specialize int width) {
        float[] partial = ctx.allocateFloatLocalArray(GROUP);
        int lid = ctx.localIdx;
        ctx.gridDependencyWait();
        ctx.launchDependents();
        int normGroups = dInner / groupSize;
        boolean norm = ctx.groupIdx < batch * normGroups;
        int bi = ctx.groupIdx / normGroups;
        int g = ctx.groupIdx - bi * normGroups;
        long base = (long) bi * dInner + (long) g * groupSize;
        long zBase = (long) bi * inRows + (long) g * groupSize;
        float squares = norm ? gatedSquares(y, zxbcdt, base, zBase, lid, groupSize, normBeforeGate) : 0f;
        float scale = KernelMath.rsqrt(groupSum(ctx, partial, lid, squares) / groupSize + eps);
        if (norm) {
            for (int i = lid; i < groupSize; i += GROUP) {
                out.set(base + i, gatedNormed(y, zxbcdt, weight, base, zBase, g * groupSize, i, scale, normBeforeGate));
            }
        }
        shiftConvState(ctx.groupIdx, lid, convState, zxbcdt, batch, dInner, inRows, convDim, groups, width);
    }

    /** This item's part of the sum of squares of the gated y over one norm group. */
    static float gatedSquares(FloatArray y, FloatArray zxbcdt, long base, long zBase, int lid, int groupSize,
                              boolean normBeforeGate) {
        float ss = 0f;
        for (int i = lid; i < groupSize; i += GROUP) {
            float v = y.get(base + i);
            if (!normBeforeGate) {
                v = v * silu(zxbcdt.get(zBase + i));
            }
            ss += v * v;
        }
        return ss;
    }

    /** Element {@code i} of a norm group: rmsnorm_g(y * silu(z)) * w, or with normBeforeGate rmsnorm_g(y) * w * silu(z). */
    static float gatedNormed(FloatArray y, FloatArray zxbcdt, FloatArray weight, long base, long zBase, int wBase, int i,
                             float scale, boolean normBeforeGate) {
        float v = y.get(base + i);
        if (!normBeforeGate) {
            return v * silu(zxbcdt.get(zBase + i)) * scale * weight.get(wBase + i);
        }
        return v * scale * weight.get(wBase + i) * silu(zxbcdt.get(zBase + i));
    }

    /** The conv-state shift, spread over every work-item of the launch (groups beyond the norm's do only this). */
    static void shiftConvState(int groupIdx, int lid, FloatArray convState, FloatArray zxbcdt, int batch, int dInner,
                               int inRows, int convDim, int groups, int width) {
        int stateLen = width - 1;
        long channels = (long) batch * convDim;
        long items = (long) groups * GROUP;
        for (long chn = (long) groupIdx * GROUP + lid; chn < channels; chn += items) {
            long bj = chn / convDim;
            long c = chn - bj * convDim;
            long s = chn * stateLen;
            for (int i = 0; i < stateLen - 1; i++) {
                convState.set(s + i, convState.get(s + i + 1));
            }
            convState.set(s + stateLen - 1, zxbcdt.get(bj * inRows + dInner + c));
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
        ctx.localBarrier();
        return total;
    }

    static float silu(float v) {
        return v / (1f + KernelMath.exp(-v));
    }

    /**
     * One channel's SSM state update and readout: {@code s = state * decay + dtx * B} for the lane's states (in
     * {@code sv}; stored back when {@code owner}), returned as the sum of {@code s * C} over the channel's
     * {@code lanes} lanes. {@code bc} holds B then C; {@code quads}: lane {@code l} owns 4-state groups (see
     * {@link #convSsm}).
     */
    static float updateState(KernelContext ctx, FloatArray ssmState, float[] sv, float[] bc, long stateBase, int lane,
                             int lanes, int slots, int dstate, float decay, float dtx, boolean quads, boolean owner) {
        float acc = 0f;
        if (quads) {
            for (int k = 0; k < slots / 4; k++) {
                for (int e = 0; e < 4; e++) {
                    int n = 4 * lane + 4 * lanes * k + e;
                    float s = KernelMath.fma(sv[4 * k + e], decay, dtx * bc[n]);
                    sv[4 * k + e] = s;
                    acc = KernelMath.fma(s, bc[dstate + n], acc);
                }
                if (owner) {
                    ssmState.set4(stateBase + 4 * lane + 4 * lanes * k, sv, 4 * k);
                }
            }
        } else {
            for (int k = 0; k < slots; k++) {
                int n = lane + k * lanes;
                if (n < dstate) {
                    float s = KernelMath.fma(sv[k], decay, dtx * bc[n]);
                    if (owner) {
                        ssmState.set(stateBase + n, s);
                    }
                    acc = KernelMath.fma(s, bc[dstate + n], acc);
                }
            }
        }
        for (int offset = lanes / 2; offset > 0; offset = offset / 2) {
            acc += ctx.shuffleXor(acc, offset);
        }
        return acc;
    }

    /**
     * The lane's entries of one channel's state row into {@code sv}: with {@code quads} entries
     * {@code 4 lane + 4 lanes k .. + 3} (16-byte loads), else {@code lane + lanes k}.
     */
    static void loadState(FloatArray ssmState, float[] sv, long stateBase, int lane, int lanes, int slots, int dstate,
                          boolean quads) {
        if (quads) {
            for (int k = 0; k < slots / 4; k++) {
                ssmState.get4(stateBase + 4 * lane + 4 * lanes * k, sv, 4 * k);
            }
        } else {
            for (int k = 0; k < slots; k++) {
                int n = lane + k * lanes;
                if (n < dstate) {
                    sv[k] = ssmState.get(stateBase + n);
                }
            }
        }
    }
}
