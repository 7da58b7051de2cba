package io.jmamba.kernels.scan;

import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.KernelMath;

/**
 * The tiles of {@link SelectiveScanAsyncKernels}: bf16 inputs staged <i>raw</i> (two bf16 values per int, as
 * {@link BFloat16Array#getPair}) by {@link KernelContext#asyncCopy16}, so that a copy never passes through
 * registers, and the recurrences of {@link ScanTile} run on them two tokens per step (one int holds a token pair).
 * The arithmetic per token is {@link ScanTile}'s, operation for operation, so the outputs are those of the
 * TILED16 bf16 kernels bit for bit.
 *
 * <p>Layout of one buffer (16 tokens = two 16-byte chunks per row):
 * <ul>
 *   <li>delta, u and z: {@link ScanTile#ROWS} rows of {@link #ROW_INTS} ints; chunk {@code c} of row {@code r} at
 *       {@code 8 r + 4 (c ^ s(r))} with {@code s(r) = (r >> 2) & 1}. A work-item reads its own row's pair {@code j}
 *       at {@code 8 lid + (j ^ 4 s(lid))}: the swizzle spreads a warp's 32 reads over 8 banks (4-way), where an
 *       unswizzled 8-int row would put them on 4 (8-way); 16-byte chunks allow no finer swizzle, and padding a row
 *       to 12 ints gives the same 4 ways. These are 2 of the ~18 local loads per token pair in pass 3.</li>
 *   <li>B and C: {@code dstate} rows of 8 ints, state-major as in global memory; every work-item reads the same
 *       address (a broadcast), one int per (state, token pair).</li>
 * </ul>
 * <p><b>Alignment.</b> A chunk is copied asynchronously when its global start is a multiple of 8 elements
 * (16 bytes) and all its 8 tokens lie before the chunk's end {@code t1}; otherwise (a {@code seqlen} that is not a
 * multiple of 8, a ragged last tile) it is staged by plain loads into the same layout, tokens past {@code t1} as
 * zeros. Chunks that start at or past {@code t1} are not staged (never read). With {@code seqlen} and the chunk
 * length multiples of 8 (the bench's shapes) every chunk is asynchronous.
 */
final class AsyncScanTile {
    /** Ints per staged row: 16 bf16 tokens. */
    static final int ROW_INTS = ScanTile.TOKENS / 2;
    /** Ints of one delta, u or z buffer. */
    static final int ROWS_INTS = ScanTile.ROWS * ROW_INTS;

    private AsyncScanTile() {
    }

    /** The swizzle of row {@code r}'s pair index (see the class comment): flips the chunk of every other 4 rows. */
    static int swizzle(int r) {
        return ((r >> 2) & 1) << 2;
    }

    /**
     * Stages the 8 tokens at {@code src} ({@code tokens [ts, ts + 8)} of one row, {@code ts < t1}) into
     * {@code dst[at .. at + 3]}: one asynchronous copy when aligned and whole, else plain loads (zeros past t1).
     */
    static void stageChunk(KernelContext ctx, int[] dst, int at, BFloat16Array src, long from, int ts, int t1) {
        if ((from & 7) == 0 && ts + 8 <= t1) {
            ctx.asyncCopy16(dst, at, src, from);
        } else {
            for (int i = 0; i < 4; i++) {
                int k = ts + 2 * i;
                float lo = k < t1 ? src.get(from + 2 * i) : 0f;
                float hi = k + 1 < t1 ? src.get(from + 2 * i + 1) : 0f;
                // the values are bf16 already: packing rounds nothing
                dst[at + i] = KernelMath.packBf16x2(lo, hi);
            }
        }
    }

    /**
     * Starts the staging of rows {@code [row0, row0 + liveRows)} x tokens {@code [tt, tt + 16)} of {@code src}
     * ({@code [rows, seqlen]}) into the buffer at {@code at}: work-item {@code lid} takes chunks {@code lid} and
     * {@code lid + 32} (row {@code q >> 1}, chunk {@code q & 1}), so a pair of neighbours reads one row's 32 bytes.
     */
    static void stageRows(KernelContext ctx, int[] dst, int at, BFloat16Array src, long row0, int liveRows, int seqlen,
                          int tt, int t1, int lid) {
        for (int i = 0; i < 2; i++) {
            int q = lid + ScanTile.ROWS * i;
            int r = q >> 1;
            int c = q & 1;
            int ts = tt + 8 * c;
            if (r < liveRows && ts < t1) {
                stageChunk(ctx, dst, at + r * ROW_INTS + 4 * (c ^ (swizzle(r) >> 2)), src, (row0 + r) * seqlen + ts, ts, t1);
            }
        }
    }

