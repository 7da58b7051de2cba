package io.jmamba.kernels.ssd;

import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.KernelMath;
import io.jmamba.runtime.api.LaunchBounds;
import io.jmamba.runtime.api.Parallel;

/**
 * The three matrix-product phases of the SSD scan ({@link SsdKernels}' chunkState, chunkCb and
 * chunkScan, the same fp32 intermediates, except that the passed states are bf16) and the state
 * passing with bf16 inputs on tensor cores: every product is a
 * sequence of warp-wide {@link KernelContext#mmaBf16Frag} (m16n8k16, fp32 accumulation) on operands
 * packed as bf16 pairs.
 *
 * <p>Tiling: one work-group of {@link #GROUP} items (4 warps) per 64 x 64 output tile; warp w owns the
 * tile rows 16w..16w+15 and all 64 columns (eight n8 accumulators, 32 floats per item). Operands whose
 * contraction index is contiguous in memory (C and B in C B^T, C in C state^T) are loaded as bf16 pairs
 * straight into the A/B fragments; operands strided along the contraction (x and B in B^T (w x), x in
 * (L o CB) x, the fp32 state) are staged in local memory, {@link #SLICE} contraction steps at a time,
 * transposed into rows of packed pairs along the contraction, {@link #STRIDE} ints apart: 36 = 4 mod 32,
 * so the fragment reads (lane g*4+t reads row g, pair t) and the staging writes (lane l writes pair
 * l % 8 of row 2 (l / 8), 72 (l / 8) + l % 8 = 8 (l / 8) + l % 8 mod 32) both hit 32 distinct banks. The decayed, masked weights (L o CB) of the intra-chunk product are
 * computed per lane directly in the A-fragment layout from the fp32 C B^T, dA cumsum and dt.
 *
 * <p>Warp operations are work-group barriers on OpenCL and the JVM, so every loop containing an mma
 * has bounds uniform over the work-group (the causal end of the intra-chunk product is the tile's, not
 * the warp's: a warp past its rows' end still issues its mma on zero weights, though it skips the
 * weights' loads and exponentials; on CUDA a warp-level end would skip about 15% more mma).
 *
 * <p>Limits (checked by {@link SsdScanBf16}): chunk a multiple of {@link #TILE}, headdim and dstate
 * multiples of 16. Launch of the three products: 1-D, local size {@link #GROUP}, {@link #groups}
 * work-groups each; {@link #statePassing} is a {@code @Parallel} loop nest.
 * Local memory per group: chunkState 4 x 9 KiB + 2 KiB, chunkScan 2 x 9 KiB + 4 KiB, chunkCb none.
 * Registers (sm_90 ptxas 13.0): chunkScan 96 with 24 bytes of spills (launch bounds: 5 groups per
 * multiprocessor; about 126 and no spills at 4), chunkState 94 (5 groups, no spills), chunkCb
 * 80 (6 groups), statePassing 64. chunkScan's and chunkState's staging is software-pipelined over two
 * buffers: the next slice's global loads go to registers (16 or 32 per item) before the current slice's
 * products and to local memory after them, with one barrier per slice; chunkScan also loads the
 * A operands (C, cb) of each 16-step one step ahead of its products. The
 * unrolled passes address memory as one per-slice address plus a constant or a per-kernel step each:
 * written as index arithmetic per pass, nvcc hoisted all their 64-bit addresses out of the slice loop
 * (231 registers, 2 groups per multiprocessor).
 */
public final class SsdTensorKernels {
    private SsdTensorKernels() {
    }

    /** Work-items per group: four warps. */
    public static final int GROUP = 128;
    /** Rows and columns of one output tile. */
    public static final int TILE = 64;
    /** Contraction steps staged per pass. */
    static final int SLICE = 64;
    /** Packed pairs per staged row. */
    static final int PAIRS = SLICE / 2;
    /** Ints between staged rows (PAIRS + 4: bank-conflict free, see the class comment). */
    static final int STRIDE = PAIRS + 4;
    /** n8 accumulator tiles per warp (TILE columns). */
    static final int NT = TILE / 8;
    /** Staging passes per slice: TILE rows x PAIRS pairs over GROUP items. */
    static final int STAGE_PASSES = TILE * PAIRS / GROUP / 2;
    static final int MAX_CHUNK = SsdConfig.MAX_CHUNK;
    static final float LOG2E = 1.4426950408889634f;
    /** chunkScan's launch bounds: 5 groups of 4 warps per multiprocessor (96 registers with sm_90 ptxas, no spills). */
    static final int SCAN_GROUPS_PER_SM = 5;
    /**
     * chunkState's launch bounds: 5 groups per multiprocessor (sm_90 ptxas: 96 registers, no spills; 113
     * unbounded, 4 groups), as many as its 38 KiB of local memory per group allow.
     */
    static final int STATE_GROUPS_PER_SM = 5;

