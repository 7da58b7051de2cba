package io.jmamba.kernels.ssd;

import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.KernelMath;
import io.jmamba.runtime.api.LaunchBounds;
import io.jmamba.runtime.api.Parallel;

import static io.jmamba.kernels.ssd.SsdFragKernels.LSTRIDE;
import static io.jmamba.kernels.ssd.SsdTensorKernels.MAX_CHUNK;
import static io.jmamba.kernels.ssd.SsdTensorKernels.NT;
import static io.jmamba.kernels.ssd.SsdTensorKernels.SLICE;
import static io.jmamba.kernels.ssd.SsdTensorKernels.TILE;

/**
 * The chunk-state steps of {@link SsdScanBf16.Variant#FRAG_PASSING} and {@link SsdScanBf16.Variant#FRAG2}, the
 * same results as {@link SsdBf16StateKernels} (bf16 chunk states, passed in place) with more work per launch
 * unit:
 * <ul>
 *   <li>{@link #statePassingInPlaceDeep}: {@link SsdBf16StateKernels#statePassingInPlace} with
 *       {@link #PASS_BATCH} chunks' loads in flight per work-item instead of {@link SsdKernels#LOAD_BATCH}.
 *       The passing has one work-item per (b, h, p, n pair), 98K at the 130M shape (six warps per H100 SM),
 *       and each must finish a batch's stores before it may load the next batch (same array), so bytes in
 *       flight, not DRAM bandwidth, bound it: 8 x 4-byte loads per work-item move 1.2 TB/s at about 0.7 us of
 *       latency; 32 reach the bandwidth.</li>
 *   <li>{@link #chunkStateBf16Wide}: {@link SsdBf16StateKernels#chunkStateBf16} on 64 x 128 (p x n) tiles of
 *       eight warps: each slice of x is loaded from global memory and staged once for 128 state columns
 *       instead of once per 64 (half the x loads, half the exp of the chunk weights, half the groups and
 *       their prologues and epilogues). 128 staged B rows double-buffered would pass the 48 KB of static
 *       shared memory, so the buffers are single (31 KB) and each slice costs two barriers instead of one.</li>
 * </ul>
 */
public final class SsdFrag2Kernels {
    private SsdFrag2Kernels() {
    }

    /** Chunks whose states a work-item of {@link #statePassingInPlaceDeep} loads before it uses them. */
    public static final int PASS_BATCH = 32;
    /** Work-group size of {@link #chunkStateBf16Wide}: eight warps, four over p times two over n. */
    public static final int WIDE_STATE_GROUP = 256;
    /** State columns (n) of one {@link #chunkStateBf16Wide} group. */
    static final int WIDE_N = 2 * TILE;

    /** Work-groups of {@link #chunkStateBf16Wide} for {@code cfg}. */
    public static long stateGroups(SsdConfig cfg) {
        long tilesP = (cfg.headdim() + TILE - 1) / TILE;
        long tilesN = (cfg.dstate() + WIDE_N - 1) / WIDE_N;
        return (long) cfg.batch() * cfg.nchunks() * cfg.heads() * tilesP * tilesN;
    }

