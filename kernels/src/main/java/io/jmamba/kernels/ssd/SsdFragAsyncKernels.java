package io.jmamba.kernels.ssd;

import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.KernelMath;
import io.jmamba.runtime.api.LaunchBounds;

import static io.jmamba.kernels.ssd.SsdTensorKernels.GROUP;
import static io.jmamba.kernels.ssd.SsdTensorKernels.LOG2E;
import static io.jmamba.kernels.ssd.SsdTensorKernels.MAX_CHUNK;
import static io.jmamba.kernels.ssd.SsdTensorKernels.NT;
import static io.jmamba.kernels.ssd.SsdTensorKernels.SLICE;
import static io.jmamba.kernels.ssd.SsdTensorKernels.TILE;

/**
 * The chunk scan of the bf16 SSD ({@link SsdFragKernels#chunkScanFrag}: same work split, math, launch and
 * limits) with every operand tile staged by asynchronous copies ({@link KernelContext#asyncCopy16}, CUDA
 * {@code cp.async}) into two buffers, and the B fragments and the inter-chunk A fragments read by
 * {@link KernelContext#ldmatrixX4} ({@code ldmatrix}), the pattern of the bf16 flash attention's
 * {@code FlashAttentionBf16AsyncKernel}. Selected by {@link SsdScanBf16.AsyncStaging#SCAN} (or ALL) or
 * {@code -Djmamba.ssd.bf16.async=true}.
 *
 * <p>Why: chunkScanFrag (860 us of the 1.51 ms at 64K tokens on the H100) passes every B operand through
 * registers (16 prefetch registers, then packing and 8-byte local stores per slice), keeps the next slice's A
 * operands in 16 more registers, and loads C from global memory as 4-byte pairs (half of each 32-byte sector per
 * instruction). Here each slice's tiles go from global to local memory without registers while the previous
 * slice is multiplied, and each 16 x 16 fragment block is one {@code ldmatrix} instead of four local loads:
 * sm_90 ptxas fits it in 126 registers without spills at 4 groups per multiprocessor (chunkScanFrag: 128),
 * and in 96 with 8 bytes of spills at 5.
 *
 * <p><b>Slices.</b> The inter-chunk product (C state^T, contraction over the state index n) runs in slices of
 * {@link #INTER_SLICE} (32) state columns, the intra-chunk one (weights x, contraction over the token s) in slices
 * of 64 tokens, so that the two buffers of every tile fit in the 48 KB of static local memory (40 KB in all).
 *
 * <p><b>Stage</b> (per buffer; every bf16 row in its global layout, no transposition, rows padded to an odd
 * multiple of 4 ints so that the eight 16-byte row segments of an ldmatrix quarter fall on distinct banks):
 * <ul>
 *   <li>inter-chunk slice, int buffer: the state (64 rows p, 16 pairs along n, {@link #INTER_STRIDE} = 20 ints
 *       apart), then C (64 rows l, 16 pairs along n) at {@link #C_AT}. C's rows are the A tile as
 *       {@code ldmatrixX4} wants it; the state's rows are B's columns, so {@code ldmatrixX4} gives b0 of two n8
 *       tiles, then b1 of both (K in attention);</li>
 *   <li>intra-chunk slice, int buffer: x (64 rows s, 32 pairs along p, {@link #STRIDE} = 36 ints apart): rows
 *       are the contraction index, so {@code ldmatrixX4Trans} gives b0, b1 of one n8 tile, then of the next (V
 *       in attention);</li>
 *   <li>intra-chunk slice, float buffer: C B^T as {@link SsdFragKernels#chunkCbFrag} wrote it (A fragments,
 *       register r of lane l at 32 r + l), each warp's four 16-steps one after the other (one 2 KB run in global
 *       memory per warp): a lane's fragment is four conflict-free 4-byte local loads.</li>
 * </ul>
 * A copy is 16 bytes. Rows past the sequence copy its last token's (finite; their weights are 0 and their outputs
 * are not stored); channel rows past headdim and state columns past dstate are not copied (they reach only
 * accumulator columns that are not stored, or 16-steps that do not run). Sources are 16-byte aligned since headdim
 * and dstate are multiples of 16 and the chunk of 64 ({@link SsdScanBf16#validate}).
 *
 * <p><b>Pipeline</b> (one commit group per slice, as the attention kernel):
 * <pre>
 *   copy slice 0 -> buffers 0; commit; stage dA, dt per token (plain stores)
 *   for slice sl:  wait_group 0; barrier          // slice sl landed for every item (and dA, dt); all done with sl - 1
 *                  copy slice sl + 1 -> buffers (sl + 1) % 2; commit   // sl - 1's buffers: free after the barrier
 *                  multiply slice sl from buffers sl % 2
 * </pre>
 */
