package io.jmamba.kernels.ssd;

import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.KernelMath;
import io.jmamba.runtime.api.LaunchBounds;
import io.jmamba.runtime.api.Parallel;

import static io.jmamba.kernels.ssd.SsdTensorKernels.GROUP;
import static io.jmamba.kernels.ssd.SsdTensorKernels.MAX_CHUNK;
import static io.jmamba.kernels.ssd.SsdTensorKernels.NT;
import static io.jmamba.kernels.ssd.SsdTensorKernels.SLICE;
import static io.jmamba.kernels.ssd.SsdTensorKernels.STATE_GROUPS_PER_SM;
import static io.jmamba.kernels.ssd.SsdFragKernels.LSTRIDE;
import static io.jmamba.kernels.ssd.SsdTensorKernels.TILE;

/**
 * The chunk states of the bf16 SSD ({@link SsdScanBf16}) in bf16: {@link #chunkStateBf16} computes each
 * chunk's own state on tensor cores (the tiling of {@link SsdTensorKernels}) and writes it as bf16 pairs
 * into the bf16 states array of {@link SsdScanBf16.Workspace}, and {@link #statePassingInPlace} replaces
 * them there, chunk by chunk, with the state entering the chunk (what {@link SsdFragKernels#chunkScanFrag}
 * reads).
 *
 * <p>Why: the fp32 chunk states are the largest intermediate, (headdim x dstate) floats per chunk and
 * head, 201 MB at 64K tokens with the 130M shape, written once and read once; with the bf16 passed
 * states the first (STAGED, since removed) state passing wrote besides them, the state traffic was 600 MB,
 * about 0.2 ms of DRAM time. In bf16 and in place it is 400 MB. The recurrence and the final state stay
 * fp32; only each chunk's own contribution is rounded once to bf16 (mamba_ssm's chunk states are fp32,
 * so this is one rounding more than its path; the fixture tolerance is unchanged).
 */
public final class SsdBf16StateKernels {
    private SsdBf16StateKernels() {
    }