    /**
     * {@link SsdBf16StateKernels#chunkStateBf16} on 64 x 128 tiles (see the class comment); same arguments.
     * Launch {@link #stateGroups} groups of {@link #WIDE_STATE_GROUP}: group (b, c, h, p tile, n tile) with the
     * n tile fastest; warp w computes rows 16 (w % 4) .. + 15 and columns 64 (w / 4) .. + 63 of the tile.
     */
    @LaunchBounds(maxThreads = WIDE_STATE_GROUP, minBlocksPerMultiprocessor = 2)
    public static void chunkStateBf16Wide(KernelContext ctx, BFloat16Array x, BFloat16Array B, FloatArray dtOut,
                                          FloatArray dACumsum, BFloat16Array states, int batch, int seqlen, int heads,
                                          int headdim, int groups, int dstate, int chunk, int nchunks) {
        long[] xs = ctx.allocateLongLocalArray(TILE * LSTRIDE);
        long[] bs = ctx.allocateLongLocalArray(WIDE_N * LSTRIDE);
        float[] wl = ctx.allocateFloatLocalArray(MAX_CHUNK);
        float[] acc = new float[NT * 4];
        int lid = ctx.localIdx;
        int lane = ctx.laneId();
        int warp = lid / KernelContext.WARP_SIZE;
        int gq = lane / 4;
        int t = lane % 4;
        int wp = warp & 3;
        int wn = warp >> 2;
        int tilesN = (dstate + WIDE_N - 1) / WIDE_N;
        int tilesP = (headdim + TILE - 1) / TILE;
        int grp = ctx.groupIdx;
        int n0 = (grp % tilesN) * WIDE_N;
        int p0 = ((grp / tilesN) % tilesP) * TILE;
        int i = grp / (tilesN * tilesP);
        int h = i % heads;
        int c = (i / heads) % nchunks;
        int b = i / (heads * nchunks);
        int g = h / (heads / groups);
        int len = Math.min(chunk, seqlen - c * chunk);
        long cs = (((long) b * heads + h) * nchunks + c) * chunk;
        long row0 = (long) b * seqlen + (long) c * chunk;
        long xBase = (row0 * heads + h) * headdim + p0;
        int xRow = heads * headdim;
        long bBase = (row0 * groups + g) * dstate + n0;
        int bRow = groups * dstate;
        int pLeft = headdim - p0;
        int nLeft = dstate - n0;
        // Staged as in chunkStateBf16 (longs of two token pairs, SsdFragKernels.LSTRIDE), with passes of 32 rows:
        // pass e covers p (x) or n (B) pair cp + 16 e with cp = lane / 8 + 4 (warp >> 1) and long
        // m = lane % 8 + 8 (warp & 1) (token pairs tp and tp + 4, tp = 8 (m / 4) + m % 4): two x passes and four
        // B passes. A warp's cp are four consecutive pairs (8 rows, 8-aligned) and pLeft, nLeft are multiples of
        // 16, so skipping the passes past them is uniform per warp; stale rows only reach accumulator rows (x)
        // or columns (B) that are not stored.
        int cp = lane / 8 + 4 * (warp >> 1);
        int m = lane % 8 + 8 * (warp & 1);
        int tp = 8 * (m / 4) + m % 4;
        int xPasses = Math.min(2, Math.max(0, (pLeft - 2 * cp + 31) / 32));
        int bPasses = Math.min(4, Math.max(0, (nLeft - 2 * cp + 31) / 32));
        int[] preX = new int[8];
        int[] preB = new int[16];
        int at0 = 2 * cp * LSTRIDE + m;
        long xCol = xBase + 2 * cp;
        long bCol = bBase + 2 * cp;
        int slices = (len + SLICE - 1) / SLICE;
        // iteration it stores slice it - 1 (loaded into registers by iteration it - 1), passes a barrier, issues
        // slice it's loads, multiplies slice it - 1 and, unless it is the last, passes a second barrier so that
        // no warp still reads the (single) buffers when the next iteration overwrites them. Iteration 0 issues
        // slice 0's loads before it computes the weights wl; its barrier publishes wl.
        for (int it = 0; it <= slices; it++) {
            int k0 = (it - 1) * SLICE;
            int kEnd = 0;
            if (it > 0) {
                kEnd = Math.min(SLICE, len - k0);
                int l = k0 + 2 * tp;
                float wa0 = 0f;
                float wa1 = 0f;
                float wb0 = 0f;
                float wb1 = 0f;
                if (l < len) {
                    wa0 = wl[l];
                }
                if (l + 1 < len) {
                    wa1 = wl[l + 1];
                }
                if (l + 8 < len) {
                    wb0 = wl[l + 8];
                }
                if (l + 9 < len) {
                    wb1 = wl[l + 9];
                }
                for (int e = 0; e < 2; e++) {
                    if (e < xPasses) {
                        int ae = at0 + 32 * LSTRIDE * e;
                        int xa0 = preX[4 * e];
                        int xa1 = preX[4 * e + 1];
                        int xb0 = preX[4 * e + 2];
                        int xb1 = preX[4 * e + 3];
                        xs[ae] = SsdFragKernels.pairsOf(
                                KernelMath.packBf16x2(KernelMath.bf16x2Lo(xa0) * wa0, KernelMath.bf16x2Lo(xa1) * wa1),
                                KernelMath.packBf16x2(KernelMath.bf16x2Lo(xb0) * wb0, KernelMath.bf16x2Lo(xb1) * wb1));
                        xs[ae + LSTRIDE] = SsdFragKernels.pairsOf(
                                KernelMath.packBf16x2(KernelMath.bf16x2Hi(xa0) * wa0, KernelMath.bf16x2Hi(xa1) * wa1),
                                KernelMath.packBf16x2(KernelMath.bf16x2Hi(xb0) * wb0, KernelMath.bf16x2Hi(xb1) * wb1));
                    }
                }
                for (int e = 0; e < 4; e++) {
                    if (e < bPasses) {
                        int ae = at0 + 32 * LSTRIDE * e;
                        int ba0 = preB[4 * e];
                        int ba1 = preB[4 * e + 1];
                        int bb0 = preB[4 * e + 2];
                        int bb1 = preB[4 * e + 3];
                        bs[ae] = SsdFragKernels.pairsOf((ba0 & 0xffff) | (ba1 << 16), (bb0 & 0xffff) | (bb1 << 16));
                        bs[ae + LSTRIDE] = SsdFragKernels.pairsOf((ba0 >>> 16) | (ba1 & 0xffff0000),
                                (bb0 >>> 16) | (bb1 & 0xffff0000));
                    }
                }
                ctx.localBarrier(); // uniform: it > 0
            }
            if (it < slices) {
                // branch-free loads at clamped addresses: tokens past the sequence read its last token, weight 0
                int l = it * SLICE + 2 * tp;
                long r0 = (long) Math.min(l, len - 1);
                long r1 = (long) Math.min(l + 1, len - 1);
                long r8 = (long) Math.min(l + 8, len - 1);
                long r9 = (long) Math.min(l + 9, len - 1);
                long xa0 = xCol + r0 * xRow;
                long xa1 = xCol + r1 * xRow;
                long xb0 = xCol + r8 * xRow;
                long xb1 = xCol + r9 * xRow;
                long ba0 = bCol + r0 * bRow;
                long ba1 = bCol + r1 * bRow;
                long bb0 = bCol + r8 * bRow;
                long bb1 = bCol + r9 * bRow;
                for (int e = 0; e < 2; e++) {
                    if (e < xPasses) {
                        preX[4 * e] = x.getPair(xa0 + 32 * e);
                        preX[4 * e + 1] = x.getPair(xa1 + 32 * e);
                        preX[4 * e + 2] = x.getPair(xb0 + 32 * e);
                        preX[4 * e + 3] = x.getPair(xb1 + 32 * e);
                    }
                }
                for (int e = 0; e < 4; e++) {
                    if (e < bPasses) {
                        preB[4 * e] = B.getPair(ba0 + 32 * e);
                        preB[4 * e + 1] = B.getPair(ba1 + 32 * e);
                        preB[4 * e + 2] = B.getPair(bb0 + 32 * e);
                        preB[4 * e + 3] = B.getPair(bb1 + 32 * e);
                    }
                }
            }
            // every warp multiplies, also one whose 64 columns are all past nLeft (its results are not stored):
            // on OpenCL and the JVM an mma is a work-group barrier, so no warp may skip it
            for (int q = 0; 16 * q < kEnd; q++) {
                int ra = (16 * wp + gq) * LSTRIDE + 4 * q + t;
                long av = xs[ra];
                long aw = xs[ra + 8 * LSTRIDE];
                int a0 = (int) av;
                int a2 = (int) (av >>> 32);
                int a1 = (int) aw;
                int a3 = (int) (aw >>> 32);
                for (int j = 0; j < NT; j++) {
                    long bv = bs[(64 * wn + 8 * j + gq) * LSTRIDE + 4 * q + t];
                    ctx.mmaBf16Frag(a0, a1, a2, a3, (int) bv, (int) (bv >>> 32), acc, 4 * j);
                }
            }
            if (it == 0) { // uniform
                float last = dACumsum.get(cs + len - 1);
                for (int l = lid; l < len; l += WIDE_STATE_GROUP) {
                    wl[l] = KernelMath.exp(last - dACumsum.get(cs + l)) * dtOut.get(cs + l);
                }
                ctx.localBarrier();
            } else if (it < slices) { // uniform: the next iteration overwrites the buffers read above
                ctx.localBarrier();
            }
        }
        if (64 * wn < nLeft) { // uniform per warp
            int pa = 16 * wp + gq;
            int nw = 64 * wn;
            long outA = ((long) i * headdim + p0 + pa) * dstate + n0 + nw + 2 * t;
            long outB = outA + 8L * dstate;
            for (int j = 0; j < NT; j++) {
                if (nw + 8 * j < nLeft) {
                    if (pa < pLeft) {
                        states.setPair(outA + 8 * j, KernelMath.packBf16x2(acc[4 * j], acc[4 * j + 1]));
                    }
                    if (pa + 8 < pLeft) {
                        states.setPair(outB + 8 * j, KernelMath.packBf16x2(acc[4 * j + 2], acc[4 * j + 3]));
                    }
                }
            }
        }
    }