public final class SsdFragAsyncKernels {
    private SsdFragAsyncKernels() {
    }

    /** State columns (contraction steps) per inter-chunk slice: half an intra-chunk one, so that every tile fits. */
    static final int INTER_SLICE = 32;
    /** Ints between staged x rows: 32 bf16 pairs (64 channels) and 4 of padding (see the class comment). */
    static final int STRIDE = SLICE / 2 + 4;
    /** Ints between staged state and C rows: 16 bf16 pairs (32 state columns) and 4 of padding. */
    static final int INTER_STRIDE = INTER_SLICE / 2 + 4;
    /** Where the C tile starts in an inter-chunk slice's buffer (after the state tile). */
    static final int C_AT = TILE * INTER_STRIDE;
    /** Ints of one int buffer: an x tile, or a state and a C tile. */
    static final int STAGE_INTS = Math.max(TILE * STRIDE, 2 * TILE * INTER_STRIDE);
    /** Floats of one C B^T buffer: the four 16-steps of each warp's A fragments. */
    static final int CB_FLOATS = (TILE / 16) * SsdFragKernels.STEPS * SsdFragKernels.FRAG;
    /** 16-byte copies per staged x row. */
    static final int ROW_CHUNKS = SLICE / 8;
    /** Copies per work-item and x tile. */
    static final int COPIES = TILE * ROW_CHUNKS / GROUP;
    /** 16-byte copies per staged state or C row. */
    static final int INTER_ROW_CHUNKS = INTER_SLICE / 8;
    /** Copies per work-item and state (or C) tile. */
    static final int INTER_COPIES = TILE * INTER_ROW_CHUNKS / GROUP;

