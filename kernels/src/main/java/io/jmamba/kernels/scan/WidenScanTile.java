package io.jmamba.kernels.scan;

import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.KernelMath;

/**
 * The landing buffers of {@link SelectiveScanAsyncWidenKernels}: raw bf16 chunks (16 bytes = 8 tokens of one row or
 * state, {@link #stageChunk}) copied asynchronously, then widened <i>by the work-item that copied them</i>
 * into {@link ScanTile}'s fp32 tiles, which the TILED16 recurrences read unchanged. Because each work-item widens only
 * the chunks it copied, it may start the next copies into the same landing slots right after widening (its own reads
 * come first in program order, and their values are consumed by the widening stores), so every landing buffer is
 * single: no barrier guards a landing slot, only the fp32 tiles.
 *
 * <p>Landing layouts (ints, unswizzled: only the copying work-item reads a chunk): delta, u and z {@code [32 rows][8]},
 * chunk {@code c} of row {@code r} at {@code 8 r + 4 c}; B (and C) {@code [dstate][8]}. Who copies what: rows as
 * {@link #landRows} (work-item q takes chunks q and q + 32: row {@code q >> 1}, chunk {@code q & 1}, so a pair of
 * neighbours reads one row's 32 bytes);
 * pass 3's B and C chunk q (state {@code q >> 1}); pass 1's B both states of pair {@code q >> 1}, chunk {@code q & 1},
 * since {@link ScanTile#statesTile}'s tile packs two states per long.
 */
final class WidenScanTile {
    /** Ints per landing row: 16 bf16 tokens. */
    static final int ROW_INTS = ScanTile.TOKENS / 2;
    /** Ints of one delta, u or z landing buffer. */
    static final int ROWS_INTS = ScanTile.ROWS * ROW_INTS;

    private WidenScanTile() {
    }

    /**
     * Stages the 8 tokens at {@code src} ({@code tokens [ts, ts + 8)} of one row, {@code ts < t1}) into
     * {@code dst[at .. at + 3]} as bf16 pairs: one asynchronous copy when its global start is a multiple of 8 elements
     * (16 bytes) and all 8 tokens lie before {@code t1}, else plain loads (zeros past t1; a {@code seqlen} that is not a
     * multiple of 8, a ragged last tile). With {@code seqlen} and the chunk length multiples of 8 every copy is
     * asynchronous.
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

    /** Starts the copies of rows {@code [row0, row0 + liveRows)} x tokens {@code [tt, tt + 16)} into the landing rows. */
    static void landRows(KernelContext ctx, int[] dst, BFloat16Array src, long row0, int liveRows, int seqlen, int tt, int t1,
                         int lid) {
        for (int i = 0; i < 2; i++) {
            int q = lid + ScanTile.ROWS * i;
            int r = q >> 1;
            int ts = tt + 8 * (q & 1);
            if (r < liveRows && ts < t1) {
                stageChunk(ctx, dst, 4 * q, src, (row0 + r) * seqlen + ts, ts, t1);
            }
        }
    }

    /** Widens the landing row chunks this work-item copied ({@link #landRows}) into a {@link ScanTile#PADDED}-row tile. */
    static void widenRows(int[] raw, float[] dstL, int liveRows, int tt, int t1, int lid) {
        for (int i = 0; i < 2; i++) {
            int q = lid + ScanTile.ROWS * i;
            int r = q >> 1;
            int c = q & 1;
            if (r < liveRows && tt + 8 * c < t1) {
                int to = r * ScanTile.PADDED + 8 * c;
                for (int m = 0; m < 4; m++) {
                    int v = raw[4 * q + m];
                    dstL[to + 2 * m] = KernelMath.bf16x2Lo(v);
                    dstL[to + 2 * m + 1] = KernelMath.bf16x2Hi(v);
                }
            }
        }
    }

    /** Pass 3: starts the copies of B's and C's chunk {@code q = lid} (and {@code lid + 32}, ...): state {@code q >> 1}. */
    static void landStates(KernelContext ctx, int[] bRaw, int[] cRaw, BFloat16Array b, BFloat16Array c, long base, int seqlen,
                           int tt, int t1, int lid, int dstate) {
        for (int q = lid; q < 2 * dstate; q += ScanTile.ROWS) {
            int ts = tt + 8 * (q & 1);
            if (ts < t1) {
                long from = base + (long) (q >> 1) * seqlen + ts;
                stageChunk(ctx, bRaw, 4 * q, b, from, ts, t1);
                stageChunk(ctx, cRaw, 4 * q, c, from, ts, t1);
            }
        }
    }

