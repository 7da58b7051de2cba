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
import static io.jmamba.kernels.ssd.SsdTensorKernels.STAGE_PASSES;
import static io.jmamba.kernels.ssd.SsdTensorKernels.STATE_GROUPS_PER_SM;
import static io.jmamba.kernels.ssd.SsdTensorKernels.STRIDE;
import static io.jmamba.kernels.ssd.SsdTensorKernels.TILE;

/**
 * The chunk states of the FRAG variant ({@link SsdScanBf16.Variant#FRAG}) in bf16: {@link #chunkStateBf16}
 * is {@link SsdTensorKernels#chunkState} writing each chunk's own state as bf16 pairs into the bf16
 * states array of {@link SsdScanBf16.Workspace}, and {@link #statePassingInPlace} replaces them there, chunk
 * by chunk, with the state entering the chunk (what {@link SsdTensorKernels#chunkScan} reads).
 *
 * <p>Why: the fp32 chunk states are the largest intermediate, (headdim x dstate) floats per chunk and
 * head, 201 MB at 64K tokens with the 130M shape, written once and read once; with the bf16 passed
 * states that {@link SsdTensorKernels#statePassing} writes besides them, the state traffic was 600 MB,
 * about 0.2 ms of DRAM time. In bf16 and in place it is 400 MB. The recurrence and the final state stay
 * fp32; only each chunk's own contribution is rounded once to bf16 (mamba_ssm's chunk states are fp32,
 * so this is one rounding more than its path; the fixture tolerance is unchanged).
 */
public final class SsdBf16StateKernels {
    private SsdBf16StateKernels() {
    }