    /**
     * out[b,c,h] as {@link SsdFragKernels#chunkScanFrag} (same arguments, same launch: 1-D, local size
     * {@link SsdTensorKernels#GROUP}, {@link SsdTensorKernels#groups}[2] work-groups), with the stage and
     * pipeline of the class comment.
     *
     * @param dMode 0: no D, 1: D per head, 2: D per (head, channel)
     */
    @LaunchBounds(maxThreads = GROUP, minBlocksPerMultiprocessor = SsdFragKernels.SCAN_GROUPS_PER_SM)
    public static void chunkScanAsync(KernelContext ctx, BFloat16Array x, BFloat16Array z, FloatArray D, BFloat16Array C,
                                      FloatArray cbFrag, FloatArray dtOut, FloatArray dACumsum, BFloat16Array statesIn,
                                      BFloat16Array out, int batch, int seqlen, int heads, int headdim, int groups,
                                      int dstate, int chunk, int nchunks, int dMode, boolean hasZ) {
        int[] stage = ctx.allocateIntLocalArray(2 * STAGE_INTS); // B and C tiles (bf16 pairs), two buffers
        float[] cbS = ctx.allocateFloatLocalArray(2 * CB_FLOATS); // C B^T A fragments (bf16 pairs as float bits), two buffers
        long[] dAdt = ctx.allocateLongLocalArray(MAX_CHUNK); // per token: dA cumsum in log2 units (low), dt (high)
        float[] acc = new float[NT * 4];
        int[] bf = new int[4]; // b0, b1 of two n8 tiles
        int[] ldm = new int[4];
        int[] a = new int[4];
        int lid = ctx.localIdx;
        int lane = ctx.laneId();
        int warp = lid / KernelContext.WARP_SIZE;
        int gq = lane / 4;
        int t = lane % 4;
        int tilesP = (headdim + TILE - 1) / TILE;
        int tilesQ = chunk / TILE;
        int grp = ctx.groupIdx;
        int p0 = (grp % tilesP) * TILE;
        int l0 = ((grp / tilesP) % tilesQ) * TILE;
        int i = grp / (tilesP * tilesQ);
        int h = i % heads;
        int c = (i / heads) % nchunks;
        int b = i / (heads * nchunks);
        int g = h / (heads / groups);
        int len = Math.min(chunk, seqlen - c * chunk);
        int pLeft = headdim - p0;
        if (l0 < len) { // uniform over the group
            long cs = (((long) b * heads + h) * nchunks + c) * chunk;
            int sEnd = Math.min(l0 + TILE, len);
            long row0 = (long) b * seqlen + (long) c * chunk;
            int la = l0 + 16 * warp + gq;
            int lb = la + 8;
            boolean inA = la < len;
            boolean inB = lb < len;
            int lastA = inA ? la : -1; // the last token row la keeps (none past the sequence)
            int lastB = inB ? lb : -1;
            int warpFirst = l0 + 16 * warp; // this warp's rows: warpFirst..warpLast
            int warpLast = warpFirst + 15; // no weight right of it is kept
            boolean warpFull = warpLast < len; // all of the warp's rows in the sequence
            float dDiag = dMode == 1 ? D.get(h) : 0f; // D per head joins the diagonal weights (as chunkScanFrag)
            int interSlices = (dstate + INTER_SLICE - 1) / INTER_SLICE;
            int slices = interSlices + (sEnd + SLICE - 1) / SLICE;

            stageSlice(ctx, stage, cbS, 0, 0, statesIn, C, x, cbFrag, 0, interSlices, i, g, p0, l0, len, sEnd, seqlen, heads,
                    headdim, groups, dstate, chunk, nchunks);
            ctx.asyncCopyCommit();
            // dA (log2 units) and dt per token of the chunk up to the tile's end, published by slice 0's barrier
            for (int s = lid; s < sEnd; s += GROUP) {
                dAdt[s] = SsdFragKernels.pairOfFloats(dACumsum.get(cs + s) * LOG2E, dtOut.get(cs + s));
            }
            // rows past the sequence read the last row's dA (their weights are 0, their outputs not stored)
            float dAa = dACumsum.get(cs + Math.min(la, len - 1)) * LOG2E;
            float dAb = dACumsum.get(cs + Math.min(lb, len - 1)) * LOG2E;

            for (int sl = 0; sl < slices; sl++) {
                boolean inter = sl < interSlices; // uniform over the group
                int buf = (sl & 1) * STAGE_INTS;
                int cbBuf = (sl & 1) * CB_FLOATS;
                ctx.asyncCopyWait(0);
                ctx.localBarrier();
                if (sl + 1 < slices) { // uniform: the next slice's copies into the other buffers
                    stageSlice(ctx, stage, cbS, STAGE_INTS - buf, CB_FLOATS - cbBuf, statesIn, C, x, cbFrag, sl + 1, interSlices,
                            i, g, p0, l0, len, sEnd, seqlen, heads, headdim, groups, dstate, chunk, nchunks);
                    ctx.asyncCopyCommit();
                }
                int k0 = inter ? sl * INTER_SLICE : (sl - interSlices) * SLICE;
                int kEnd = inter ? Math.min(INTER_SLICE, dstate - k0) : Math.min(SLICE, sEnd - k0);
                if (sl == interSlices) {
                    // the inter-chunk term is complete: row l times exp(dA_l) (0 past the sequence)
                    float ea = inA ? KernelMath.exp2Approx(dAa) : 0f;
                    float eb = inB ? KernelMath.exp2Approx(dAb) : 0f;
                    for (int j = 0; j < NT; j++) {
                        acc[4 * j] *= ea;
                        acc[4 * j + 1] *= ea;
                        acc[4 * j + 2] *= eb;
                        acc[4 * j + 3] *= eb;
                    }
                }
                for (int q = 0; q < SsdFragKernels.STEPS; q++) {
                    if (16 * q < kEnd) { // uniform over the group
                        if (inter) {
                            ctx.ldmatrixX4(stage, buf + C_AT + 16 * warp * INTER_STRIDE + 8 * q, INTER_STRIDE, a, 0);
                        } else {
                            int s = k0 + 16 * q + 2 * t; // columns s, s + 1 (a0, a1) and s + 8, s + 9 (a2, a3)
                            int f = cbBuf + (warp * SsdFragKernels.STEPS + q) * SsdFragKernels.FRAG + lane;
                            if (k0 + 16 * q > warpLast) {
                                // the whole 16-step is above this warp's rows: zero weights without their exponentials
                                a[0] = 0;
                                a[1] = 0;
                                a[2] = 0;
                                a[3] = 0;
                            } else if (warpFull && k0 + 16 * q + 15 < warpFirst) { // below the rows, in the sequence
                                a[0] = freePair(Float.floatToRawIntBits(cbS[f]), dAa, dAdt[s], dAdt[s + 1]);
                                a[1] = freePair(Float.floatToRawIntBits(cbS[f + 32]), dAb, dAdt[s], dAdt[s + 1]);
                                a[2] = freePair(Float.floatToRawIntBits(cbS[f + 64]), dAa, dAdt[s + 8], dAdt[s + 9]);
                                a[3] = freePair(Float.floatToRawIntBits(cbS[f + 96]), dAb, dAdt[s + 8], dAdt[s + 9]);
                            } else { // causal mask, sequence end, and D on the diagonal (dMode 1)
                                a[0] = maskedPair(Float.floatToRawIntBits(cbS[f]), dAa, dAdt[s], dAdt[s + 1], s, la, lastA, dDiag);
                                a[1] = maskedPair(Float.floatToRawIntBits(cbS[f + 32]), dAb, dAdt[s], dAdt[s + 1], s, lb, lastB,
                                        dDiag);
                                a[2] = maskedPair(Float.floatToRawIntBits(cbS[f + 64]), dAa, dAdt[s + 8], dAdt[s + 9], s + 8, la,
                                        lastA, dDiag);
                                a[3] = maskedPair(Float.floatToRawIntBits(cbS[f + 96]), dAb, dAdt[s + 8], dAdt[s + 9], s + 8, lb,
                                        lastB, dDiag);
                            }
                        }
                        // per pair of n8 tiles: one ldmatrix gives b0, b1 of both, used at once (4 live registers)
                        for (int np = 0; np < NT / 2; np++) {
                            if (inter) { // state rows 16 np..: b0 of tiles 2 np, 2 np + 1, then b1 of both
                                ctx.ldmatrixX4(stage, buf + 16 * np * INTER_STRIDE + 8 * q, INTER_STRIDE, ldm, 0);
                                bf[0] = ldm[0];
                                bf[1] = ldm[2];
                                bf[2] = ldm[1];
                                bf[3] = ldm[3];
                            } else { // x tokens 16 q.., columns 16 np..: b0, b1 of tile 2 np, then of 2 np + 1
                                ctx.ldmatrixX4Trans(stage, buf + 16 * q * STRIDE + 8 * np, STRIDE, bf, 0);
                            }
                            for (int jj = 0; jj < 2; jj++) {
                                ctx.mmaBf16Frag(a[0], a[1], a[2], a[3], bf[2 * jj], bf[2 * jj + 1], acc, 4 * (2 * np + jj));
                            }
                        }
                    }
                }
            }

            // epilogue: + D x (D per channel; D per head is already in acc), * silu(z), rounded to bf16 pairs
            int xRow = heads * headdim;
            long outA = ((row0 + la) * heads + h) * headdim + p0 + 2 * t;
            long outB = outA + 8L * xRow;
            for (int j = 0; j < NT; j++) {
                int p = p0 + 8 * j + 2 * t;
                if (8 * j < pLeft) {
                    if (dMode == 2) {
                        float d0 = D.get((long) h * headdim + p);
                        float d1 = D.get((long) h * headdim + p + 1);
                        if (inA) {
                            out.setPair(outA + 8 * j, SsdTensorKernels.epilogue(x, z, outA + 8 * j, acc[4 * j],
                                    acc[4 * j + 1], d0, d1, hasZ));
                        }
                        if (inB) {
                            out.setPair(outB + 8 * j, SsdTensorKernels.epilogue(x, z, outB + 8 * j, acc[4 * j + 2],
                                    acc[4 * j + 3], d0, d1, hasZ));
                        }
                    } else { // no D, or D per head already in acc
                        if (inA) {
                            out.setPair(outA + 8 * j, SsdTensorKernels.gated(z, outA + 8 * j, acc[4 * j], acc[4 * j + 1], hasZ));
                        }
                        if (inB) {
                            out.setPair(outB + 8 * j, SsdTensorKernels.gated(z, outB + 8 * j, acc[4 * j + 2], acc[4 * j + 3], hasZ));
                        }
                    }
                }
            }
        }
    }

