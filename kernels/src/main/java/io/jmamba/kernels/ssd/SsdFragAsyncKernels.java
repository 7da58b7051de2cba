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
 * limits) with its tiles staged by asynchronous copies ({@link KernelContext#asyncCopy16}, CUDA {@code cp.async})
 * into two buffers, and its B fragments and the inter-chunk A fragments read by {@link KernelContext#ldmatrixX4}
 * ({@code ldmatrix}), the pattern of the bf16 flash attention's {@code FlashAttentionBf16AsyncKernel}. Selected by
 * {@link SsdScanBf16.ScanKernel#ASYNC} or {@code -Djmamba.ssd.bf16.async=true}.
 *
 * <p>Why: chunkScanFrag (860 us of the 1.51 ms at 64K tokens on the H100) passes every B operand through
 * registers (16 prefetch registers, then packing and 8-byte local stores per slice) and loads the inter-chunk A
 * operand (C) from global memory as 4-byte pairs (half of each 32-byte sector per instruction). Here a slice's
 * tiles go from global to local memory without registers while the previous slice is multiplied, and each
 * 16 x 16 fragment block is one {@code ldmatrix} instead of four local loads.
 *
 * <p><b>Stage.</b> Per slice (64 contraction steps) and buffer: a B tile and, for the inter-chunk slices, a C tile,
 * each 64 rows of 32 bf16 pairs padded to {@link #STRIDE} ints (36: an odd multiple of 4, so the eight 16-byte
 * row segments of an ldmatrix quarter fall on distinct banks), every row in its global layout (no transposition):
 * <ul>
 *   <li>inter-chunk slice: state rows p (channel), pairs along the state index n; C rows l (token), pairs along n.
 *       C's rows are the A tile as {@code ldmatrixX4} wants it; the state's rows are B's columns, so
 *       {@code ldmatrixX4} gives b0 of two n8 tiles, then b1 of both (K in attention);</li>
 *   <li>intra-chunk slice: x rows s (token), pairs along p: rows are the contraction index, so
 *       {@code ldmatrixX4Trans} gives b0, b1 of one n8 tile, then of the next (V in attention).</li>
 * </ul>
 * A copy is 16 bytes (8 elements) of one row; item {@code lid} copies column chunk {@code lid % 8} of rows
 * {@code lid / 8 + 16 e}, e = 0..3 (a quarter-warp fills one 128-byte row). Rows past the sequence copy its last
 * token's (finite; their weights are 0 and their outputs are not stored); channel rows past headdim and state
 * columns past dstate are not copied (they reach only accumulator columns that are not stored, or 16-steps that
 * do not run). Sources are 16-byte aligned since headdim and dstate are multiples of 16 ({@link SsdScanBf16#validate}).
 *
 * <p><b>Pipeline</b> (one commit group per slice, as the attention kernel):
 * <pre>
 *   copy slice 0 -> buffer 0; commit; stage dA, dt per token (plain stores)
 *   for slice sl:  wait_group 0; barrier          // slice sl landed for every item (and dA, dt); all done with sl - 1
 *                  copy slice sl + 1 -> buffer (sl + 1) % 2; commit    // sl - 1's buffer: free after the barrier
 *                  multiply slice sl from buffer sl % 2
 * </pre>
 * The intra-chunk A operand (C B^T, already in fragment order in global memory: fully used 128-byte lines) keeps
 * chunkScanFrag's rolling register prefetch a slice ahead: staging it too would exceed the 48 KB of static local
 * memory (it is a FloatArray and ldmatrix reads int arrays). Local memory: 2 x 2 x 64 x 36 ints and the chunk's
 * dA, dt (38 KB).
 */
public final class SsdFragAsyncKernels {
    private SsdFragAsyncKernels() {
    }

    /** Ints between staged rows: 32 bf16 pairs (a slice of 64 elements) and 4 of padding (see the class comment). */
    static final int STRIDE = SLICE / 2 + 4;
    /** Ints of one staged 64-row tile. */
    static final int TILE_INTS = TILE * STRIDE;
    /** 16-byte copies per staged row. */
    static final int ROW_CHUNKS = SLICE / 8;
    /** Copies per work-item and tile. */
    static final int COPIES = TILE * ROW_CHUNKS / GROUP;

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
        int[] bS = ctx.allocateIntLocalArray(2 * TILE_INTS); // B tiles (state or x), two buffers
        int[] cS = ctx.allocateIntLocalArray(2 * TILE_INTS); // C tiles of the inter-chunk slices, two buffers
        long[] dAdt = ctx.allocateLongLocalArray(MAX_CHUNK); // per token: dA cumsum in log2 units (low), dt (high)
        float[] acc = new float[NT * 4];
        int[] av = new int[4 * SsdFragKernels.STEPS]; // C B^T A operands of the next intra-chunk slice
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
            long cbRow = SsdFragKernels.fragTile(((long) b * nchunks + c) * groups + g, chunk, l0 / 16 + warp, 0) + lane;
            int interSlices = (dstate + SLICE - 1) / SLICE;
            int slices = interSlices + (sEnd + SLICE - 1) / SLICE;
            stageSlice(ctx, bS, cS, 0, statesIn, C, x, 0, interSlices, i, g, p0, l0, len, sEnd, seqlen, heads, headdim,
                    groups, dstate, chunk, nchunks);
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
                int buf = (sl & 1) * TILE_INTS;
                ctx.asyncCopyWait(0);
                ctx.localBarrier();
                if (sl + 1 < slices) { // uniform: the next slice's copies into the other buffer
                    stageSlice(ctx, bS, cS, TILE_INTS - buf, statesIn, C, x, sl + 1, interSlices, i, g, p0, l0, len, sEnd,
                            seqlen, heads, headdim, groups, dstate, chunk, nchunks);
                    ctx.asyncCopyCommit();
                }
                int k0 = inter ? sl * SLICE : (sl - interSlices) * SLICE;
                int kEnd = inter ? Math.min(SLICE, dstate - k0) : Math.min(SLICE, sEnd - k0);
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
                // the next slice's C B^T operands, when it is an intra-chunk one, replace this slice's as consumed
                boolean nextIntra = sl + 1 >= interSlices && sl + 1 < slices;
                int nk0 = (sl + 1 - interSlices) * SLICE;
                int nLast = nextIntra ? (Math.min(SLICE, sEnd - nk0) - 1) / 16 : 0;
                long cbNext = cbRow + (long) (nk0 / 16) * SsdFragKernels.FRAG;
                for (int q = 0; q < SsdFragKernels.STEPS; q++) {
                    if (16 * q < kEnd) { // uniform over the group
                        if (inter) {
                            ctx.ldmatrixX4(cS, buf + 16 * warp * STRIDE + 8 * q, STRIDE, a, 0);
                        } else {
                            int s = k0 + 16 * q + 2 * t; // columns s, s + 1 (a0, a1) and s + 8, s + 9 (a2, a3)
                            if (k0 + 16 * q > warpLast) {
                                // the whole 16-step is above this warp's rows: zero weights without their exponentials
                                a[0] = 0;
                                a[1] = 0;
                                a[2] = 0;
                                a[3] = 0;
                            } else if (warpFull && k0 + 16 * q + 15 < warpFirst) { // below the rows, in the sequence
                                a[0] = freePair(av[4 * q], dAa, dAdt[s], dAdt[s + 1]);
                                a[1] = freePair(av[4 * q + 1], dAb, dAdt[s], dAdt[s + 1]);
                                a[2] = freePair(av[4 * q + 2], dAa, dAdt[s + 8], dAdt[s + 9]);
                                a[3] = freePair(av[4 * q + 3], dAb, dAdt[s + 8], dAdt[s + 9]);
                            } else { // causal mask, sequence end, and D on the diagonal (dMode 1)
                                a[0] = maskedPair(av[4 * q], dAa, dAdt[s], dAdt[s + 1], s, la, lastA, dDiag);
                                a[1] = maskedPair(av[4 * q + 1], dAb, dAdt[s], dAdt[s + 1], s, lb, lastB, dDiag);
                                a[2] = maskedPair(av[4 * q + 2], dAa, dAdt[s + 8], dAdt[s + 9], s + 8, la, lastA, dDiag);
                                a[3] = maskedPair(av[4 * q + 3], dAb, dAdt[s + 8], dAdt[s + 9], s + 8, lb, lastB, dDiag);
                            }
                        }
                        // per pair of n8 tiles: one ldmatrix gives b0, b1 of both, used at once (4 live registers)
                        for (int np = 0; np < NT / 2; np++) {
                            if (inter) { // state rows 16 np..: b0 of tiles 2 np, 2 np + 1, then b1 of both
                                ctx.ldmatrixX4(bS, buf + 16 * np * STRIDE + 8 * q, STRIDE, ldm, 0);
                                bf[0] = ldm[0];
                                bf[1] = ldm[2];
                                bf[2] = ldm[1];
                                bf[3] = ldm[3];
                            } else { // x tokens 16 q.., columns 16 np..: b0, b1 of tile 2 np, then of 2 np + 1
                                ctx.ldmatrixX4Trans(bS, buf + 16 * q * STRIDE + 8 * np, STRIDE, bf, 0);
                            }
                            for (int jj = 0; jj < 2; jj++) {
                                ctx.mmaBf16Frag(a[0], a[1], a[2], a[3], bf[2 * jj], bf[2 * jj + 1], acc, 4 * (2 * np + jj));
                            }
                        }
                    }
                    if (nextIntra) { // uniform: 16-step q of the next slice into the registers just consumed
                        long at = cbNext + (long) Math.min(q, nLast) * SsdFragKernels.FRAG;
                        av[4 * q] = Float.floatToRawIntBits(cbFrag.get(at));
                        av[4 * q + 1] = Float.floatToRawIntBits(cbFrag.get(at + 32));
                        av[4 * q + 2] = Float.floatToRawIntBits(cbFrag.get(at + 64));
                        av[4 * q + 3] = Float.floatToRawIntBits(cbFrag.get(at + 96));
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
     * Starts the copies of slice {@code sl} into the buffers at {@code at}: for an inter-chunk slice the state
     * (rows p below headdim) and C (rows l of the tile, clamped to the sequence) at state columns
     * {@code 64 sl..}; for an intra-chunk slice x (token rows of the slice's 16-steps, clamped to the sequence).
     * Only columns the 16-steps read are copied. Item {@code lid} copies column chunk {@code lid % 8} of rows
     * {@code lid / 8 + 16 e}. The addresses are recomputed from the tile's indices on every call (a few integer
     * operations per slice) rather than kept in registers across the slice loop.
     *
     * @param i the tile's (batch, chunk, head) index, {@code g} its group, {@code p0} and {@code l0} its first
     *          channel and token
     */
    static void stageSlice(KernelContext ctx, int[] bS, int[] cS, int at, BFloat16Array statesIn, BFloat16Array C,
                           BFloat16Array x, int sl, int interSlices, int i, int g, int p0, int l0, int len, int sEnd,
                           int seqlen, int heads, int headdim, int groups, int dstate, int chunk, int nchunks) {
        int copyRow = ctx.localIdx / ROW_CHUNKS;
        int copyCol = ctx.localIdx % ROW_CHUNKS;
        int dst = at + copyRow * STRIDE + 4 * copyCol;
        int c = (i / heads) % nchunks;
        long row0 = (long) (i / (heads * nchunks)) * seqlen + (long) c * chunk; // the chunk's first token
        if (sl < interSlices) {
            int k0 = sl * SLICE + 8 * copyCol;
            if (k0 < dstate) {
                long sSrc = ((long) i * headdim + p0 + copyRow) * dstate + k0;
                long cSrc = (row0 * groups + g) * dstate + k0;
                int cRow = groups * dstate;
                for (int e = 0; e < COPIES; e++) {
                    int row = copyRow + 16 * e;
                    if (row < headdim - p0) {
                        ctx.asyncCopy16(bS, dst + 16 * STRIDE * e, statesIn, sSrc + (long) (16 * e) * dstate);
                    }
                    ctx.asyncCopy16(cS, dst + 16 * STRIDE * e, C, cSrc + (long) Math.min(l0 + row, len - 1) * cRow);
                }
            }
        } else {
            int k0 = (sl - interSlices) * SLICE;
            int rows = (Math.min(SLICE, sEnd - k0) + 15) / 16 * 16; // the token rows the 16-steps read
            if (8 * copyCol < headdim - p0) {
                long xSrc = (row0 * heads + i % heads) * headdim + p0 + 8 * copyCol;
                int xRow = heads * headdim;
                for (int e = 0; e < COPIES; e++) {
                    int row = copyRow + 16 * e;
                    if (row < rows) {
                        ctx.asyncCopy16(bS, dst + 16 * STRIDE * e, x, xSrc + (long) Math.min(k0 + row, len - 1) * xRow);
                    }
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