    /**
     * Starts the staging of tokens {@code [tt, tt + 16)} of the {@code dstate} rows of B (and C, if {@code both}) at
     * {@code base} ({@code [dstate, seqlen]}) into the buffers at {@code at}: chunk {@code q} is state {@code q >> 1},
     * chunk {@code q & 1}.
     */
    static void stageStates(KernelContext ctx, int[] bS, int[] cS, int at, BFloat16Array b, BFloat16Array c, boolean both,
                            long base, int seqlen, int tt, int t1, int lid, int dstate) {
        for (int q = lid; q < 2 * dstate; q += ScanTile.ROWS) {
            int n = q >> 1;
            int ts = tt + 8 * (q & 1);
            if (ts < t1) {
                long from = base + (long) n * seqlen + ts;
                stageChunk(ctx, bS, at + 4 * q, b, from, ts, t1);
                if (both) {
                    stageChunk(ctx, cS, at + 4 * q, c, from, ts, t1);
                }
            }
        }
    }

    /**
     * Pass 1 over one staged tile ({@link ScanTile#statesTile}'s arithmetic): this work-item's row through
     * {@code tileLen} tokens, two per step (one int of delta, u and of each state's B); returns the dt sum.
     */
    static float statesTile(int[] deltaS, int[] uS, int rowsAt, int[] bS, int statesAt, float[] h, float[] a2Row, int lid,
                            int tileLen, float bias, int flags, int dstate) {
        float dtSum = 0f;
        int own = rowsAt + lid * ROW_INTS;
        int swz = swizzle(lid);
        // a runtime bound, as ScanTile's: dstate independent states give the ILP, not unrolled tokens
        for (int j = 0; j < tileLen / 2; j++) {
            int dd = deltaS[own + (j ^ swz)];
            int uu = uS[own + (j ^ swz)];
            float dt0 = ScanTile.stepDt(KernelMath.bf16x2Lo(dd), bias, flags);
            float dt1 = ScanTile.stepDt(KernelMath.bf16x2Hi(dd), bias, flags);
            float dtu0 = dt0 * KernelMath.bf16x2Lo(uu);
            float dtu1 = dt1 * KernelMath.bf16x2Hi(uu);
            dtSum += dt0;
            dtSum += dt1;
            for (int n = 0; n < dstate; n++) {
                int bb = bS[statesAt + n * ROW_INTS + j];
                float hn = KernelMath.fma(KernelMath.exp2Approx(dt0 * a2Row[n]), h[n], dtu0 * KernelMath.bf16x2Lo(bb));
                h[n] = KernelMath.fma(KernelMath.exp2Approx(dt1 * a2Row[n]), hn, dtu1 * KernelMath.bf16x2Hi(bb));
            }
        }
        if ((tileLen & 1) != 0) {
            int j = tileLen / 2;
            float dt = ScanTile.stepDt(KernelMath.bf16x2Lo(deltaS[own + (j ^ swz)]), bias, flags);
            float dtu = dt * KernelMath.bf16x2Lo(uS[own + (j ^ swz)]);
            dtSum += dt;
            for (int n = 0; n < dstate; n++) {
                h[n] = KernelMath.fma(KernelMath.exp2Approx(dt * a2Row[n]), h[n],
                        dtu * KernelMath.bf16x2Lo(bS[statesAt + n * ROW_INTS + j]));
            }
        }
        return dtSum;
    }