    /**
     * Starts the copies of slice {@code sl} into the int buffer at {@code at} and the float buffer at {@code cbAt}.
     * Inter-chunk slice (state columns {@code 32 sl..}): the state (rows p below headdim) and C (rows l of the tile,
     * clamped to the sequence), rows of 4 copies, item {@code lid} copying column chunk {@code lid % 4} of rows
     * {@code lid / 4 + 32 e}. Intra-chunk slice (tokens {@code 64 (sl - interSlices)..}): x (token rows the
     * 16-steps read, clamped to the sequence; rows of 8 copies, column chunk {@code lid % 8} of rows
     * {@code lid / 8 + 16 e}) and the four 16-steps of C B^T A fragments of each warp ({@code FRAG} floats per
     * 16-step, contiguous per warp in global memory: item {@code lid} copies floats {@code 4 lid..} of warp e's).
     * The addresses are recomputed from the tile's indices on every call (a few integer operations per slice) rather
     * than kept in registers across the slice loop.
     *
     * @param i the tile's (batch, chunk, head) index, {@code g} its group, {@code p0} and {@code l0} its first
     *          channel and token
     */
    static void stageSlice(KernelContext ctx, int[] stage, float[] cbS, int at, int cbAt, BFloat16Array statesIn,
                           BFloat16Array C, BFloat16Array x, FloatArray cbFrag, int sl, int interSlices, int i, int g, int p0,
                           int l0, int len, int sEnd, int seqlen, int heads, int headdim, int groups, int dstate, int chunk,
                           int nchunks) {
        int lid = ctx.localIdx;
        int c = (i / heads) % nchunks;
        long row0 = (long) (i / (heads * nchunks)) * seqlen + (long) c * chunk; // the chunk's first token
        if (sl < interSlices) {
            int row = lid / INTER_ROW_CHUNKS;
            int k0 = sl * INTER_SLICE + 8 * (lid % INTER_ROW_CHUNKS);
            int dst = at + row * INTER_STRIDE + 4 * (lid % INTER_ROW_CHUNKS);
            if (k0 < dstate) {
                long sSrc = ((long) i * headdim + p0 + row) * dstate + k0;
                long cSrc = (row0 * groups + g) * dstate + k0;
                int cRow = groups * dstate;
                for (int e = 0; e < INTER_COPIES; e++) {
                    int r = row + (GROUP / INTER_ROW_CHUNKS) * e;
                    int d = dst + (GROUP / INTER_ROW_CHUNKS) * INTER_STRIDE * e;
                    if (r < headdim - p0) {
                        ctx.asyncCopy16(stage, d, statesIn, sSrc + (long) ((GROUP / INTER_ROW_CHUNKS) * e) * dstate);
                    }
                    ctx.asyncCopy16(stage, d + C_AT, C, cSrc + (long) Math.min(l0 + r, len - 1) * cRow);
                }
            }
        } else {
            int k0 = (sl - interSlices) * SLICE;
            int kEnd = Math.min(SLICE, sEnd - k0);
            stageTokenRows(ctx, stage, at, x, (row0 * heads + i % heads) * headdim + p0, heads * headdim, k0, kEnd, len,
                    headdim - p0);
            // C B^T: warp e's four 16-steps (lt = l0 / 16 + e, st = k0 / 16..), 16-step lid / 32 of each
            if (16 * (lid / KernelContext.WARP_SIZE) < kEnd) {
                long cbAt0 = SsdFragKernels.fragTile(((long) (i / (heads * nchunks)) * nchunks + c) * groups + g, chunk, l0 / 16,
                        k0 / 16) + 4 * lid;
                long warpRun = (long) (chunk / 16) * SsdFragKernels.FRAG; // between the tile rows lt and lt + 1
                for (int e = 0; e < TILE / 16; e++) {
                    ctx.asyncCopy16(cbS, cbAt + e * SsdFragKernels.STEPS * SsdFragKernels.FRAG + 4 * lid, cbFrag,
                            cbAt0 + e * warpRun);
                }
            }
        }
    }

