package io.jmamba.kernels.scan;

import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelMath;

/**
 * The pieces of {@link SelectiveScanTiled16Kernels} that do not depend on the inputs' dtype: the two
 * recurrences over a staged tile ({@link #statesTile}, {@link #outputsTile}) and the tile geometry.
 * The staging and store helpers come in a {@link FloatArray} and a {@link BFloat16Array} form with the
 * same body: bf16 values are widened to float as they are staged, so local memory and every
 * computation are fp32 whatever the inputs (as in mamba_ssm's bf16 kernel, which computes in fp32).
 *
 * <p>Tile: R = {@link #ROWS} rows (one per work-item) by T = {@link #TOKENS} tokens. delta and u are
 * staged row-major in rows of {@link #PADDED} floats, so that work-item {@code lid} reading its own
 * row's token k hits bank {@code (17 lid + k) mod 32}: all distinct. B and C are staged token-major
 * as packed pairs of floats in {@code long} tiles (pass 1: B of states 2p and 2p + 1; pass 3: B and C
 * of one state) with an odd number of longs per token: the compute loop reads a token's values with
 * one 8-byte load per pair (the same address for every work-item, a broadcast), and the odd stride
 * makes the staging stores (16 tokens per half-warp) conflict-free. Staging lane {@code lid} moves token {@code lid & 15}
 * of row (or state) {@code 2 i + (lid >> 4)}: each half-warp reads 16 consecutive tokens of one row,
 * 64 bytes of fp32 or 32 of bf16, whole sectors.
 */
final class ScanTile {
    /** R: rows, and work-items, per work-group. */
    static final int ROWS = 32;
    /** T: tokens per tile. Half of the T = 32 of the removed TILED layout: half the local memory. */
    static final int TOKENS = 16;
    /** Floats per staged delta/u row: T + 1, so that a column (one token of every row) spans every bank. */
    static final int PADDED = TOKENS + 1;
    /** Staging: each of the two half-warps takes every other row. */
    static final int ROW_STEP = ROWS / TOKENS;

    private ScanTile() {
    }

    /**
     * Pass 1 over one staged tile: runs this work-item's row through {@code tileLen} tokens of the
     * recurrence {@code h = exp(dt A) h + dt u B} (state in {@code h}, {@code A * log2(e)} in
     * {@code a2Row}; B in pairs of states, {@link #stageStatePairs(FloatArray, long[], long, int, int, int, int, int)})
     * and returns the sum of the tokens' dt.
     */
    static float statesTile(float[] deltaL, float[] uL, long[] bL, float[] h, float[] a2Row, int own, int tileLen,
                            float bias, int flags, int dstate) {
        float dtSum = 0f;
        int stride = pairStride(dstate);
        // a runtime bound (the tile's tokens in the chunk) keeps the device compiler from unrolling this loop and
        // computing many tokens' exps ahead in registers: dstate independent states give enough ILP
        for (int k = 0; k < tileLen; k++) {
            float dt = stepDt(deltaL[own + k], bias, flags);
            float dtu = dt * uL[own + k];
            dtSum += dt;
            int bk = k * stride;
            // two states' B per 8-byte local load
            for (int p = 0; p < dstate / 2; p++) {
                long bb = bL[bk + p];
                int n = 2 * p;
                h[n] = KernelMath.fma(KernelMath.exp2Approx(dt * a2Row[n]), h[n], dtu * high(bb));
                h[n + 1] = KernelMath.fma(KernelMath.exp2Approx(dt * a2Row[n + 1]), h[n + 1], dtu * low(bb));
            }
            if (dstate % 2 != 0) {
                int n = dstate - 1;
                h[n] = KernelMath.fma(KernelMath.exp2Approx(dt * a2Row[n]), h[n], dtu * high(bL[bk + dstate / 2]));
            }
        }
        return dtSum;
    }

    /**
     * Pass 3 over one staged tile: as {@link #statesTile}, with B and C packed in {@code bcL}
     * ({@link #stageStatePairs}), and each token's {@code y + D u} replaces its u in {@code uL} (read there
     * for the last time) for {@link #storeRows}.
     */
    static void outputsTile(float[] deltaL, float[] uL, long[] bcL, float[] h, float[] a2Row, int own,
                            int tileLen, float bias, float skip, int flags, int dstate) {
        for (int k = 0; k < tileLen; k++) {
            float dt = stepDt(deltaL[own + k], bias, flags);
            float uv = uL[own + k];
            float dtu = dt * uv;
            int bk = k * (dstate + 1);
            float y = 0f;
            for (int n = 0; n < dstate; n++) {
                // B and C of one (token, state) in one 8-byte local load: the halves are free to take apart
                long bc = bcL[bk + n];
                float hn = KernelMath.fma(KernelMath.exp2Approx(dt * a2Row[n]), h[n], dtu * high(bc));
                h[n] = hn;
                y = KernelMath.fma(hn, low(bc), y);
            }
            uL[own + k] = KernelMath.fma(skip, uv, y);
        }
    }

