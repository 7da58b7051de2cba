package io.jmamba.kernels.scan;

import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.KernelMath;
import io.jmamba.runtime.api.LaunchBounds;
import io.jmamba.runtime.api.Specialize;

/**
 * The selective scan in one pass with one exponential per (token, state): a work-group of one warp per
 * (batch, channel) row walks the sequence in tiles of {@link #TILE} tokens, lane {@code l} owning the
 * {@link #ITEMS} consecutive tokens {@code 8 l .. 8 l + 7} of a tile. For each state n, a lane folds its
 * tokens into one affine step {@code h -> P h + S} (keeping each token's decay and input in registers),
 * a warp scan of those steps over the lanes ({@link KernelContext#shuffleUp}) gives every lane its start
 * state, and the lane replays its tokens from it with the kept decays: no second exponential, unlike the
 * chunked layouts (TILED, TILED16), whose pass 3 recomputes every decay. The tile's total step carries
 * the state to the next tile. Experimental (Variant.WARP): parallel over rows only, so batch * dim rows
 * are all the warps there are (1536 for the 130M model: about 12 per H100 multiprocessor).
 * Same arguments and flags as {@link SelectiveScanKernels}, arithmetic as {@link SelectiveScanReference};
 * launch: 1-D, local size {@link #LANES}, any number of work-groups (they stride over rows).
 * {@code lastState} may be {@code initialState}: each row's entries are read before they are written.
 */
public final class SelectiveScanWarpKernels {
    /** Work-items per work-group: one warp. */
    public static final int LANES = 32;
    /** Consecutive tokens per lane per tile. */
    public static final int ITEMS = 8;
    /** Tokens per tile. */
    public static final int TILE = LANES * ITEMS;

    private SelectiveScanWarpKernels() {
    }

    @LaunchBounds(maxThreads = LANES, minBlocksPerMultiprocessor = 12)
    public static void scanRows(KernelContext ctx, FloatArray u, FloatArray delta, FloatArray a, FloatArray b,
                                FloatArray c, FloatArray dSkip, FloatArray z, FloatArray deltaBias,
                                FloatArray initialState, FloatArray lastState, FloatArray out,
                                int batch, int dim, int seqlen, int groups, int flags, @Specialize int dstate) {
        float[] dt = new float[ITEMS];
        float[] dtu = new float[ITEMS];
        float[] y = new float[ITEMS];
        float[] e = new float[ITEMS];
        float[] x = new float[ITEMS];
        float[] bK = new float[ITEMS];
        float[] cK = new float[ITEMS];
        float[] carry = new float[dstate];
        float[] a2Row = new float[dstate];
        int lane = ctx.localIdx;
        int rows = batch * dim;
        int groupCount = ctx.globalGroupSizeX / ctx.localGroupSizeX;
        int channelsPerGroup = dim / groups;
        for (int row = ctx.groupIdx; row < rows; row += groupCount) {
            int bi = row / dim;
            int d = row - bi * dim;
            long rowBase = (long) row * seqlen;
            long bcBase = ((long) bi * groups + d / channelsPerGroup) * dstate * (long) seqlen;
            float bias = (flags & SelectiveScanKernels.HAS_DELTA_BIAS) != 0 ? deltaBias.get(d) : 0f;
            float skip = (flags & SelectiveScanKernels.HAS_D) != 0 ? dSkip.get(d) : 0f;
            ScanTile.loadA2(a, d, a2Row, dstate);
            for (int n = 0; n < dstate; n++) {
                carry[n] = (flags & SelectiveScanKernels.HAS_INITIAL_STATE) != 0
                        ? initialState.get((long) row * dstate + n) : 0f;
            }
            for (int tile0 = 0; tile0 < seqlen; tile0 += TILE) {
                int t0 = tile0 + lane * ITEMS;
                int valid = Math.max(0, Math.min(ITEMS, seqlen - t0));
                loadTokens(u, delta, dt, dtu, y, rowBase, t0, seqlen, valid, bias, skip, flags);
                boolean full = tile0 + TILE <= seqlen;
                for (int n = 0; n < dstate; n++) {
                    loadStates(b, c, bK, cK, bcBase + (long) n * seqlen, t0, seqlen, valid, full);
                    carry[n] = stateStep(ctx, bK, cK, dt, dtu, y, e, x, a2Row[n], carry[n], lane);
                }
                storeTokens(z, out, y, rowBase + t0, valid, (flags & SelectiveScanKernels.HAS_Z) != 0);
            }
            if (lane == 0) {
                for (int n = 0; n < dstate; n++) {
                    lastState.set((long) row * dstate + n, carry[n]);
                }
            }
        }
    }