    /** Work-groups of chunkState, chunkCb and chunkScan for {@code cfg}. */
    public static long[] groups(SsdConfig cfg) {
        long tilesP = (cfg.headdim() + TILE - 1) / TILE;
        long tilesN = (cfg.dstate() + TILE - 1) / TILE;
        long tilesQ = cfg.chunkSize() / TILE;
        long bch = (long) cfg.batch() * cfg.nchunks() * cfg.heads();
        long bcg = (long) cfg.batch() * cfg.nchunks() * cfg.groups();
        return new long[]{bch * tilesP * tilesN, bcg * tilesQ * tilesQ, bch * tilesP * tilesQ};
    }

    /**
     * cb[b,c,g] (chunk x chunk, fp32) = C_chunk B_chunk^T for the tiles on and below the diagonal (the
     * tiles above it are not written; inside a diagonal tile the upper triangle is written unmasked:
     * {@link #chunkScan} masks s <= l itself). Rows and columns past the sequence end are zero.
     */
    @LaunchBounds(maxThreads = GROUP, minBlocksPerMultiprocessor = 6) // 80 registers, no spills (96 unbounded)
    public static void chunkCb(KernelContext ctx, BFloat16Array C, BFloat16Array B, FloatArray cb, int batch, int seqlen,
                               int groups, int dstate, int chunk, int nchunks) {
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
            long aRow = base + (long) la * rowStep;
            long bRow = base + (long) lb * rowStep;
            for (int k = 0; k < dstate; k += 16) {
                int a0 = 0;
                int a1 = 0;
                int a2 = 0;
                int a3 = 0;
                if (inA) {
                    a0 = C.getPair(aRow + k);
                    a2 = C.getPair(aRow + k + 8);
                }
                if (inB) {
                    a1 = C.getPair(bRow + k);
                    a3 = C.getPair(bRow + k + 8);
                }
                for (int j = 0; j < NT; j++) {
                    int s = s0 + 8 * j + gq;
                    int b0 = 0;
                    int b1 = 0;
                    if (s < len) {
                        long sRow = base + (long) s * rowStep + k;
                        b0 = B.getPair(sRow);
                        b1 = B.getPair(sRow + 8);
                    }
                    ctx.mmaBf16Frag(a0, a1, a2, a3, b0, b1, acc, 4 * j);
                }
            }
            long out = ((long) i * chunk + la) * chunk + s0 + 2 * t;
            for (int j = 0; j < NT; j++) {
                cb.set(out + 8 * j, acc[4 * j]);
                cb.set(out + 8 * j + 1, acc[4 * j + 1]);
                cb.set(out + 8L * chunk + 8 * j, acc[4 * j + 2]);
                cb.set(out + 8L * chunk + 8 * j + 1, acc[4 * j + 3]);
            }
        }
    }

    /**
     * states[b,c,h] (headdim x dstate, fp32) = sum_l (w_l x[l,:])^T B[l,:], w_l = exp(dA_cs[last] - dA_cs[l]) dt[l];
     * w_l x is rounded to bf16 before the product, as mamba_ssm's Triton chunk-state kernel does.
     * M = headdim (tile rows p), N = dstate (tile columns n), contraction over the chunk's tokens.
     */
    @LaunchBounds(maxThreads = GROUP, minBlocksPerMultiprocessor = STATE_GROUPS_PER_SM)
    public static void chunkState(KernelContext ctx, BFloat16Array x, BFloat16Array B, FloatArray dtOut,
                                  FloatArray dACumsum, FloatArray states, int batch, int seqlen, int heads, int headdim,
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
                    states.set(outA + 8 * j, acc[4 * j]);
                    states.set(outA + 8 * j + 1, acc[4 * j + 1]);
                }
                if (pa + 8 < pLeft) {
                    states.set(outB + 8 * j, acc[4 * j + 2]);
                    states.set(outB + 8 * j + 1, acc[4 * j + 3]);
                }
            }
        }
    }

    /**
     * out[b,c,h] (chunk x headdim, bf16) = diag(exp(dA_cs)) C state_in^T + (cb o decay o dt)_lower x_chunk,
     * plus D x, times silu(z). {@code statesIn} is the state entering each chunk in bf16, from
     * {@link #statePassing} (mamba_ssm also hands the passed states to its chunk scan in C's dtype); the
     * intra-chunk weights are rounded to bf16 after the decay, as its Triton kernel does.
     *
     * @param dMode 0: no D, 1: D per head, 2: D per (head, channel)
     */
    @LaunchBounds(maxThreads = GROUP, minBlocksPerMultiprocessor = SCAN_GROUPS_PER_SM)
    public static void chunkScan(KernelContext ctx, BFloat16Array x, BFloat16Array z, FloatArray D, BFloat16Array C,
                                 FloatArray cb, FloatArray dtOut, FloatArray dACumsum, BFloat16Array statesIn,
                                 BFloat16Array out, int batch, int seqlen, int heads, int headdim, int groups,
                                 int dstate, int chunk, int nchunks, int dMode, boolean hasZ) {
        int[] stage = ctx.allocateIntLocalArray(2 * TILE * STRIDE); // two buffers: see the slice loop
        float[] dA2 = ctx.allocateFloatLocalArray(MAX_CHUNK);
        float[] dtl = ctx.allocateFloatLocalArray(MAX_CHUNK);
        float[] acc = new float[NT * 4];
        int[] pre = new int[2 * STAGE_PASSES]; // the next slice's staging loads, in registers
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
            for (int s = lid; s < sEnd; s += GROUP) {
                dA2[s] = dACumsum.get(cs + s) * LOG2E;
                dtl[s] = dtOut.get(cs + s);
            }
            long row0 = (long) b * seqlen + (long) c * chunk;
            int la = l0 + 16 * warp + gq;
            int lb = la + 8;
            boolean inA = la < len;
            boolean inB = lb < len;
            float dAa = 0f;
            float dAb = 0f;
            float ea = 0f;
            float eb = 0f;
            if (inA) {
                dAa = dACumsum.get(cs + la) * LOG2E;
                ea = KernelMath.exp2Approx(dAa);
            }
            if (inB) {
                dAb = dACumsum.get(cs + lb) * LOG2E;
                eb = KernelMath.exp2Approx(dAb);
            }
            // One pass over the contraction slices of both products, so that the kernel has a single mma
            // call site (on OpenCL each site is six work-group exchanges, and PoCL's build time grows with
            // them): first the inter-chunk term exp(dA_l) C[l, :] . state_in[p, :] over dstate (A: C's
            // bf16 pairs scaled by exp(dA_l) before rounding; B: the bf16 state staged as pairs along n),
            // then the intra-chunk term sum over s <= l of cb[l, s] exp(dA_l - dA_s) dt_s x[s, p] over the
            // tokens up to the tile's end (A: the weights, B: x staged transposed, pairs along s).
            // branch-free fragments (nvcc otherwise duplicates the loop per combination of row conditions,
            // 231 registers): rows past the sequence load the last row's C / any in-chunk cb and are
            // zeroed by a select; the causal mask is a select too
            int cRow = groups * dstate;
            long cA = (row0 * groups + g) * dstate + (long) Math.min(la, len - 1) * cRow + 2 * t;
            long cB = (row0 * groups + g) * dstate + (long) Math.min(lb, len - 1) * cRow + 2 * t;
            int lastA = inA ? la : -1; // the last token row la keeps (none past the sequence)
            int lastB = inB ? lb : -1;
            long sBase = ((long) i * headdim + p0) * dstate;
            long cbA = (((long) b * nchunks + c) * groups + g) * chunk * chunk + (long) la * chunk;
            long cbB = cbA + 8L * chunk;
            long xBase = (row0 * heads + h) * headdim + p0;
            int xRow = heads * headdim;
            int interSlices = (dstate + SLICE - 1) / SLICE;
            int slices = interSlices + (sEnd + SLICE - 1) / SLICE;
            // staging passes that touch rows below headdim (rows past it reach only accumulator columns that
            // are not stored: pLeft is a multiple of 16, whole n8 tiles); the pass loops below are unrolled
            // with these as guards
            int statePasses = Math.min(2 * STAGE_PASSES, (pLeft + GROUP / PAIRS - 1) / (GROUP / PAIRS));
            int xPasses = Math.min(STAGE_PASSES, pLeft / 8);
            int rowStep4 = 4 * dstate; // between the state rows of consecutive passes
            // Software-pipelined over two staging buffers: iteration it stores the registers prefetched in
            // iteration it - 1 (slice it - 1) to its buffer, passes one barrier, issues the global loads of
            // slice it into registers, and multiplies slice it - 1 while those loads are in flight. One
            // barrier per slice: a buffer is rewritten two iterations after it was read, and the barrier of
            // the iteration between orders the two. The first barrier also publishes dA2 and dtl.
            for (int it = 0; it <= slices; it++) {
                int sl = it - 1; // the slice multiplied in this iteration (none in the first)
                boolean inter = sl < interSlices; // uniform over the group
                int buf = (sl & 1) * (TILE * STRIDE);
                int k0 = sl * SLICE;
                int kEnd = Math.min(SLICE, dstate - k0);
                if (sl < 0) {
                    kEnd = 0;
                } else if (inter) {
                    // pass e: row warp + 4 e, pair lane (the offsets are constants once nvcc unrolls)
                    int at = buf + warp * STRIDE + lane;
                    for (int e = 0; e < 2 * STAGE_PASSES; e++) {
                        if (e < statePasses) {
                            stage[at + 4 * STRIDE * e] = pre[e];
                        }
                    }
                } else {
                    k0 = (sl - interSlices) * SLICE;
                    kEnd = Math.min(SLICE, sEnd - k0);
                    // pass e: column pair lane / 8 + 4 e (tile rows 2 cp, 2 cp + 1), token pair lane % 8 + 8 warp
                    int at = buf + 2 * (lane / 8) * STRIDE + lane % 8 + 8 * warp;
                    for (int e = 0; e < STAGE_PASSES; e++) {
                        if (e < xPasses) {
                            int x0 = pre[2 * e];
                            int x1 = pre[2 * e + 1];
                            stage[at + 8 * STRIDE * e] = (x0 & 0xffff) | (x1 << 16);
                            stage[at + 8 * STRIDE * e + STRIDE] = (x0 >>> 16) | (x1 & 0xffff0000);
                        }
                    }
                }
                ctx.localBarrier();
                // the loads of slice it, in flight during the products of slice it - 1; branch-free (see
                // chunkState's staging), and laid out so that every pass's address is one of two per-slice
                // addresses plus a multiple of a per-kernel step: unrolled, the passes cost no hoisted
                // 64-bit addresses (which once took nvcc to 231 registers)
                if (it < interSlices) {
                    // pairs past dstate load its last pair, and the kk loop never reads them; rows
                    // warp + 4 e below pLeft (whole passes of 4 rows, pLeft a multiple of 16)
                    long row = sBase + (long) warp * dstate + Math.min(it * SLICE + 2 * lane, dstate - 2);
                    for (int e = 0; e < 2 * STAGE_PASSES; e++) {
                        if (e < statePasses) {
                            pre[e] = statesIn.getPair(row);
                        }
                        row += rowStep4;
                    }
                } else if (it < slices) {
                    // tokens past the sequence load its last token (finite, and their weights are 0);
                    // 2 cp < pLeft holds in these passes
                    int s = (it - interSlices) * SLICE + 2 * (lane % 8 + 8 * warp);
                    long xa = xBase + 2 * (lane / 8) + (long) Math.min(s, len - 1) * xRow;
                    long xb = xBase + 2 * (lane / 8) + (long) Math.min(s + 1, len - 1) * xRow;
                    for (int e = 0; e < STAGE_PASSES; e++) {
                        if (e < xPasses) {
                            pre[2 * e] = x.getPair(xa + 8 * e);
                            pre[2 * e + 1] = x.getPair(xb + 8 * e);
                        }
                    }
                }
                // The A operands' global loads run one 16-step ahead of their products: iteration kk turns
                // the raw values of step kk (r0..r7: C's bf16 pairs, or cb's fp32 bits) into the fragment,
                // issues the loads of step kk + 8 (the last step reloads itself: in bounds, branch-free) and
                // multiplies, so the loads' latency overlaps the eight mma. The first iteration (kk = -8)
                // only loads step 0.
                int kkLast = 8 * ((kEnd - 1) / 16);
                int r0 = 0;
                int r1 = 0;
                int r2 = 0;
                int r3 = 0;
                int r4 = 0;
                int r5 = 0;
                int r6 = 0;
                int r7 = 0;
                for (int kk = kEnd > 0 ? -8 : 0; 2 * kk < kEnd; kk += 8) {
                    int a0 = 0;
                    int a1 = 0;
                    int a2 = 0;
                    int a3 = 0;
                    if (kk >= 0) {
                        if (inter) { // ea, eb are 0 past the sequence
                            a0 = scaledPair(r0, ea);
                            a2 = scaledPair(r1, ea);
                            a1 = scaledPair(r2, eb);
                            a3 = scaledPair(r3, eb);
                        } else {
                            int s = k0 + 2 * kk + 2 * t; // this lane's columns: s, s + 1 (a0, a1) and s + 8, s + 9 (a2, a3)
                            float dAs0 = dA2[s];
                            float dAs1 = dA2[s + 1];
                            float dAs8 = dA2[s + 8];
                            float dAs9 = dA2[s + 9];
                            float dt0 = dtl[s];
                            float dt1 = dtl[s + 1];
                            float dt8 = dtl[s + 8];
                            float dt9 = dtl[s + 9];
                            a0 = KernelMath.packBf16x2(weight(r0, dAa, dAs0, dt0, s <= lastA),
                                    weight(r1, dAa, dAs1, dt1, s + 1 <= lastA));
                            a2 = KernelMath.packBf16x2(weight(r2, dAa, dAs8, dt8, s + 8 <= lastA),
                                    weight(r3, dAa, dAs9, dt9, s + 9 <= lastA));
                            a1 = KernelMath.packBf16x2(weight(r4, dAb, dAs0, dt0, s <= lastB),
                                    weight(r5, dAb, dAs1, dt1, s + 1 <= lastB));
                            a3 = KernelMath.packBf16x2(weight(r6, dAb, dAs8, dt8, s + 8 <= lastB),
                                    weight(r7, dAb, dAs9, dt9, s + 9 <= lastB));
                        }
                    }
                    int kn = Math.min(kk + 8, kkLast);
                    if (inter) {
                        int k = k0 + 2 * kn;
                        r0 = C.getPair(cA + k);
                        r1 = C.getPair(cA + k + 8);
                        r2 = C.getPair(cB + k);
                        r3 = C.getPair(cB + k + 8);
                    } else {
                        // in bounds: l and s stay inside the chunk's cb tile
                        int s = k0 + 2 * kn + 2 * t;
                        r0 = Float.floatToRawIntBits(cb.get(cbA + s));
                        r1 = Float.floatToRawIntBits(cb.get(cbA + s + 1));
                        r2 = Float.floatToRawIntBits(cb.get(cbA + s + 8));
                        r3 = Float.floatToRawIntBits(cb.get(cbA + s + 9));
                        r4 = Float.floatToRawIntBits(cb.get(cbB + s));
                        r5 = Float.floatToRawIntBits(cb.get(cbB + s + 1));
                        r6 = Float.floatToRawIntBits(cb.get(cbB + s + 8));
                        r7 = Float.floatToRawIntBits(cb.get(cbB + s + 9));
                    }
                    if (kk >= 0) { // uniform over the group
                        // all eight n8 tiles, also past pLeft (stale rows there only reach accumulator columns
                        // that are not stored): no branch per tile, so ptxas can batch the tiles' local loads
                        for (int j = 0; j < NT; j++) {
                            int rb = buf + (8 * j + gq) * STRIDE + kk + t;
                            ctx.mmaBf16Frag(a0, a1, a2, a3, stage[rb], stage[rb + 4], acc, 4 * j);
                        }
                    }
                }
            }

            // epilogue: + D x, * silu(z), rounded to bf16 pairs (columns 2t, 2t + 1 of each n8 tile)
            long outA = ((row0 + la) * heads + h) * headdim + p0 + 2 * t;
            long outB = outA + 8L * xRow;
            for (int j = 0; j < NT; j++) {
                int p = p0 + 8 * j + 2 * t;
                if (8 * j < pLeft) {
                    float d0 = 0f;
                    float d1 = 0f;
                    if (dMode == 1) {
                        d0 = D.get(h);
                        d1 = d0;
                    } else if (dMode == 2) {
                        d0 = D.get((long) h * headdim + p);
                        d1 = D.get((long) h * headdim + p + 1);
                    }
                    if (inA) {
                        out.setPair(outA + 8 * j, epilogue(x, z, outA + 8 * j, acc[4 * j], acc[4 * j + 1], d0, d1, hasZ));
                    }
                    if (inB) {
                        out.setPair(outB + 8 * j, epilogue(x, z, outB + 8 * j, acc[4 * j + 2], acc[4 * j + 3], d0, d1, hasZ));
                    }
                }
            }
        }
    }

    /**
     * {@link SsdKernels#statePassing} for the bf16 path: the same fp32 recurrence over chunks (and the
     * fp32 final state), but the state entering chunk c goes to {@code statesIn[b,c,h]} rounded to bf16
     * pairs instead of over the fp32 chunk states: half the bytes written here and read by
     * {@link #chunkScan}, which rounds it for its tensor-core product anyway. One work-item per
     * (b, h, p, pair of n), sequential over chunks with {@link SsdKernels#LOAD_BATCH} chunks' loads issued
     * together; dstate must be even.
     */
    public static void statePassing(FloatArray states, FloatArray dACumsum, FloatArray initialStates,
                                    FloatArray finalStates, BFloat16Array statesIn, int batch, int seqlen, int heads,
                                    int headdim, int dstate, int chunk, int nchunks, boolean hasInitialStates) {
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
                            o0 = states.get(at);
                            o1 = states.get(at + 1);
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
                            statesIn.setPair((((long) b * nchunks + c) * heads + h) * pn + j, KernelMath.packBf16x2(s0, s1));
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

    /** The bf16 pair {@code pair} times {@code scale}, rounded back to a bf16 pair. */
    static int scaledPair(int pair, float scale) {
        return KernelMath.packBf16x2(KernelMath.bf16x2Lo(pair) * scale, KernelMath.bf16x2Hi(pair) * scale);
    }

    /**
     * cb[l, s] exp(dA_l - dA_s) dt_s (dA in log2 units; cb[l, s] given as its fp32 bits), or 0 where
     * {@code keep} is false (above the diagonal, past the sequence): a select, so that the caller's loop
     * has no branches for nvcc to duplicate.
     */
    static float weight(int cbBits, float dAl, float dAs, float dts, boolean keep) {
        float w = Float.intBitsToFloat(cbBits) * KernelMath.exp2Approx(dAl - dAs) * dts;
        return keep ? w : 0f;
    }

    /** The output pair at even index {@code at}: y + D x, times silu(z) when gated, packed as bf16. */
    static int epilogue(BFloat16Array x, BFloat16Array z, long at, float y0, float y1, float d0, float d1, boolean hasZ) {
        int xv = x.getPair(at);
        float o0 = KernelMath.fma(d0, KernelMath.bf16x2Lo(xv), y0);
        float o1 = KernelMath.fma(d1, KernelMath.bf16x2Hi(xv), y1);
        if (hasZ) {
            int zv = z.getPair(at);
            float z0 = KernelMath.bf16x2Lo(zv);
            float z1 = KernelMath.bf16x2Hi(zv);
            o0 = o0 * z0 / (1f + KernelMath.exp(-z0));
            o1 = o1 * z1 / (1f + KernelMath.exp(-z1));
        }
        return KernelMath.packBf16x2(o0, o1);
    }
}
