package io.jmamba.kernels.ssd;

import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.KernelMath;
import io.jmamba.runtime.api.LaunchBounds;
import io.jmamba.runtime.api.Specialize;

import static io.jmamba.kernels.ssd.SsdTensorKernels.GROUP;
import static io.jmamba.kernels.ssd.SsdTensorKernels.LOG2E;
import static io.jmamba.kernels.ssd.SsdTensorKernels.MAX_CHUNK;
import static io.jmamba.kernels.ssd.SsdTensorKernels.NT;
import static io.jmamba.kernels.ssd.SsdTensorKernels.SLICE;
import static io.jmamba.kernels.ssd.SsdTensorKernels.TILE;

/**
 * The chunk scan of the bf16 SSD ({@link SsdFragKernels#chunkScanFrag}: same work split, math and launch; its own
 * launch bounds, below) with every operand tile staged by asynchronous copies ({@link KernelContext#asyncCopy16}, CUDA
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
 * sm_90 ptxas fitted it in 126 registers without spills at 4 groups per multiprocessor (chunkScanFrag: 128),
 * and in 96 with 8 bytes of spills at 5. Specialised (below) it takes 108 at 4 and 94 without spills at 5: the
 * bound is {@link #GROUPS_PER_SM} = 5 since session 8 (H100, run 50, two rounds: SSD 64K 0.843 / 0.834 ms against
 * 0.864 / 0.875 at 4, 1M 12.69 / 12.74 against 13.07 / 13.15; the kernel 444 against 474 us at 64K).
 *
 * <p><b>Instructions around the MMAs</b> (session 8, ncu source view at 64K: 25.6 instructions per HMMA, 23% of
 * stall samples on instruction fetch). Three changes took the kernel from 721 to 470 us: shared addresses by
 * {@code __cvta_generic_to_shared} (a JIT change: no 64-bit generic pointers per copy and matrix load); the slice's
 * global bases computed once per tile instead of from the tile index (integer divisions) in every slice's staging,
 * and the inter- and intra-chunk products in separate branches, so that neither carries the other's fragment
 * loads as predicated instructions; and the shape parameters {@link Specialize}d, so that the ten index divisions
 * of the prologue (about 300 instructions per warp) become multiplications and the slice bounds constants.
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

    /** Launch bounds of {@link #chunkScanAsync}: 5 work-groups per multiprocessor (41 KB of local memory each). */
    static final int GROUPS_PER_SM = 5;
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
     * pipeline of the class comment. One compiled kernel per model shape: heads, headdim, groups, dstate, chunk, dMode
     * and hasZ are specialised (the sequence's batch, length and chunk count are not).
     *
     * @param dMode 0: no D, 1: D per head, 2: D per (head, channel)
     */
    @LaunchBounds(maxThreads = GROUP, minBlocksPerMultiprocessor = GROUPS_PER_SM)
    public static void chunkScanAsync(KernelContext ctx, BFloat16Array x, BFloat16Array z, FloatArray D, BFloat16Array C,
                                      FloatArray cbFrag, FloatArray dtOut, FloatArray dACumsum, BFloat16Array statesIn,
                                      BFloat16Array out, int batch, int seqlen, @Specialize int heads,
                                      @Specialize int headdim, @Specialize int groups, @Specialize int dstate,
                                      @Specialize int chunk, int nchunks, @Specialize int dMode, @Specialize boolean hasZ) {
        int[] stage = ctx.allocateIntLocalArray(2 * STAGE_INTS); // B and C tiles (bf16 pairs), two buffers
        float[] cbS = ctx.allocateFloatLocalArray(2 * CB_FLOATS); // C B^T A fragments (bf16 pairs as float bits), two buffers
        long[] dAdt = ctx.allocateLongLocalArray(MAX_CHUNK); // per token: dA cumsum in log2 units (low), dt (high)
        float[] acc = new float[NT * 4];
        int[] ldm = new int[4]; // B fragments of two n8 tiles
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

            // the tile's global bases, once: the staging below only adds slice offsets (no divisions per slice)
            int xRow = heads * headdim;
            int cRow = groups * dstate;
            long stateBase = ((long) i * headdim + p0) * dstate;
            long cBase = (row0 * groups + g) * dstate;
            long xBase = (row0 * heads + h) * headdim + p0;
            long cbBase = SsdFragKernels.fragTile(((long) b * nchunks + c) * groups + g, chunk, l0 / 16, 0);
            long cbRun = (long) (chunk / 16) * SsdFragKernels.FRAG; // between the tile rows lt and lt + 1

            stageInter(ctx, stage, 0, statesIn, C, 0, stateBase, cBase, cRow, l0, len, headdim - p0, dstate);
            ctx.asyncCopyCommit();
            // dA (log2 units) and dt per token of the chunk up to the tile's end, published by slice 0's barrier
            for (int s = lid; s < sEnd; s += GROUP) {
                dAdt[s] = SsdFragKernels.pairOfFloats(dACumsum.get(cs + s) * LOG2E, dtOut.get(cs + s));
            }
            // rows past the sequence read the last row's dA (their weights are 0, their outputs not stored)
            float dAa = dACumsum.get(cs + Math.min(la, len - 1)) * LOG2E;
            float dAb = dACumsum.get(cs + Math.min(lb, len - 1)) * LOG2E;

            for (int sl = 0; sl < slices; sl++) {
                int buf = (sl & 1) * STAGE_INTS;
                int cbBuf = (sl & 1) * CB_FLOATS;
                ctx.asyncCopyWait(0);
                ctx.localBarrier();
                // uniform: the next slice's copies into the other buffers
                if (sl + 1 < interSlices) {
                    stageInter(ctx, stage, STAGE_INTS - buf, statesIn, C, (sl + 1) * INTER_SLICE, stateBase, cBase, cRow, l0,
                            len, headdim - p0, dstate);
                } else if (sl + 1 < slices) {
                    stageIntra(ctx, stage, cbS, STAGE_INTS - buf, CB_FLOATS - cbBuf, x, cbFrag, (sl + 1 - interSlices) * SLICE,
                            xBase, xRow, cbBase, cbRun, sEnd, len, headdim - p0);
                }
                if (sl + 1 < slices) {
                    ctx.asyncCopyCommit();
                }
                // the two kinds of slice in separate branches (uniform), so that neither carries the other's
                // fragment loads as predicated instructions
                if (sl < interSlices) {
                    int kEnd = Math.min(INTER_SLICE, dstate - sl * INTER_SLICE);
                    for (int q = 0; q < INTER_SLICE / 16; q++) {
                        if (16 * q < kEnd) { // uniform over the group
                            ctx.ldmatrixX4(stage, buf + C_AT + 16 * warp * INTER_STRIDE + 8 * q, INTER_STRIDE, a, 0);
                            // per pair of n8 tiles: state rows 16 np..: b0 of tiles 2 np, 2 np + 1, then b1 of both
                            for (int np = 0; np < NT / 2; np++) {
                                ctx.ldmatrixX4(stage, buf + 16 * np * INTER_STRIDE + 8 * q, INTER_STRIDE, ldm, 0);
                                for (int jj = 0; jj < 2; jj++) {
                                    ctx.mmaBf16Frag(a[0], a[1], a[2], a[3], ldm[jj], ldm[jj + 2], acc, 8 * np + 4 * jj);
                                }
                            }
                        }
                    }
                } else {
                    int k0 = (sl - interSlices) * SLICE;
                    int kEnd = Math.min(SLICE, sEnd - k0);
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
                            // x tokens 16 q.., columns 16 np..: b0, b1 of tile 2 np, then of 2 np + 1
                            for (int np = 0; np < NT / 2; np++) {
                                ctx.ldmatrixX4Trans(stage, buf + 16 * q * STRIDE + 8 * np, STRIDE, ldm, 0);
                                for (int jj = 0; jj < 2; jj++) {
                                    ctx.mmaBf16Frag(a[0], a[1], a[2], a[3], ldm[2 * jj], ldm[2 * jj + 1], acc, 8 * np + 4 * jj);
                                }
                            }
                        }
                    }
                }
            }

            // epilogue: + D x (D per channel; D per head is already in acc), * silu(z), rounded to bf16 pairs
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
     * Starts the copies of the inter-chunk slice of state columns {@code k0..k0 + 31} into the int buffer at {@code at}:
     * the state (rows p below {@code channels}, from {@code stateBase}) and C (the tile's token rows from {@code l0},
     * clamped to the sequence, from {@code cBase}, {@code cRow} elements apart), rows of 4 copies, item {@code lid}
     * copying column chunk {@code lid % 4} of rows {@code lid / 4 + 32 e}.
     */
    static void stageInter(KernelContext ctx, int[] stage, int at, BFloat16Array statesIn, BFloat16Array C, int k0,
                           long stateBase, long cBase, int cRow, int l0, int len, int channels, int dstate) {
        int lid = ctx.localIdx;
        int row = lid / INTER_ROW_CHUNKS;
        int k = k0 + 8 * (lid % INTER_ROW_CHUNKS);
        int dst = at + row * INTER_STRIDE + 4 * (lid % INTER_ROW_CHUNKS);
        if (k < dstate) {
            for (int e = 0; e < INTER_COPIES; e++) {
                int r = row + (GROUP / INTER_ROW_CHUNKS) * e;
                int d = dst + (GROUP / INTER_ROW_CHUNKS) * INTER_STRIDE * e;
                if (r < channels) {
                    ctx.asyncCopy16(stage, d, statesIn, stateBase + (long) r * dstate + k);
                }
                ctx.asyncCopy16(stage, d + C_AT, C, cBase + (long) Math.min(l0 + r, len - 1) * cRow + k);
            }
        }
    }

    /**
     * Starts the copies of the intra-chunk slice of tokens {@code k0..k0 + 63} (below {@code sEnd}): x into the int
     * buffer at {@code at} ({@link #stageTokenRows}, from {@code xBase}, {@code xRow} elements per token) and the four
     * 16-steps of C B^T A fragments of each warp into the float buffer at {@code cbAt} ({@code FRAG} floats per 16-step,
     * contiguous per warp in global memory from {@code cbBase + (k0 / 16) FRAG}, warps' runs {@code cbRun} apart: item
     * {@code lid} copies floats {@code 4 lid..} of warp e's).
     */
    static void stageIntra(KernelContext ctx, int[] stage, float[] cbS, int at, int cbAt, BFloat16Array x, FloatArray cbFrag,
                           int k0, long xBase, int xRow, long cbBase, long cbRun, int sEnd, int len, int channels) {
        int lid = ctx.localIdx;
        int kEnd = Math.min(SLICE, sEnd - k0);
        stageTokenRows(ctx, stage, at, x, xBase, xRow, k0, kEnd, len, channels);
        if (16 * (lid / KernelContext.WARP_SIZE) < kEnd) {
            long from = cbBase + (long) (k0 / 16) * SsdFragKernels.FRAG + 4 * lid;
            for (int e = 0; e < TILE / 16; e++) {
                ctx.asyncCopy16(cbS, cbAt + e * SsdFragKernels.STEPS * SsdFragKernels.FRAG + 4 * lid, cbFrag, from + e * cbRun);
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