    /** {@link #scanRows} with u, delta, B, C, z and out in bf16 (A, D, delta_bias and the states fp32). */
    @LaunchBounds(maxThreads = LANES, minBlocksPerMultiprocessor = 12)
    public static void scanRowsBf16(KernelContext ctx, BFloat16Array u, BFloat16Array delta, FloatArray a, BFloat16Array b,
                                    BFloat16Array c, FloatArray dSkip, BFloat16Array z, FloatArray deltaBias,
                                    FloatArray initialState, FloatArray lastState, BFloat16Array out,
                                int batch, int dim, int seqlen, int groups, int flags, @Specialize int dstate) {
        float[] dt = new float[ITEMS];
        float[] dtu = new float[ITEMS];
        float[] y = new float[ITEMS];
        float[] e = new float[ITEMS];
        float[] x = new float[ITEMS];
        float[] bK = new float[ITEMS];
        float[] cK = new float[ITEMS];
        float[] carry = new float[dstate];
        float[] a2Row = new float[dstate];
        int lane = ctx.localIdx;
        int rows = batch * dim;
        int groupCount = ctx.globalGroupSizeX / ctx.localGroupSizeX;
        int channelsPerGroup = dim / groups;
        for (int row = ctx.groupIdx; row < rows; row += groupCount) {
            int bi = row / dim;
            int d = row - bi * dim;
            long rowBase = (long) row * seqlen;
            long bcBase = ((long) bi * groups + d / channelsPerGroup) * dstate * (long) seqlen;
            float bias = (flags & SelectiveScanKernels.HAS_DELTA_BIAS) != 0 ? deltaBias.get(d) : 0f;
            float skip = (flags & SelectiveScanKernels.HAS_D) != 0 ? dSkip.get(d) : 0f;
            ScanTile.loadA2(a, d, a2Row, dstate);
            for (int n = 0; n < dstate; n++) {
                carry[n] = (flags & SelectiveScanKernels.HAS_INITIAL_STATE) != 0
                        ? initialState.get((long) row * dstate + n) : 0f;
            }
            for (int tile0 = 0; tile0 < seqlen; tile0 += TILE) {
                int t0 = tile0 + lane * ITEMS;
                int valid = Math.max(0, Math.min(ITEMS, seqlen - t0));
                loadTokens(u, delta, dt, dtu, y, rowBase, t0, seqlen, valid, bias, skip, flags);
                boolean full = tile0 + TILE <= seqlen;
                for (int n = 0; n < dstate; n++) {
                    loadStates(b, c, bK, cK, bcBase + (long) n * seqlen, t0, seqlen, valid, full);
                    carry[n] = stateStep(ctx, bK, cK, dt, dtu, y, e, x, a2Row[n], carry[n], lane);
                }
                storeTokens(z, out, y, rowBase + t0, valid, (flags & SelectiveScanKernels.HAS_Z) != 0);
            }
            if (lane == 0) {
                for (int n = 0; n < dstate; n++) {
                    lastState.set((long) row * dstate + n, carry[n]);
                }
            }
        }
    }

    /**
     * The lane's tokens {@code t0 .. t0 + 7} of a row: dt (softplus'd), dt * u and the skip term D * u as y's
     * start. Tokens past the end ({@code k >= valid}) are identity steps: dt = 0 (decay 1) and input 0;
     * their loads are clamped to the row.
     */
    static void loadTokens(FloatArray u, FloatArray delta, float[] dt, float[] dtu, float[] y, long rowBase, int t0,
                           int seqlen, int valid, float bias, float skip, int flags) {
        for (int k = 0; k < ITEMS; k++) {
            long at = rowBase + Math.min(t0 + k, seqlen - 1);
            float uv = u.get(at);
            float dtk = k < valid ? ScanTile.stepDt(delta.get(at), bias, flags) : 0f;
            dt[k] = dtk;
            dtu[k] = dtk * uv;
            y[k] = skip * uv;
        }
    }

    /** {@link #loadTokens(FloatArray, FloatArray, float[], float[], float[], long, int, int, int, float, float, int)} for bf16 u and delta. */
    static void loadTokens(BFloat16Array u, BFloat16Array delta, float[] dt, float[] dtu, float[] y, long rowBase, int t0,
                           int seqlen, int valid, float bias, float skip, int flags) {
        for (int k = 0; k < ITEMS; k++) {
            long at = rowBase + Math.min(t0 + k, seqlen - 1);
            float uv = u.get(at);
            float dtk = k < valid ? ScanTile.stepDt(delta.get(at), bias, flags) : 0f;
            dt[k] = dtk;
            dtu[k] = dtk * uv;
            y[k] = skip * uv;
        }
    }

