package io.jmamba.kernels.scan;

import io.jmamba.kernels.support.Activations;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.KernelMath;
import io.jmamba.runtime.api.Specialize;

/**
 * The selective scan in one launch, the way mamba_ssm's CUDA kernel is organised: one work-group
 * per (batch, channel) row walks the sequence in tiles of {@code threads * items} tokens; each
 * work-item owns {@code items} consecutive tokens of a tile. Per tile and state index n, every item
 * folds its tokens into one affine step {@code h -> decay * h + state}; a Hillis-Steele scan over
 * the items in local memory turns those into each item's start state; items then rerun their
 * tokens from it and write the outputs, and the tile's total step advances the row's carried state.
 * Same arguments and flags as {@link SelectiveScanKernels}, and the same arithmetic
 * ({@link SelectiveScanReference}); {@code scanFloats = threads * dstate}.
 * Launch: global {@code (groups * threads)}, local {@code (threads)}; groups stride over rows.
 * {@code lastState} may be {@code initialState} itself: every item reads the row's initial state
 * before the tile loop's first barrier, and item 0 writes the last state after its last one.
 */
public final class SelectiveScanBlockKernel {
    private SelectiveScanBlockKernel() {
    }

    public static void scanRows(KernelContext ctx, FloatArray u, FloatArray delta, FloatArray a, FloatArray b,
                                FloatArray c, FloatArray dSkip, FloatArray z, FloatArray deltaBias,
                                FloatArray initialState, FloatArray out, FloatArray lastState,
                                int batch, int dim, int seqlen, int groups, int flags,
                                @Specialize int dstate, @Specialize int threads, @Specialize int items,
                                @Specialize int scanFloats) {
        float[] decayL = ctx.allocateFloatLocalArray(scanFloats);
        float[] stateL = ctx.allocateFloatLocalArray(scanFloats);
        float[] carry = new float[dstate];
        float[] aRow = new float[dstate];
        float[] prevDecay = new float[dstate];
        float[] prevState = new float[dstate];
        float[] dtK = new float[items];
        float[] uK = new float[items];
        float[] yK = new float[items];
        int lid = ctx.localIdx;
        int rows = batch * dim;
        int groupCount = ctx.globalGroupSizeX / ctx.localGroupSizeX;
        int channelsPerGroup = dim / groups;
        int tileLen = threads * items;
        for (int row = ctx.groupIdx; row < rows; row += groupCount) {
            int bi = row / dim;
            int d = row - bi * dim;
            long rowBase = (long) row * seqlen;
            long bcBase = ((long) bi * groups + d / channelsPerGroup) * dstate * (long) seqlen;
            float bias = (flags & SelectiveScanKernels.HAS_DELTA_BIAS) != 0 ? deltaBias.get(d) : 0f;
            float skip = (flags & SelectiveScanKernels.HAS_D) != 0 ? dSkip.get(d) : 0f;
            for (int n = 0; n < dstate; n++) {
                aRow[n] = a.get((long) d * dstate + n);
                carry[n] = (flags & SelectiveScanKernels.HAS_INITIAL_STATE) != 0
                        ? initialState.get((long) row * dstate + n) : 0f;
            }
            for (int tile0 = 0; tile0 < seqlen; tile0 += tileLen) {
                int t0 = tile0 + lid * items;
                for (int k = 0; k < items; k++) {
                    int t = t0 + k;
                    float dt = 0f;
                    float uv = 0f;
                    if (t < seqlen) {
                        dt = delta.get(rowBase + t) + bias;
                        if ((flags & SelectiveScanKernels.DELTA_SOFTPLUS) != 0) {
                            dt = Activations.softplus(dt);
                        }
                        uv = u.get(rowBase + t);
                    }
                    dtK[k] = dt;
                    uK[k] = uv;
                    yK[k] = 0f;
                }
                // this item's tokens as one affine step per n
                for (int n = 0; n < dstate; n++) {
                    float decay = 1f;
                    float state = 0f;
                    for (int k = 0; k < items; k++) {
                        int t = t0 + k;
                        if (t < seqlen) {
                            float e = KernelMath.exp(dtK[k] * aRow[n]);
                            decay *= e;
                            state = e * state + dtK[k] * uK[k] * b.get(bcBase + (long) n * seqlen + t);
                        }
                    }
                    decayL[n * threads + lid] = decay;
                    stateL[n * threads + lid] = state;
                }
                ctx.localBarrier();
                // inclusive scan over the items: item i ends up with the steps of items 0..i composed
                for (int off = 1; off < threads; off = off * 2) {
                    if (lid >= off) {
                        for (int n = 0; n < dstate; n++) {
                            prevDecay[n] = decayL[n * threads + lid - off];
                            prevState[n] = stateL[n * threads + lid - off];
                        }
                    }
                    ctx.localBarrier();
                    if (lid >= off) {
                        for (int n = 0; n < dstate; n++) {
                            int at = n * threads + lid;
                            float own = decayL[at];
                            decayL[at] = prevDecay[n] * own;
                            stateL[at] = own * prevState[n] + stateL[at];
                        }
                    }
                    ctx.localBarrier();
                }
                // rerun this item's tokens from its true start state
                for (int n = 0; n < dstate; n++) {
                    float h = carry[n];
                    if (lid > 0) {
                        h = decayL[n * threads + lid - 1] * carry[n] + stateL[n * threads + lid - 1];
                    }
                    for (int k = 0; k < items; k++) {
                        int t = t0 + k;
                        if (t < seqlen) {
                            long bc = bcBase + (long) n * seqlen + t;
                            h = KernelMath.exp(dtK[k] * aRow[n]) * h + dtK[k] * uK[k] * b.get(bc);
                            yK[k] += h * c.get(bc);
                        }
                    }
                    carry[n] = decayL[n * threads + threads - 1] * carry[n] + stateL[n * threads + threads - 1];
                }
                // the next tile overwrites the scan arrays only after everyone has read them
                ctx.localBarrier();
                for (int k = 0; k < items; k++) {
                    int t = t0 + k;
                    if (t < seqlen) {
                        float y = yK[k] + skip * uK[k];
                        if ((flags & SelectiveScanKernels.HAS_Z) != 0) {
                            y *= Activations.silu(z.get(rowBase + t));
                        }
                        out.set(rowBase + t, y);
                    }
                }
            }
            if (lid == 0) {
                for (int n = 0; n < dstate; n++) {
                    lastState.set((long) row * dstate + n, carry[n]);
                }
            }
        }
    }
}