    /** A token's dt: softplus(delta + bias) if flagged, with {@link ScanMath#softplusApprox}. */
    static float stepDt(float delta, float bias, int flags) {
        float dt = delta + bias;
        if ((flags & SelectiveScanKernels.DELTA_SOFTPLUS) != 0) {
            dt = ScanMath.softplusApprox(dt);
        }
        return dt;
    }

    /** {@code A[d, :] * log2(e)} into {@code a2Row}: exp(dt A) is then one exp2 of a product. */
    static void loadA2(FloatArray a, int d, float[] a2Row, int dstate) {
        for (int n = 0; n < dstate; n++) {
            a2Row[n] = a.get((long) d * dstate + n) * ScanMath.LOG2E;
        }
    }

    // ------------------------------------------------------------------ staging, fp32 and bf16 twins

    /**
     * Copies rows {@code [row0, row0 + liveRows)} x tokens {@code [tt, tt + T)} of delta and u into
     * {@code deltaL} and {@code uL}. A token past the chunk's end ({@code t1}) is never computed on, so
     * its index is clamped into the chunk instead of a branch per load: the loads are unconditional, and
     * with a whole block (a constant trip count) the device compiler keeps them all in flight.
     */
    static void stageRows(FloatArray delta, FloatArray u, float[] deltaL, float[] uL, long row0, int liveRows,
                          int seqlen, int tt, int t1, int lid) {
        int tok = lid & (TOKENS - 1);
        int r0 = lid / TOKENS;
        long at = (row0 + r0) * seqlen + Math.min(tt + tok, t1 - 1);
        long step = (long) ROW_STEP * seqlen;
        if (liveRows == ROWS) {
            // delta's tile, then u's: 16 loads in flight at a time rather than 32 keeps pass 1 within its registers
            long from = at;
            for (int i = 0; i < TOKENS; i++) {
                deltaL[(r0 + ROW_STEP * i) * PADDED + tok] = delta.get(at);
                at += step;
            }
            at = from;
            for (int i = 0; i < TOKENS; i++) {
                uL[(r0 + ROW_STEP * i) * PADDED + tok] = u.get(at);
                at += step;
            }
        } else {
            for (int r = r0; r < liveRows; r += ROW_STEP) {
                deltaL[r * PADDED + tok] = delta.get(at);
                uL[r * PADDED + tok] = u.get(at);
                at += step;
            }
        }
    }

    /** {@link #stageRows} for bf16 delta and u, widened to float. */
    static void stageRows(BFloat16Array delta, BFloat16Array u, float[] deltaL, float[] uL, long row0, int liveRows,
                          int seqlen, int tt, int t1, int lid) {
        int tok = lid & (TOKENS - 1);
        int r0 = lid / TOKENS;
        long at = (row0 + r0) * seqlen + Math.min(tt + tok, t1 - 1);
        long step = (long) ROW_STEP * seqlen;
        if (liveRows == ROWS) {
            // delta's tile, then u's: 16 loads in flight at a time rather than 32 keeps pass 1 within its registers
            long from = at;
            for (int i = 0; i < TOKENS; i++) {
                deltaL[(r0 + ROW_STEP * i) * PADDED + tok] = delta.get(at);
                at += step;
            }
            at = from;
            for (int i = 0; i < TOKENS; i++) {
                uL[(r0 + ROW_STEP * i) * PADDED + tok] = u.get(at);
                at += step;
            }
        } else {
            for (int r = r0; r < liveRows; r += ROW_STEP) {
                deltaL[r * PADDED + tok] = delta.get(at);
                uL[r * PADDED + tok] = u.get(at);
                at += step;
            }
        }
    }

    /** {@code hi}'s bits in the high half, {@code lo}'s in the low: two floats in one 8-byte local value. */
    static long pack(float hi, float lo) {
        return ((long) Float.floatToRawIntBits(hi) << 32) | (Float.floatToRawIntBits(lo) & 0xffffffffL);
    }

    /** The high float of {@link #pack} (on CUDA the upper register of the pair: no instruction). */
    static float high(long v) {
        return Float.intBitsToFloat((int) (v >>> 32));
    }

    /** The low float of {@link #pack}. */
    static float low(long v) {
        return Float.intBitsToFloat((int) v);
    }

    /** Longs per token of a pass-1 B tile: the states in pairs, plus one (an odd stride: conflict-free 8-byte stores). */
    static int pairStride(int dstate) {
        return (dstate + 1) / 2 + 1;
    }