    /**
     * Starts the copies of a 64-token x 64-column bf16 tile into {@code stage[at..]} (rows {@link #STRIDE} ints
     * apart): token rows {@code k0 + r} of {@code src} (element {@code first + token * rowStride + column}) for the
     * rows the 16-steps below {@code kEnd} read, clamped to the sequence ({@code len}: rows past it copy its last
     * token, finite), columns below {@code columns} only. Item {@code lid} copies column chunk {@code lid % 8} of
     * rows {@code lid / 8 + 16 e} (a quarter-warp fills one 128-byte row). {@code first} and {@code rowStride}
     * multiples of 8 (16-byte sources).
     */
    static void stageTokenRows(KernelContext ctx, int[] stage, int at, BFloat16Array src, long first, int rowStride, int k0,
                               int kEnd, int len, int columns) {
        int rows = (kEnd + 15) / 16 * 16;
        int row = ctx.localIdx / ROW_CHUNKS;
        int col = ctx.localIdx % ROW_CHUNKS;
        if (8 * col < columns) {
            for (int e = 0; e < COPIES; e++) {
                int r = row + (GROUP / ROW_CHUNKS) * e;
                if (r < rows) {
                    ctx.asyncCopy16(stage, at + r * STRIDE + 4 * col, src,
                            first + 8 * col + (long) Math.min(k0 + r, len - 1) * rowStride);
                }
            }
        }
    }