    /**
     * Writes the lane's first {@code valid} outputs at {@code at}, gated by silu(z) if {@code gated}. Constant
     * trip counts with guards, never an index the device compiler cannot resolve: the private arrays stay
     * in registers.
     */
    static void storeTokens(FloatArray z, FloatArray out, float[] y, long at, int valid, boolean gated) {
        for (int k = 0; k < ITEMS; k++) {
            if (k < valid) {
                out.set(at + k, gated ? y[k] * ScanMath.siluApprox(z.get(at + k)) : y[k]);
            }
        }
    }

    /** {@link #storeTokens(FloatArray, FloatArray, float[], long, int, boolean)} for bf16 z and out. */
    static void storeTokens(BFloat16Array z, BFloat16Array out, float[] y, long at, int valid, boolean gated) {
        for (int k = 0; k < ITEMS; k++) {
            if (k < valid) {
                out.set(at + k, gated ? y[k] * ScanMath.siluApprox(z.get(at + k)) : y[k]);
            }
        }
    }

    /**
     * The lane's B and C values of state row {@code bn} for its tokens {@code t0 .. t0 + 7}; past the end
     * ({@code k >= valid}) B is 0 (an identity step) and the loads are clamped to the row.
     */
    static void loadStates(FloatArray b, FloatArray c, float[] bK, float[] cK, long bn, int t0, int seqlen, int valid,
                           boolean full) {
        if (full) {
            // two 16-byte (bf16: 8-byte) loads per array where the address is aligned (any seqlen divisible by 4)
            b.get4(bn + t0, bK, 0);
            b.get4(bn + t0 + 4, bK, 4);
            c.get4(bn + t0, cK, 0);
            c.get4(bn + t0 + 4, cK, 4);
        } else {
            for (int k = 0; k < ITEMS; k++) {
                long at = bn + Math.min(t0 + k, seqlen - 1);
                bK[k] = k < valid ? b.get(at) : 0f;
                cK[k] = c.get(at);
            }
        }
    }

    /** {@link #loadStates(FloatArray, FloatArray, float[], float[], long, int, int, int, boolean)} for bf16 B and C. */
    static void loadStates(BFloat16Array b, BFloat16Array c, float[] bK, float[] cK, long bn, int t0, int seqlen, int valid,
                           boolean full) {
        if (full) {
            // two 16-byte (bf16: 8-byte) loads per array where the address is aligned (any seqlen divisible by 4)
            b.get4(bn + t0, bK, 0);
            b.get4(bn + t0 + 4, bK, 4);
            c.get4(bn + t0, cK, 0);
            c.get4(bn + t0 + 4, cK, 4);
        } else {
            for (int k = 0; k < ITEMS; k++) {
                long at = bn + Math.min(t0 + k, seqlen - 1);
                bK[k] = k < valid ? b.get(at) : 0f;
                cK[k] = c.get(at);
            }
        }
    }

    /**
     * State n over one tile: folds the lane's tokens into one affine step {@code h -> p h + s} (keeping each
     * token's decay {@code e} and input {@code x}), composes the lanes' steps by an inclusive warp scan,
     * starts the lane from the state before its first token and replays its tokens ({@code h = e h + x},
     * {@code y += h C}). Returns the tile's end state {@code p_31 carry + s_31} (the same in every lane).
     */
    static float stateStep(KernelContext ctx, float[] bK, float[] cK, float[] dt, float[] dtu, float[] y, float[] e,
                           float[] x, float a2, float carry, int lane) {
        float p = 1f;
        float s = 0f;
        for (int k = 0; k < ITEMS; k++) {
            float ek = KernelMath.exp2Approx(dt[k] * a2);
            float xk = dtu[k] * bK[k];
            e[k] = ek;
            x[k] = xk;
            s = KernelMath.fma(ek, s, xk);
            p = p * ek;
        }
        // step j then step i (j before i): h -> p_i (p_j h + s_j) + s_i
        for (int off = 1; off < LANES; off = off * 2) {
            float pUp = ctx.shuffleUp(p, off);
            float sUp = ctx.shuffleUp(s, off);
            if (lane >= off) {
                s = KernelMath.fma(p, sUp, s);
                p = p * pUp;
            }
        }
        float pBefore = ctx.shuffleUp(p, 1);
        float sBefore = ctx.shuffleUp(s, 1);
        float h = lane == 0 ? carry : KernelMath.fma(pBefore, carry, sBefore);
        for (int k = 0; k < ITEMS; k++) {
            h = KernelMath.fma(e[k], h, x[k]);
            y[k] = KernelMath.fma(h, cK[k], y[k]);
        }
        return KernelMath.fma(ctx.shuffle(p, LANES - 1), carry, ctx.shuffle(s, LANES - 1));
    }
}