    /**
     * B's tile for pass 1 with two states per long ({@link #pack}: state 2p high, 2p + 1 low; with an odd dstate
     * the last pair's low half repeats the last state and is never used), {@code [T, pairStride]}; clamped as
     * {@link #stageRows}.
     */
    static void stageStatePairs(FloatArray b, long[] dst, long base, int seqlen, int tt, int t1, int lid, int dstate) {
        int tok = lid & (TOKENS - 1);
        int pairs = (dstate + 1) / 2;
        int stride = pairStride(dstate);
        long t = base + Math.min(tt + tok, t1 - 1);
        // half-warp h takes pairs h, h + 2, ...; the other state of a pair is a row below (clamped to the last)
        for (int p = lid / TOKENS; p < pairs; p += 2) {
            long at = t + 2L * p * seqlen;
            dst[tok * stride + p] = pack(b.get(at), b.get(at + (2 * p + 1 < dstate ? seqlen : 0)));
        }
    }

    /** {@link #stageStatePairs(FloatArray, long[], long, int, int, int, int, int)} for bf16 B, widened to float. */
    static void stageStatePairs(BFloat16Array b, long[] dst, long base, int seqlen, int tt, int t1, int lid, int dstate) {
        int tok = lid & (TOKENS - 1);
        int pairs = (dstate + 1) / 2;
        int stride = pairStride(dstate);
        long t = base + Math.min(tt + tok, t1 - 1);
        for (int p = lid / TOKENS; p < pairs; p += 2) {
            long at = t + 2L * p * seqlen;
            dst[tok * stride + p] = pack(b.get(at), b.get(at + (2 * p + 1 < dstate ? seqlen : 0)));
        }
    }

    /**
     * Copies tokens {@code [tt, tt + T)} of the dstate rows of B and C at {@code base} ({@code [dstate, seqlen]})
     * into {@code dst}, token-major, one long per (token, state) with B and C packed ({@link #pack}), rows of
     * {@code dstate + 1} longs; clamped as {@link #stageRows}. Pass 3 then reads a (token, state)'s B and C
     * with one local load. With an odd dstate the last state is copied by both half-warps (the same value
     * to the same place).
     */
    static void stageStatePairs(FloatArray b, FloatArray c, long[] dst, long base, int seqlen, int tt, int t1, int lid,
                                int dstate) {
        int tok = lid & (TOKENS - 1);
        int half = lid / TOKENS;
        long t = base + Math.min(tt + tok, t1 - 1);
        long at = t + (long) half * seqlen;
        int slot = tok * (dstate + 1) + half;
        for (int i = 0; i < dstate / 2; i++) {
            dst[slot] = pack(b.get(at), c.get(at));
            at += 2L * seqlen;
            slot += 2;
        }
        if (dstate % 2 != 0) {
            long last = t + (long) (dstate - 1) * seqlen;
            dst[tok * (dstate + 1) + dstate - 1] = pack(b.get(last), c.get(last));
        }
    }

    /** {@link #stageStatePairs} for bf16 B and C, widened to float. */
    static void stageStatePairs(BFloat16Array b, BFloat16Array c, long[] dst, long base, int seqlen, int tt, int t1, int lid,
                                int dstate) {
        int tok = lid & (TOKENS - 1);
        int half = lid / TOKENS;
        long t = base + Math.min(tt + tok, t1 - 1);
        long at = t + (long) half * seqlen;
        int slot = tok * (dstate + 1) + half;
        for (int i = 0; i < dstate / 2; i++) {
            dst[slot] = pack(b.get(at), c.get(at));
            at += 2L * seqlen;
            slot += 2;
        }
        if (dstate % 2 != 0) {
            long last = t + (long) (dstate - 1) * seqlen;
            dst[tok * (dstate + 1) + dstate - 1] = pack(b.get(last), c.get(last));
        }
    }

    /** Writes the live part of the y tile {@code yL} to {@code out}, times silu(z) if {@code gated}, in the layout {@link #stageRows} reads. */
    static void storeRows(float[] yL, FloatArray z, FloatArray out, long row0, int liveRows, int seqlen, int tt, int t1,
                          int lid, boolean gated) {
        int tok = lid & (TOKENS - 1);
        if (tt + tok < t1) {
            long at = (row0 + lid / TOKENS) * seqlen + tt + tok;
            long step = (long) ROW_STEP * seqlen;
            for (int r = lid / TOKENS; r < liveRows; r += ROW_STEP) {
                float y = yL[r * PADDED + tok];
                out.set(at, gated ? y * ScanMath.siluApprox(z.get(at)) : y);
                at += step;
            }
        }
    }

    /** {@link #storeRows} with bf16 z and out: the gate is computed in float and the product rounded once. */
    static void storeRows(float[] yL, BFloat16Array z, BFloat16Array out, long row0, int liveRows, int seqlen, int tt,
                          int t1, int lid, boolean gated) {
        int tok = lid & (TOKENS - 1);
        if (tt + tok < t1) {
            long at = (row0 + lid / TOKENS) * seqlen + tt + tok;
            long step = (long) ROW_STEP * seqlen;
            for (int r = lid / TOKENS; r < liveRows; r += ROW_STEP) {
                float y = yL[r * PADDED + tok];
                out.set(at, gated ? y * ScanMath.siluApprox(z.get(at)) : y);
                at += step;
            }
        }
    }
}