    /**
     * {@link SsdBf16StateKernels#statePassingInPlace} with {@link #PASS_BATCH} chunks per load batch (see the
     * class comment); same arguments, same launch (a (headdim dstate / 2, batch heads) loop grid).
     */
    public static void statePassingInPlaceDeep(BFloat16Array states, FloatArray dACumsum, FloatArray initialStates,
                                               FloatArray finalStates, int batch, int seqlen, int heads, int headdim,
                                               int dstate, int chunk, int nchunks, boolean hasInitialStates) {
        float[] own0 = new float[PASS_BATCH];
        float[] own1 = new float[PASS_BATCH];
        float[] decay = new float[PASS_BATCH];
        int bh = batch * heads;
        int pn = headdim * dstate;
        int pairs = pn / 2;
        for (@Parallel int q = 0; q < pairs; q++) {
            for (@Parallel int i = 0; i < bh; i++) {
                int h = i % heads;
                int b = i / heads;
                int j = 2 * q;
                float s0 = 0f;
                float s1 = 0f;
                if (hasInitialStates) {
                    s0 = initialStates.get((long) i * pn + j);
                    s1 = initialStates.get((long) i * pn + j + 1);
                }
                for (int c0 = 0; c0 < nchunks; c0 += PASS_BATCH) {
                    for (int k = 0; k < PASS_BATCH; k++) {
                        int c = c0 + k;
                        float o0 = 0f;
                        float o1 = 0f;
                        float da = 0f;
                        if (c < nchunks) {
                            long at = (((long) b * nchunks + c) * heads + h) * pn + j;
                            int own = states.getPair(at);
                            o0 = KernelMath.bf16x2Lo(own);
                            o1 = KernelMath.bf16x2Hi(own);
                            int len = Math.min(chunk, seqlen - c * chunk);
                            da = dACumsum.get((((long) b * heads + h) * nchunks + c) * chunk + len - 1);
                        }
                        own0[k] = o0;
                        own1[k] = o1;
                        decay[k] = KernelMath.exp(da);
                    }
                    for (int k = 0; k < PASS_BATCH; k++) {
                        int c = c0 + k;
                        if (c < nchunks) {
                            states.setPair((((long) b * nchunks + c) * heads + h) * pn + j, KernelMath.packBf16x2(s0, s1));
                            s0 = KernelMath.fma(decay[k], s0, own0[k]);
                            s1 = KernelMath.fma(decay[k], s1, own1[k]);
                        }
                    }
                }
                finalStates.set((long) i * pn + j, s0);
                finalStates.set((long) i * pn + j + 1, s1);
            }
        }
    }
}