    /**
     * states[b,c,h] (headdim x dstate, bf16) = the chunk's own state, as {@link SsdTensorKernels#chunkState}
     * computes it, rounded to bf16 pairs. Launch and local memory as there.
     */
    @LaunchBounds(maxThreads = GROUP, minBlocksPerMultiprocessor = STATE_GROUPS_PER_SM)
    public static void chunkStateBf16(KernelContext ctx, BFloat16Array x, BFloat16Array B, FloatArray dtOut,
                                      FloatArray dACumsum, BFloat16Array states, int batch, int seqlen, int heads, int headdim,
                                  int groups, int dstate, int chunk, int nchunks) {
        int[] xs = ctx.allocateIntLocalArray(2 * TILE * STRIDE); // two buffers each: see the slice loop
        int[] bs = ctx.allocateIntLocalArray(2 * TILE * STRIDE);
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
        float last = dACumsum.get(cs + len - 1);
        for (int l = lid; l < len; l += GROUP) {
            wl[l] = KernelMath.exp(last - dACumsum.get(cs + l)) * dtOut.get(cs + l);
        }
        long row0 = (long) b * seqlen + (long) c * chunk;
        long xBase = (row0 * heads + h) * headdim + p0;
        int xRow = heads * headdim;
        long bBase = (row0 * groups + g) * dstate + n0;
        int bRow = groups * dstate;
        int pLeft = headdim - p0;
        int nLeft = dstate - n0;
        // Software-pipelined as chunkScan's slice loop: iteration it stores slice it - 1 (loaded into registers
        // by iteration it - 1) to its pair of buffers, passes one barrier, issues slice it's loads and
        // multiplies slice it - 1. Pass e covers column pair lane / 8 + 4 e (tile rows 2 cp, 2 cp + 1) and
        // token pair lane % 8 + 8 warp, so every pass's address is one per-slice address plus a constant.
        // Passes past pLeft (x) or nLeft (B) are skipped: pLeft and nLeft are multiples of 16, so a pass
        // holds whole n8 tiles; stale B rows are never read, stale x rows only reach accumulator rows that
        // are not stored.
        int xPasses = Math.min(STAGE_PASSES, pLeft / 8);
        int bPasses = Math.min(STAGE_PASSES, nLeft / 8);
        int[] preX = new int[2 * STAGE_PASSES];
        int[] preB = new int[2 * STAGE_PASSES];
        int sp = lane % 8 + 8 * warp;
        long xCol = xBase + 2 * (lane / 8);
        long bCol = bBase + 2 * (lane / 8);
        int slices = (len + SLICE - 1) / SLICE;
        for (int it = 0; it <= slices; it++) { // the first barrier also publishes wl
            int k0 = (it - 1) * SLICE; // the slice multiplied in this iteration (none in the first)
            int buf = ((it - 1) & 1) * (TILE * STRIDE);
            int kEnd = 0;
            if (it > 0) {
                kEnd = Math.min(SLICE, len - k0); // pairs past the end are zero: stop at the last 16-step holding a token
                int l = k0 + 2 * sp;
                float w0 = 0f;
                float w1 = 0f;
                if (l < len) {
                    w0 = wl[l];
                }
                if (l + 1 < len) {
                    w1 = wl[l + 1];
                }
                int at = buf + 2 * (lane / 8) * STRIDE + sp;
                for (int e = 0; e < STAGE_PASSES; e++) {
                    int ae = at + 8 * STRIDE * e;
                    if (e < xPasses) {
                        int x0 = preX[2 * e];
                        int x1 = preX[2 * e + 1];
                        xs[ae] = KernelMath.packBf16x2(KernelMath.bf16x2Lo(x0) * w0, KernelMath.bf16x2Lo(x1) * w1);
                        xs[ae + STRIDE] = KernelMath.packBf16x2(KernelMath.bf16x2Hi(x0) * w0, KernelMath.bf16x2Hi(x1) * w1);
                    }
                    if (e < bPasses) {
                        int b0 = preB[2 * e];
                        int b1 = preB[2 * e + 1];
                        bs[ae] = (b0 & 0xffff) | (b1 << 16);
                        bs[ae + STRIDE] = (b0 >>> 16) | (b1 & 0xffff0000);
                    }
                }
            }
            ctx.localBarrier();
            if (it < slices) {
                // branch-free loads at clamped addresses (the compiler can issue all passes' loads together):
                // tokens past the sequence read its last token, with weight 0
                int l = it * SLICE + 2 * sp;
                long ra = (long) Math.min(l, len - 1);
                long rb = (long) Math.min(l + 1, len - 1);
                long xa = xCol + ra * xRow;
                long xb = xCol + rb * xRow;
                long ba = bCol + ra * bRow;
                long bb = bCol + rb * bRow;
                for (int e = 0; e < STAGE_PASSES; e++) {
                    if (e < xPasses) {
                        preX[2 * e] = x.getPair(xa + 8 * e);
                        preX[2 * e + 1] = x.getPair(xb + 8 * e);
                    }
                    if (e < bPasses) {
                        preB[2 * e] = B.getPair(ba + 8 * e);
                        preB[2 * e + 1] = B.getPair(bb + 8 * e);
                    }
                }
            }
            for (int kk = 0; 2 * kk < kEnd; kk += 8) {
                int ra = buf + (16 * warp + gq) * STRIDE + kk + t;
                int a0 = xs[ra];
                int a1 = xs[ra + 8 * STRIDE];
                int a2 = xs[ra + 4];
                int a3 = xs[ra + 8 * STRIDE + 4];
                // all eight n8 tiles, also past nLeft (stale B rows there only reach accumulator columns that
                // are not stored): without a branch per tile, ptxas can issue the tiles' local loads together
                for (int j = 0; j < NT; j++) {
                    int rb = buf + (8 * j + gq) * STRIDE + kk + t;
                    ctx.mmaBf16Frag(a0, a1, a2, a3, bs[rb], bs[rb + 4], acc, 4 * j);
                }
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
     * {@link SsdTensorKernels#statePassing} in place: {@code states} holds each chunk's own state (bf16, from
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
