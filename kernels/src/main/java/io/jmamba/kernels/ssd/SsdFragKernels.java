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
 * The C B^T and chunk-scan phases of the bf16 SSD on tensor cores ({@link SsdScanBf16}; the tiling of
 * {@link SsdTensorKernels}): C B^T goes through global memory as bf16, already in the tensor-core
 * A-fragment order, and every A operand of chunkScan is loaded a whole slice ahead of its mma.
 *
 * <p>Why: on the H100 the first (STAGED, since removed) chunkScan was latency-bound (tensor pipe 6.6%
 * active, DRAM 12%). Its
 * A operands (fp32 cb, 8 loads of 4 bytes per lane and 16-step, half of each 32-byte sector unused
 * per instruction; C pairs) were loaded one 16-step (8 mma) ahead, so every 16-step waited about one
 * L2 latency. Here:
 * <ul>
 *   <li>{@link #chunkCbFrag} writes each 16 x 16 tile of C B^T as the four bf16-pair registers a0..a3
 *       of the m16n8k16 A fragment, register r of lane l at {@code tile + 32 r + l}: chunkScan's loads are
 *       four fully used 128-byte lines per warp and 16-step, and the CB scratch is half the bytes (written
 *       once, read by every head of the group). The bf16 rounding of C B^T adds one rounding before the
 *       weights' own (mamba_ssm rounds the weights to bf16 too); the fixture tolerance is unchanged.</li>
 *   <li>{@link #chunkScanFrag} keeps the slice's 16 A-operand registers in a rolling prefetch: right after
 *       16-step q of slice k has consumed its registers, the same registers are reloaded with 16-step q of
 *       slice k + 1, so each load has a whole slice (32 mma per warp and a barrier) to arrive, at no extra
 *       registers over one slice's operands.</li>
 *   <li>The inter-chunk term multiplies the raw C (no exp(dA_l) scaling and re-rounding of C per 16-step)
 *       and scales the accumulator rows by exp(dA_l) once, before the intra-chunk term is added (as
 *       mamba_ssm's Triton chunk scan does): fewer instructions and one rounding less.</li>
 *   <li>The intra-chunk weights of 16-steps strictly below a warp's rows (most of them) are computed without
 *       the causal and sequence-end selects; D per head is added to the diagonal weights (y_l += D x_l through
 *       the staged x, with D rounded into the bf16 weight), so the epilogue of the common no-z case loads
 *       nothing (D per channel is applied there, as before).</li>
 * </ul>
 * The B operands (the bf16 state, x) are staged in local memory, transposed, in two buffers with one
 * barrier per slice, and as longs holding the pairs t and t + 4 of a
 * 16-step, the b0 and b1 of one B fragment: one 8-byte local load per mma instead of two 4-byte ones
 * ({@link #LSTRIDE} has the bank layout). The tiling, launch and limits are those of {@link SsdTensorKernels}.
 * The fragment-ordered C B^T (chunk^2 / 2 floats per batch, chunk and group, bf16 pairs as float bits)
 * lives in the first half of the fp32 CB scratch of {@link SsdScan.Workspace}.
 */
public final class SsdFragKernels {
    private SsdFragKernels() {
    }

    /** 16-steps (mma k16) per staged slice. */
    static final int STEPS = SLICE / 16;
    /**
     * Longs between staged rows in chunkScanFrag: 16 longs of data (each the two bf16 pairs t and t + 4 of
     * one 16-step, the B fragment's b0 and b1) and 4 of padding. 20 = 4 mod 16: the fragment reads (lanes
     * of a half-warp read row gq, long t: words 40 gq + 2 t, + 1) fall in 32 distinct banks, and so do the
     * staging stores (a half-warp stores 16 consecutive longs, or 8 consecutive longs of rows 2 apart).
     */
    static final int LSTRIDE = 20;
    /** Ints of one 16 x 16 A-fragment tile: four registers of 32 lanes. */
    static final int FRAG = 4 * KernelContext.WARP_SIZE;
    /**
     * chunkScanFrag's launch bounds: 4 groups of 4 warps per multiprocessor. At 5 (96 registers) sm_90 ptxas
     * spills the rolling prefetch; at 4 it has 128.
     */
    static final int SCAN_GROUPS_PER_SM = 4;

    /**
     * A warp's 16 x 64 C B^T accumulators (n8 tile j in {@code acc[4 j..4 j + 3]}) as the bf16 A fragments of its
     * four 16 x 16 tiles: tile m's a0, a1, a2, a3 at {@code at + m FRAG} + 0, 32, 64, 96 ({@code at}: the first
     * tile's {@link #fragTile} plus the lane). The layout {@link #chunkCbFrag} and
     * {@link SsdCbAsyncKernels#chunkCbAsync} write and the chunk scans read.
     */
    static void storeFragments(FloatArray cbFrag, float[] acc, long at) {
        for (int m = 0; m < NT / 2; m++) {
            long t = at + (long) m * FRAG;
            cbFrag.set(t, Float.intBitsToFloat(KernelMath.packBf16x2(acc[8 * m], acc[8 * m + 1])));
            cbFrag.set(t + 32, Float.intBitsToFloat(KernelMath.packBf16x2(acc[8 * m + 2], acc[8 * m + 3])));
            cbFrag.set(t + 64, Float.intBitsToFloat(KernelMath.packBf16x2(acc[8 * m + 4], acc[8 * m + 5])));
            cbFrag.set(t + 96, Float.intBitsToFloat(KernelMath.packBf16x2(acc[8 * m + 6], acc[8 * m + 7])));
        }
    }

    /** First int of the A-fragment tile (l rows 16 lt..16 lt + 15, s columns 16 st..16 st + 15) of chunk-group {@code i}. */
    static long fragTile(long i, int chunk, int lt, int st) {
        long tiles = chunk / 16;
        return ((i * tiles + lt) * tiles + st) * FRAG;
    }

    /**
     * cb[b,c,g] = C_chunk B_chunk^T ({@link SsdKernels#chunkCb}) for the 64 x 64 blocks on and below the
     * diagonal (rows and columns past the sequence zero, the upper triangle inside diagonal blocks unmasked:
     * {@link #chunkScanFrag} masks it), written as bf16 A fragments: for tile (lt, st) lane l stores a0 (row 16 lt + l / 4, columns 16 st + 2 (l % 4) + {0, 1}),
     * a1 (the row 8 below), a2 (the columns 8 right), a3 (both) at {@link #fragTile} + 32 r + l. The mma
     * accumulators hold exactly these pairs: n8 tile 2m gives a0 and a1, n8 tile 2m + 1 gives a2 and a3.
     */
    @LaunchBounds(maxThreads = GROUP, minBlocksPerMultiprocessor = 6)
    public static void chunkCbFrag(KernelContext ctx, BFloat16Array C, BFloat16Array B, FloatArray cbFrag, int batch,
                                   int seqlen, @Specialize int groups, @Specialize int dstate, @Specialize int chunk,
                                   int nchunks) {
        float[] acc = new float[NT * 4];
        int lane = ctx.laneId();
        int warp = ctx.localIdx / KernelContext.WARP_SIZE;
        int gq = lane / 4;
        int t = lane % 4;
        int tilesQ = chunk / TILE;
        int grp = ctx.groupIdx;
        int s0 = (grp % tilesQ) * TILE;
        int l0 = ((grp / tilesQ) % tilesQ) * TILE;
        int i = grp / (tilesQ * tilesQ);
        int g = i % groups;
        int c = (i / groups) % nchunks;
        int b = i / (groups * nchunks);
        int len = Math.min(chunk, seqlen - c * chunk);
        if (s0 <= l0 && l0 < len) { // uniform over the group
            int rowStep = groups * dstate;
            long base = ((long) b * seqlen + (long) c * chunk) * rowStep + (long) g * dstate + 2 * t;
            int la = l0 + 16 * warp + gq;
            int lb = la + 8;
            boolean inA = la < len;
            boolean inB = lb < len;
            // rows and columns past the sequence read the last token (in bounds) and are zeroed by a select
            long aRow = base + (long) Math.min(la, len - 1) * rowStep;
            long bRow = base + (long) Math.min(lb, len - 1) * rowStep;
            // software-pipelined by one 16-step: the operands of step k + 16 are loaded (into na*, nb) before the
            // mma of step k, so that their latency overlaps eight mma instead of stalling each step
            int[] nb = new int[2 * NT];
            int[] cb = new int[2 * NT];
            int na0 = C.getPair(aRow);
            int na1 = C.getPair(bRow);
            int na2 = C.getPair(aRow + 8);
            int na3 = C.getPair(bRow + 8);
            for (int j = 0; j < NT; j++) {
                long r = base + (long) Math.min(s0 + 8 * j + gq, len - 1) * rowStep;
                nb[2 * j] = B.getPair(r);
                nb[2 * j + 1] = B.getPair(r + 8);
            }
            for (int k = 0; k < dstate; k += 16) {
                int a0 = inA ? na0 : 0;
                int a1 = inB ? na1 : 0;
                int a2 = inA ? na2 : 0;
                int a3 = inB ? na3 : 0;
                for (int j = 0; j < NT; j++) {
                    boolean sIn = s0 + 8 * j + gq < len;
                    cb[2 * j] = sIn ? nb[2 * j] : 0;
                    cb[2 * j + 1] = sIn ? nb[2 * j + 1] : 0;
                }
                int kn = Math.min(k + 16, dstate - 16); // the last step reloads itself (in bounds, unused)
                na0 = C.getPair(aRow + kn);
                na1 = C.getPair(bRow + kn);
                na2 = C.getPair(aRow + kn + 8);
                na3 = C.getPair(bRow + kn + 8);
                for (int j = 0; j < NT; j++) {
                    long r = base + (long) Math.min(s0 + 8 * j + gq, len - 1) * rowStep + kn;
                    nb[2 * j] = B.getPair(r);
                    nb[2 * j + 1] = B.getPair(r + 8);
                }
                for (int j = 0; j < NT; j++) {
                    ctx.mmaBf16Frag(a0, a1, a2, a3, cb[2 * j], cb[2 * j + 1], acc, 4 * j);
                }
            }
            storeFragments(cbFrag, acc, fragTile(i, chunk, l0 / 16 + warp, s0 / 16) + lane);
        }
    }

    /**
     * out[b,c,h] (chunk x headdim, bf16) = diag(exp(dA_cs)) C state_in^T + (cb o decay o dt)_lower x_chunk,
     * plus D x, times silu(z) ({@link SsdKernels#chunkScan} in bf16; {@code statesIn} is the state entering
     * each chunk in bf16, from {@link SsdBf16StateKernels#statePassingInPlace}), reading C B^T from
     * {@link #chunkCbFrag}'s fragment-ordered bf16 scratch, with the rolling A-operand prefetch and the
     * accumulator-scaled inter-chunk term described in the class comment.
     *
     * @param dMode 0: no D, 1: D per head, 2: D per (head, channel)
     */
    @LaunchBounds(maxThreads = GROUP, minBlocksPerMultiprocessor = SCAN_GROUPS_PER_SM)
    public static void chunkScanFrag(KernelContext ctx, BFloat16Array x, BFloat16Array z, FloatArray D, BFloat16Array C,
                                     FloatArray cbFrag, FloatArray dtOut, FloatArray dACumsum, BFloat16Array statesIn,
                                     BFloat16Array out, int batch, int seqlen, int heads, int headdim, int groups,
                                     int dstate, int chunk, int nchunks, int dMode, boolean hasZ) {
        long[] stage = ctx.allocateLongLocalArray(2 * TILE * LSTRIDE); // two buffers: see the slice loop
        long[] dAdt = ctx.allocateLongLocalArray(MAX_CHUNK); // per token: dA cumsum in log2 units (low), dt (high)
        float[] acc = new float[NT * 4];
        int[] pre = new int[16]; // the next slice's staging loads (B operands), in registers: 8 passes x 2 or 4 x 4
        int[] av = new int[4 * STEPS]; // the raw A operands (C pairs or cb pairs) of the next slice to multiply
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
            // loaded here, first used after the inter-chunk slices (rows past the sequence read the last row's:
            // their weights are 0 and their outputs are not stored)
            float dAa = dACumsum.get(cs + Math.min(la, len - 1)) * LOG2E;
            float dAb = dACumsum.get(cs + Math.min(lb, len - 1)) * LOG2E;
            // rows past the sequence read the last row's C (finite; their outputs are not stored)
            int cRow = groups * dstate;
            long cA = (row0 * groups + g) * dstate + (long) Math.min(la, len - 1) * cRow + 2 * t;
            long cB = (row0 * groups + g) * dstate + (long) Math.min(lb, len - 1) * cRow + 2 * t;
            int lastA = inA ? la : -1; // the last token row la keeps (none past the sequence)
            int lastB = inB ? lb : -1;
            int warpFirst = l0 + 16 * warp; // this warp's rows: warpFirst..warpLast
            int warpLast = warpFirst + 15; // no weight right of it is kept
            boolean warpFull = warpLast < len; // all of the warp's rows in the sequence
            // D per head joins the intra-chunk weights on the diagonal (y_l += D x_l through the staged x), so
            // that the epilogue loads no x; D per channel varies along the product's columns and stays there
            float dDiag = dMode == 1 ? D.get(h) : 0f;
            long cbRow = fragTile(((long) b * nchunks + c) * groups + g, chunk, l0 / 16 + warp, 0) + lane;
            long sBase = ((long) i * headdim + p0) * dstate;
            long xBase = (row0 * heads + h) * headdim + p0;
            int xRow = heads * headdim;
            long rowStep8 = 8L * dstate; // between the state rows of consecutive passes
            int interSlices = (dstate + SLICE - 1) / SLICE;
            int slices = interSlices + (sEnd + SLICE - 1) / SLICE;
            // Staging (the class comment has the layout): passes below headdim only (pLeft is a multiple of 16;
            // stale rows past it reach only accumulator columns that are not stored). State pass e: row
            // lane / 16 + 2 warp + 8 e, long lane % 16. x pass e: p pair cp = lane / 8 + 4 (warp >> 1) + 8 e
            // (rows 2 cp, 2 cp + 1), long m = lane % 8 + 8 (warp & 1), i.e. token pairs tp and tp + 4 of the
            // slice with tp = 8 (m / 4) + m % 4. Every pass's address is a per-slice one plus a constant.
            int statePasses = Math.min(8, pLeft / 8);
            int xPasses = Math.min(4, pLeft / 16);
            int sRowItem = lane / 16 + 2 * warp;
            int sLong = lane % 16;
            int sPair = 8 * (sLong / 4) + sLong % 4; // the pair in the long's low half; + 4 in its high half
            int xCp = lane / 8 + 4 * (warp >> 1);
            int xLong = lane % 8 + 8 * (warp & 1);
            int xTp = 8 * (xLong / 4) + xLong % 4;
            int stateAt = sRowItem * LSTRIDE + sLong;
            int xAt = 2 * xCp * LSTRIDE + xLong;
            // Iteration it stores the B operands of slice it - 1 (prefetched by iteration it - 1), passes one
            // barrier, issues slice it's B-operand loads, then multiplies slice it - 1 16-step by 16-step; each
            // 16-step's four A registers, once consumed, are reloaded with the same 16-step of slice it. So
            // iteration 0 multiplies nothing: it issues slice 0's loads first and only then stages dA and dt
            // (whose stores wait for their own loads), without a barrier; iteration 1's barrier publishes both.
            for (int it = 0; it <= slices; it++) {
                int sl = it - 1;
                boolean inter = sl < interSlices; // uniform over the group
                int buf = (sl & 1) * (TILE * LSTRIDE);
                int k0 = sl * SLICE;
                int kEnd = Math.min(SLICE, dstate - k0);
                if (sl < 0) {
                    kEnd = 0;
                } else if (inter) {
                    for (int e = 0; e < 8; e++) {
                        if (e < statePasses) {
                            stage[buf + stateAt + 8 * LSTRIDE * e] = pairsOf(pre[2 * e], pre[2 * e + 1]);
                        }
                    }
                } else {
                    k0 = (sl - interSlices) * SLICE;
                    kEnd = Math.min(SLICE, sEnd - k0);
                    for (int e = 0; e < 4; e++) {
                        if (e < xPasses) {
                            // tokens 2 tp, 2 tp + 1 (low half) and 2 tp + 8, 2 tp + 9 (high half), at p = 2 cp and 2 cp + 1
                            int xa0 = pre[4 * e];
                            int xa1 = pre[4 * e + 1];
                            int xb0 = pre[4 * e + 2];
                            int xb1 = pre[4 * e + 3];
                            int at = buf + xAt + 16 * LSTRIDE * e;
                            stage[at] = pairsOf((xa0 & 0xffff) | (xa1 << 16), (xb0 & 0xffff) | (xb1 << 16));
                            stage[at + LSTRIDE] = pairsOf((xa0 >>> 16) | (xa1 & 0xffff0000), (xb0 >>> 16) | (xb1 & 0xffff0000));
                        }
                    }
                }
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
                if (it > 0) { // uniform
                    ctx.localBarrier();
                }
                // slice it's B operands (branch-free)
                boolean nextInter = it < interSlices;
                int nk0 = nextInter ? it * SLICE : (it - interSlices) * SLICE;
                int nLast = 0; // the last 16-step of slice it (steps past it reload it: in bounds, never used)
                if (nextInter) {
                    nLast = (Math.min(SLICE, dstate - nk0) - 1) / 16;
                    // pairs past dstate load its last pair, and the 16-step loop never reads them
                    long lo = sBase + (long) sRowItem * dstate + Math.min(nk0 + 2 * sPair, dstate - 2);
                    long hi = sBase + (long) sRowItem * dstate + Math.min(nk0 + 2 * sPair + 8, dstate - 2);
                    for (int e = 0; e < 8; e++) {
                        if (e < statePasses) {
                            pre[2 * e] = statesIn.getPair(lo + (long) e * rowStep8);
                            pre[2 * e + 1] = statesIn.getPair(hi + (long) e * rowStep8);
                        }
                    }
                } else if (it < slices) {
                    nLast = (Math.min(SLICE, sEnd - nk0) - 1) / 16;
                    // tokens past the sequence load its last token (finite, and their weights are 0)
                    int s = nk0 + 2 * xTp;
                    long xCol = xBase + 2 * xCp;
                    long xa0 = xCol + (long) Math.min(s, len - 1) * xRow;
                    long xa1 = xCol + (long) Math.min(s + 1, len - 1) * xRow;
                    long xb0 = xCol + (long) Math.min(s + 8, len - 1) * xRow;
                    long xb1 = xCol + (long) Math.min(s + 9, len - 1) * xRow;
                    for (int e = 0; e < 4; e++) {
                        if (e < xPasses) {
                            pre[4 * e] = x.getPair(xa0 + 16 * e);
                            pre[4 * e + 1] = x.getPair(xa1 + 16 * e);
                            pre[4 * e + 2] = x.getPair(xb0 + 16 * e);
                            pre[4 * e + 3] = x.getPair(xb1 + 16 * e);
                        }
                    }
                }
                long cbNext = cbRow + (long) (nk0 / 16) * FRAG;
                for (int q = 0; q < STEPS; q++) {
                    if (16 * q < kEnd) { // uniform over the group
                        int a0 = av[4 * q];
                        int a1 = av[4 * q + 1];
                        int a2 = av[4 * q + 2];
                        int a3 = av[4 * q + 3];
                        if (!inter && k0 + 16 * q > warpLast) {
                            // the whole 16-step is above this warp's rows (the group's loop still runs to the
                            // tile's end): zero weights without their loads and exponentials
                            a0 = 0;
                            a1 = 0;
                            a2 = 0;
                            a3 = 0;
                        } else if (!inter) {
                            int s = k0 + 16 * q + 2 * t; // columns s, s + 1 (a0, a1) and s + 8, s + 9 (a2, a3)
                            // below the warp's rows and all of them in the sequence (warp-uniform): no mask to apply
                            long v0 = dAdt[s]; // one 8-byte local load per token
                            long v1 = dAdt[s + 1];
                            long v8 = dAdt[s + 8];
                            long v9 = dAdt[s + 9];
                            float dAs0 = Float.intBitsToFloat((int) v0);
                            float dAs1 = Float.intBitsToFloat((int) v1);
                            float dAs8 = Float.intBitsToFloat((int) v8);
                            float dAs9 = Float.intBitsToFloat((int) v9);
                            float dt0 = Float.intBitsToFloat((int) (v0 >>> 32));
                            float dt1 = Float.intBitsToFloat((int) (v1 >>> 32));
                            float dt8 = Float.intBitsToFloat((int) (v8 >>> 32));
                            float dt9 = Float.intBitsToFloat((int) (v9 >>> 32));
                            if (warpFull && k0 + 16 * q + 15 < warpFirst) {
                                a0 = KernelMath.packBf16x2(free(KernelMath.bf16x2Lo(a0), dAa, dAs0, dt0),
                                        free(KernelMath.bf16x2Hi(a0), dAa, dAs1, dt1));
                                a1 = KernelMath.packBf16x2(free(KernelMath.bf16x2Lo(a1), dAb, dAs0, dt0),
                                        free(KernelMath.bf16x2Hi(a1), dAb, dAs1, dt1));
                                a2 = KernelMath.packBf16x2(free(KernelMath.bf16x2Lo(a2), dAa, dAs8, dt8),
                                        free(KernelMath.bf16x2Hi(a2), dAa, dAs9, dt9));
                                a3 = KernelMath.packBf16x2(free(KernelMath.bf16x2Lo(a3), dAb, dAs8, dt8),
                                        free(KernelMath.bf16x2Hi(a3), dAb, dAs9, dt9));
                            } else { // causal mask, sequence end, and D on the diagonal (dMode 1)
                                a0 = KernelMath.packBf16x2(weight(KernelMath.bf16x2Lo(a0), dAa, dAs0, dt0, s, la, lastA, dDiag),
                                        weight(KernelMath.bf16x2Hi(a0), dAa, dAs1, dt1, s + 1, la, lastA, dDiag));
                                a1 = KernelMath.packBf16x2(weight(KernelMath.bf16x2Lo(a1), dAb, dAs0, dt0, s, lb, lastB, dDiag),
                                        weight(KernelMath.bf16x2Hi(a1), dAb, dAs1, dt1, s + 1, lb, lastB, dDiag));
                                a2 = KernelMath.packBf16x2(weight(KernelMath.bf16x2Lo(a2), dAa, dAs8, dt8, s + 8, la, lastA, dDiag),
                                        weight(KernelMath.bf16x2Hi(a2), dAa, dAs9, dt9, s + 9, la, lastA, dDiag));
                                a3 = KernelMath.packBf16x2(weight(KernelMath.bf16x2Lo(a3), dAb, dAs8, dt8, s + 8, lb, lastB, dDiag),
                                        weight(KernelMath.bf16x2Hi(a3), dAb, dAs9, dt9, s + 9, lb, lastB, dDiag));
                            }
                        }
                        for (int j = 0; j < NT; j++) {
                            long bv = stage[buf + (8 * j + gq) * LSTRIDE + 4 * q + t]; // pairs t and t + 4 of the 16-step
                            ctx.mmaBf16Frag(a0, a1, a2, a3, (int) bv, (int) (bv >>> 32), acc, 4 * j);
                        }
                    }
                    if (it < slices) { // uniform: 16-step q of slice it into the registers just consumed
                        int qq = Math.min(q, nLast);
                        if (nextInter) {
                            int k = nk0 + 16 * qq;
                            av[4 * q] = C.getPair(cA + k);
                            av[4 * q + 1] = C.getPair(cB + k);
                            av[4 * q + 2] = C.getPair(cA + k + 8);
                            av[4 * q + 3] = C.getPair(cB + k + 8);
                        } else {
                            long at = cbNext + (long) qq * FRAG;
                            av[4 * q] = Float.floatToRawIntBits(cbFrag.get(at));
                            av[4 * q + 1] = Float.floatToRawIntBits(cbFrag.get(at + 32));
                            av[4 * q + 2] = Float.floatToRawIntBits(cbFrag.get(at + 64));
                            av[4 * q + 3] = Float.floatToRawIntBits(cbFrag.get(at + 96));
                        }
                    }
                }
                if (it == 0) { // uniform: after slice 0's loads are in flight (see above)
                    for (int s = lid; s < sEnd; s += GROUP) {
                        dAdt[s] = pairOfFloats(dACumsum.get(cs + s) * LOG2E, dtOut.get(cs + s));
                    }
                }
            }

            // epilogue: + D x (D per channel; D per head is already in acc), * silu(z), rounded to bf16 pairs
            // (columns 2t, 2t + 1 of each n8 tile)
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

    /** {@code lo}'s bits in bits 0-31 and {@code hi}'s in bits 32-63. */
    static long pairOfFloats(float lo, float hi) {
        return pairsOf(Float.floatToRawIntBits(lo), Float.floatToRawIntBits(hi));
    }

    /** Two bf16 pairs as one long: {@code lo} in bits 0-31 (the B fragment's b0), {@code hi} in bits 32-63 (b1). */
    static long pairsOf(int lo, int hi) {
        return ((long) hi << 32) | (lo & 0xffffffffL);
    }

    /**
     * cb exp2(dAl - dAs) dts (dA in log2 units) for row {@code row} and column {@code col}, plus {@code dDiag}
     * on the diagonal (D per head, else 0), or 0 right of {@code last} (above the diagonal, or the row past
     * the sequence: last = -1): selects, so that the caller's loop has no branches for nvcc to duplicate.
     */
    static float weight(float cb, float dAl, float dAs, float dts, int col, int row, int last, float dDiag) {
        float w = KernelMath.fma(cb * KernelMath.exp2Approx(dAl - dAs), dts, col == row ? dDiag : 0f);
        return col <= last ? w : 0f;
    }

    /** {@link #weight} strictly below the diagonal and inside the sequence: nothing to mask. */
    static float free(float cb, float dAl, float dAs, float dts) {
        return cb * KernelMath.exp2Approx(dAl - dAs) * dts;
    }
}