    /** The bf16 pair {@code cb} (tokens s, s + 1 of row l) as weights strictly below the diagonal, in the sequence. */
    static int freePair(int cb, float dAl, long dAdt0, long dAdt1) {
        return KernelMath.packBf16x2(
                SsdFragKernels.free(KernelMath.bf16x2Lo(cb), dAl, Float.intBitsToFloat((int) dAdt0),
                        Float.intBitsToFloat((int) (dAdt0 >>> 32))),
                SsdFragKernels.free(KernelMath.bf16x2Hi(cb), dAl, Float.intBitsToFloat((int) dAdt1),
                        Float.intBitsToFloat((int) (dAdt1 >>> 32))));
    }

    /** {@link #freePair} with the causal mask, the sequence end and D on the diagonal ({@link SsdFragKernels#weight}). */
    static int maskedPair(int cb, float dAl, long dAdt0, long dAdt1, int s, int row, int last, float dDiag) {
        return KernelMath.packBf16x2(
                SsdFragKernels.weight(KernelMath.bf16x2Lo(cb), dAl, Float.intBitsToFloat((int) dAdt0),
                        Float.intBitsToFloat((int) (dAdt0 >>> 32)), s, row, last, dDiag),
                SsdFragKernels.weight(KernelMath.bf16x2Hi(cb), dAl, Float.intBitsToFloat((int) dAdt1),
                        Float.intBitsToFloat((int) (dAdt1 >>> 32)), s + 1, row, last, dDiag));
    }
}