    /**
     * Pass 3 over one staged tile ({@link ScanTile#outputsTile}'s arithmetic), two tokens per step: each token's
     * {@code y + D u} goes to {@code yL} (rows of {@link ScanTile#PADDED} floats, as ScanTile's y tile) for
     * {@link #storeRows}.
     */
    static void outputsTile(int[] deltaS, int[] uS, int rowsAt, int[] bS, int[] cS, int statesAt, float[] yL, float[] h,
                            float[] a2Row, int lid, int tileLen, float bias, float skip, int flags, int dstate) {
        int own = rowsAt + lid * ROW_INTS;
        int swz = swizzle(lid);
        int yAt = lid * ScanTile.PADDED;
        for (int j = 0; j < tileLen / 2; j++) {
            int dd = deltaS[own + (j ^ swz)];
            int uu = uS[own + (j ^ swz)];
            float dt0 = ScanTile.stepDt(KernelMath.bf16x2Lo(dd), bias, flags);
            float dt1 = ScanTile.stepDt(KernelMath.bf16x2Hi(dd), bias, flags);
            float u0 = KernelMath.bf16x2Lo(uu);
            float u1 = KernelMath.bf16x2Hi(uu);
            float dtu0 = dt0 * u0;
            float dtu1 = dt1 * u1;
            float y0 = 0f;
            float y1 = 0f;
            for (int n = 0; n < dstate; n++) {
                // B and C of one state for both tokens: two broadcast loads per (state, token pair)
                int bb = bS[statesAt + n * ROW_INTS + j];
                int cc = cS[statesAt + n * ROW_INTS + j];
                float h0 = KernelMath.fma(KernelMath.exp2Approx(dt0 * a2Row[n]), h[n], dtu0 * KernelMath.bf16x2Lo(bb));
                y0 = KernelMath.fma(h0, KernelMath.bf16x2Lo(cc), y0);
                float h1 = KernelMath.fma(KernelMath.exp2Approx(dt1 * a2Row[n]), h0, dtu1 * KernelMath.bf16x2Hi(bb));
                h[n] = h1;
                y1 = KernelMath.fma(h1, KernelMath.bf16x2Hi(cc), y1);
            }
            yL[yAt + 2 * j] = KernelMath.fma(skip, u0, y0);
            yL[yAt + 2 * j + 1] = KernelMath.fma(skip, u1, y1);
        }
        if ((tileLen & 1) != 0) {
            int j = tileLen / 2;
            float dt = ScanTile.stepDt(KernelMath.bf16x2Lo(deltaS[own + (j ^ swz)]), bias, flags);
            float uv = KernelMath.bf16x2Lo(uS[own + (j ^ swz)]);
            float dtu = dt * uv;
            float y = 0f;
            for (int n = 0; n < dstate; n++) {
                int at = statesAt + n * ROW_INTS + j;
                float hn = KernelMath.fma(KernelMath.exp2Approx(dt * a2Row[n]), h[n], dtu * KernelMath.bf16x2Lo(bS[at]));
                h[n] = hn;
                y = KernelMath.fma(hn, KernelMath.bf16x2Lo(cS[at]), y);
            }
            yL[yAt + 2 * j] = KernelMath.fma(skip, uv, y);
        }
    }

    /**
     * Writes the live part of the y tile to {@code out}, times silu(z) if {@code gated} with z from the staged
     * buffer at {@code zAt}: {@link ScanTile#storeRows}'s coalesced pattern and arithmetic, z read from local memory.
     */
    static void storeRows(float[] yL, int[] zS, int zAt, BFloat16Array out, long row0, int liveRows, int seqlen, int tt,
                          int t1, int lid, boolean gated) {
        int tok = lid & (ScanTile.TOKENS - 1);
        if (tt + tok < t1) {
            long at = (row0 + lid / ScanTile.TOKENS) * seqlen + tt + tok;
            long step = (long) ScanTile.ROW_STEP * seqlen;
            for (int r = lid / ScanTile.TOKENS; r < liveRows; r += ScanTile.ROW_STEP) {
                float y = yL[r * ScanTile.PADDED + tok];
                if (gated) {
                    int zz = zS[zAt + r * ROW_INTS + ((tok >> 1) ^ swizzle(r))];
                    float zv = (tok & 1) == 0 ? KernelMath.bf16x2Lo(zz) : KernelMath.bf16x2Hi(zz);
                    out.set(at, y * ScanMath.siluApprox(zv));
                } else {
                    out.set(at, y);
                }
                at += step;
            }
        }
    }
}