    /**
     * states[b,c,h] (headdim x dstate, bf16) = sum_l (w_l x[l,:])^T B[l,:], w_l = exp(dA_cs[last] - dA_cs[l]) dt[l]
     * ({@link SsdKernels#chunkState}; w_l x is rounded to bf16 before the product, as mamba_ssm's Triton
     * chunk-state kernel does), rounded to bf16 pairs. Launch: {@link SsdTensorKernels#groups}[0] work-groups of
     * {@link SsdTensorKernels#GROUP}; x and B are staged as longs of two pairs as in
     * {@link SsdFragKernels#chunkScanFrag} (one 8-byte local load per mma and two per A fragment, instead of
     * two and four 4-byte ones).
     */
    @LaunchBounds(maxThreads = GROUP, minBlocksPerMultiprocessor = STATE_GROUPS_PER_SM)
    public static void chunkStateBf16(KernelContext ctx, BFloat16Array x, BFloat16Array B, FloatArray dtOut,
                                      FloatArray dACumsum, BFloat16Array states, int batch, int seqlen, int heads,
                                      int headdim, int groups, int dstate, int chunk, int nchunks) {
        long[] xs = ctx.allocateLongLocalArray(2 * TILE * LSTRIDE); // two buffers each: see the slice loop
        long[] bs = ctx.allocateLongLocalArray(2 * TILE * LSTRIDE);
        float[] wl = ctx.allocateFloatLocalArray(MAX_CHUNK);
        float[] acc = new float[NT * 4];
        int lid = ctx.localIdx;
        int lane = ctx.laneId();
        int warp = lid / KernelContext.WARP_SIZE;
        int gq = lane / 4;
        int t = lane % 4;
        int tilesN = (dstate + TILE - 1) / TILE;
        int tilesP = (headdim + TILE - 1) / TILE;
        int grp = ctx.groupIdx;
        int n0 = (grp % tilesN) * TILE;
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
        // Software-pipelined: iteration it stores slice it - 1 (loaded into
        // registers by iteration it - 1) to its pair of buffers, passes one barrier, issues slice it's loads
        // and multiplies slice it - 1. Staged as longs of two pairs (SsdFragKernels.LSTRIDE): x pass e covers
        // p pair cp = lane / 8 + 4 (warp >> 1) + 8 e (rows 2 cp, 2 cp + 1) and long m = lane % 8 + 8 (warp & 1)
        // (token pairs tp and tp + 4 with tp = 8 (m / 4) + m % 4), B pass e the same n pair and long, so every
        // pass's address is a per-slice one plus a constant. Passes past pLeft (x) or nLeft (B) are skipped:
        // pLeft and nLeft are multiples of 16, so a pass holds whole n8 tiles; stale B rows are never read,
        // stale x rows only reach accumulator rows that are not stored.
        int xPasses = Math.min(4, pLeft / 16);
        int bPasses = Math.min(4, nLeft / 16);
        int[] preX = new int[16];
        int[] preB = new int[16];
        int cp = lane / 8 + 4 * (warp >> 1);
        int m = lane % 8 + 8 * (warp & 1);
        int tp = 8 * (m / 4) + m % 4;
        int at0 = 2 * cp * LSTRIDE + m;
        long xCol = xBase + 2 * cp;
        long bCol = bBase + 2 * cp;
        int slices = (len + SLICE - 1) / SLICE;
        // iteration 0 issues slice 0's loads before it computes the weights wl (whose stores wait for their
        // own loads), so that the two latencies overlap; its barrier, at its end, publishes wl
        for (int it = 0; it <= slices; it++) {
            int k0 = (it - 1) * SLICE; // the slice multiplied in this iteration (none in the first)
            int buf = ((it - 1) & 1) * (TILE * LSTRIDE);
            int kEnd = 0;
            if (it > 0) {
                kEnd = Math.min(SLICE, len - k0); // pairs past the end are zero: stop at the last 16-step holding a token
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
                for (int e = 0; e < 4; e++) {
                    int ae = buf + at0 + 16 * LSTRIDE * e;
                    if (e < xPasses) {
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
                    if (e < bPasses) {
                        int ba0 = preB[4 * e];
                        int ba1 = preB[4 * e + 1];
                        int bb0 = preB[4 * e + 2];
                        int bb1 = preB[4 * e + 3];
                        bs[ae] = SsdFragKernels.pairsOf((ba0 & 0xffff) | (ba1 << 16), (bb0 & 0xffff) | (bb1 << 16));
                        bs[ae + LSTRIDE] = SsdFragKernels.pairsOf((ba0 >>> 16) | (ba1 & 0xffff0000),
                                (bb0 >>> 16) | (bb1 & 0xffff0000));
                    }
                }
            }
            if (it > 0) { // uniform
                ctx.localBarrier();
            }
            if (it < slices) {
                // branch-free loads at clamped addresses (the compiler can issue all passes' loads together):
                // tokens past the sequence read its last token, with weight 0
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
                for (int e = 0; e < 4; e++) {
                    if (e < xPasses) {
                        preX[4 * e] = x.getPair(xa0 + 16 * e);
                        preX[4 * e + 1] = x.getPair(xa1 + 16 * e);
                        preX[4 * e + 2] = x.getPair(xb0 + 16 * e);
                        preX[4 * e + 3] = x.getPair(xb1 + 16 * e);
                    }
                    if (e < bPasses) {
                        preB[4 * e] = B.getPair(ba0 + 16 * e);
                        preB[4 * e + 1] = B.getPair(ba1 + 16 * e);
                        preB[4 * e + 2] = B.getPair(bb0 + 16 * e);
                        preB[4 * e + 3] = B.getPair(bb1 + 16 * e);
                    }
                }
            }
            for (int q = 0; 16 * q < kEnd; q++) {
                // rows 16 warp + gq and + 8, pairs t and t + 4 of the 16-step: a0 a2 and a1 a3 in one long each
                int ra = buf + (16 * warp + gq) * LSTRIDE + 4 * q + t;
                long av = xs[ra];
                long aw = xs[ra + 8 * LSTRIDE];
                int a0 = (int) av;
                int a2 = (int) (av >>> 32);
                int a1 = (int) aw;
                int a3 = (int) (aw >>> 32);
                // all eight n8 tiles, also past nLeft (stale B rows there only reach accumulator columns that
                // are not stored): without a branch per tile, ptxas can issue the tiles' local loads together
                for (int j = 0; j < NT; j++) {
                    long bv = bs[buf + (8 * j + gq) * LSTRIDE + 4 * q + t];
                    ctx.mmaBf16Frag(a0, a1, a2, a3, (int) bv, (int) (bv >>> 32), acc, 4 * j);
                }
            }
            if (it == 0) { // uniform
                float last = dACumsum.get(cs + len - 1);
                for (int l = lid; l < len; l += GROUP) {
                    wl[l] = KernelMath.exp(last - dACumsum.get(cs + l)) * dtOut.get(cs + l);
                }
                ctx.localBarrier();
            }
        }
        int pa = 16 * warp + gq;
        long outA = ((long) i * headdim + p0 + pa) * dstate + n0 + 2 * t;
        long outB = outA + 8L * dstate;
        for (int j = 0; j < NT; j++) {
            if (8 * j < nLeft) {
                if (pa < pLeft) {
                    states.setPair(outA + 8 * j, KernelMath.packBf16x2(acc[4 * j], acc[4 * j + 1]));
                }
                if (pa + 8 < pLeft) {
                    states.setPair(outB + 8 * j, KernelMath.packBf16x2(acc[4 * j + 2], acc[4 * j + 3]));
                }
            }
        }
    }

    /**
     * {@link SsdKernels#statePassing} in bf16 and in place: {@code states} holds each chunk's own state (bf16, from
     * {@link #chunkStateBf16}) and is overwritten with the state entering each chunk, rounded to bf16. Each
     * work-item reads a batch of chunks' values before it writes any of them, and owns its (b, h, p, n pair)
     * in every chunk, so reading and writing the same array is safe. Final states fp32.
     */
    public static void statePassingInPlace(BFloat16Array states, FloatArray dACumsum, FloatArray initialStates,
                                           FloatArray finalStates, int batch, int seqlen, int heads, int headdim,
                                           int dstate, int chunk, int nchunks, boolean hasInitialStates) {
        float[] own0 = new float[SsdKernels.LOAD_BATCH];
        float[] own1 = new float[SsdKernels.LOAD_BATCH];
        float[] decay = new float[SsdKernels.LOAD_BATCH];
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
                for (int c0 = 0; c0 < nchunks; c0 += SsdKernels.LOAD_BATCH) {
                    for (int k = 0; k < SsdKernels.LOAD_BATCH; k++) {
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
                    for (int k = 0; k < SsdKernels.LOAD_BATCH; k++) {
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