    /** Pass 3: widens this work-item's B and C chunks into {@link ScanTile#stageStatePairs}'s (B, C) tile. */
    static void widenStates(int[] bRaw, int[] cRaw, long[] bcL, int tt, int t1, int lid, int dstate) {
        for (int q = lid; q < 2 * dstate; q += ScanTile.ROWS) {
            int c = q & 1;
            if (tt + 8 * c < t1) {
                int n = q >> 1;
                for (int m = 0; m < 4; m++) {
                    int vb = bRaw[4 * q + m];
                    int vc = cRaw[4 * q + m];
                    int k = 8 * c + 2 * m;
                    bcL[k * (dstate + 1) + n] = ScanTile.pack(KernelMath.bf16x2Lo(vb), KernelMath.bf16x2Lo(vc));
                    bcL[(k + 1) * (dstate + 1) + n] = ScanTile.pack(KernelMath.bf16x2Hi(vb), KernelMath.bf16x2Hi(vc));
                }
            }
        }
    }

    /**
     * Pass 1: starts the copies of B for pair {@code p = q >> 1} (states 2p and 2p + 1; with an odd dstate the last pair
     * has one), chunk {@code q & 1}.
     */
    static void landStatePairs(KernelContext ctx, int[] bRaw, BFloat16Array b, long base, int seqlen, int tt, int t1, int lid,
                               int dstate) {
        int pairs = (dstate + 1) / 2;
        for (int q = lid; q < 2 * pairs; q += ScanTile.ROWS) {
            int p = q >> 1;
            int c = q & 1;
            int ts = tt + 8 * c;
            if (ts < t1) {
                long from = base + 2L * p * seqlen + ts;
                stageChunk(ctx, bRaw, 16 * p + 4 * c, b, from, ts, t1);
                if (2 * p + 1 < dstate) {
                    stageChunk(ctx, bRaw, 16 * p + 8 + 4 * c, b, from + seqlen, ts, t1);
                }
            }
        }
    }

    /**
     * Pass 1: widens this work-item's pair of B chunks into {@link ScanTile#stageStatePairs(io.jmamba.runtime.api.FloatArray,
     * long[], long, int, int, int, int, int)}'s tile (state 2p high, 2p + 1 low; with an odd dstate the last pair's low
     * half repeats the last state, as there).
     */
    static void widenStatePairs(int[] bRaw, long[] bL, int tt, int t1, int lid, int dstate) {
        int pairs = (dstate + 1) / 2;
        int stride = ScanTile.pairStride(dstate);
        for (int q = lid; q < 2 * pairs; q += ScanTile.ROWS) {
            int p = q >> 1;
            int c = q & 1;
            if (tt + 8 * c < t1) {
                int second = 2 * p + 1 < dstate ? 8 : 0;
                for (int m = 0; m < 4; m++) {
                    int v0 = bRaw[16 * p + 4 * c + m];
                    int v1 = bRaw[16 * p + second + 4 * c + m];
                    int k = 8 * c + 2 * m;
                    bL[k * stride + p] = ScanTile.pack(KernelMath.bf16x2Lo(v0), KernelMath.bf16x2Lo(v1));
                    bL[(k + 1) * stride + p] = ScanTile.pack(KernelMath.bf16x2Hi(v0), KernelMath.bf16x2Hi(v1));
                }
            }
        }
    }

    /**
     * {@link ScanTile#storeRows} with z from the landing rows (raw, {@link #landRows}; copied by other work-items, so
     * behind a wait and a barrier).
     */
    static void storeRows(float[] yL, int[] zRaw, BFloat16Array out, long row0, int liveRows, int seqlen, int tt, int t1,
                          int lid, boolean gated) {
        int tok = lid & (ScanTile.TOKENS - 1);
        if (tt + tok < t1) {
            long at = (row0 + lid / ScanTile.TOKENS) * seqlen + tt + tok;
            long step = (long) ScanTile.ROW_STEP * seqlen;
            for (int r = lid / ScanTile.TOKENS; r < liveRows; r += ScanTile.ROW_STEP) {
                float y = yL[r * ScanTile.PADDED + tok];
                if (gated) {
                    int zz = zRaw[r * ROW_INTS + (tok >> 1)];
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
