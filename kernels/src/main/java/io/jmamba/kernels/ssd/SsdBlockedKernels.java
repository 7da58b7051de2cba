package io.jmamba.kernels.ssd;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.KernelMath;

/**
 * The three matrix-product phases of the SSD scan (chunk states, C*B^T, chunk output) as register-
 * blocked tiles: the same {@link #TILE} x {@link #TILE} output tiles and launch order as
 * {@link SsdTiledKernels}, but a work-group of only {@link #GROUP} items, each owning 8 x 8 outputs
 * (two runs of four rows 32 apart times two runs of four columns 32 apart).
 *
 * <p>Why: the 4 x 4 blocks of {@link SsdTiledKernels} read 8 local floats per 16 multiply-adds, and a
 * streaming multiprocessor serves one 32-wide local load per clock against four 32-wide FMAs, so those
 * kernels wait on local memory at about half the FMA rate. Here each step reads 16 floats per 64
 * {@link KernelMath#fma}s, which matches that 1:4 ratio. The 16 are four 16-byte-aligned runs of
 * four (a warp touches at most 128 consecutive bytes per load, so no bank conflicts); were the JIT's
 * local indexing provably contiguous, the device compiler could make them 128-bit loads (it does
 * not today: the wrapping int arithmetic hides the contiguity). Local rows are {@link #LS} = TILE + 4
 * floats apart: a multiple of four keeps the runs aligned, the +4 spreads the transposed staging
 * stores over the banks (two-way at most).
 *
 * <p>The 8 x 8 step is written out in each kernel rather than called: as a device function taking
 * the local tiles and the private accumulator it produced NaNs on PoCL 3.1 (CUDA inlines it either
 * way).
 *
 * <p>The per-chunk scalars each kernel needs many times (dt, dA_cumsum, the state weights) are read
 * once into local memory at the start. Tiles of C*B^T wholly above the diagonal and chunk-output
 * contributions from tokens after the tile's last row are skipped (causality).
 *
 * <p>Launch: 1-D, local size {@link #GROUP}, one work-group per output tile ({@link #groups}).
 */
public final class SsdBlockedKernels {
    private SsdBlockedKernels() {
    }

    /** Output tile edge. */
    public static final int TILE = 64;
    /** Depth of one staged operand slice. */
    public static final int K_STEP = 16;
    /** Work-items per group: 8 x 8, each owning 8 x 8 outputs. */
    public static final int GROUP = 64;
    static final int SIDE = 8;
    static final int PER = 8;
    /** Each work-item's rows (and columns) are two runs of QUAD, HALF apart. */
    static final int QUAD = 4;
    static final int HALF = TILE / 2;
    static final int LS = TILE + 4;
    /**
     * Staging elements per work-item and operand in one K step. GROUP == TILE, so where a tile row's
     * elements are contiguous (x, B in chunkState; x in chunkScan) item lid stages column lid of
     * STAGE = K_STEP consecutive rows.
     */
    static final int STAGE = K_STEP * TILE / GROUP;
    /** Rows one pass of a work-group stages when the slice's K_STEP elements of a row are contiguous. */
    static final int ROWS = GROUP / K_STEP;
    /** Room for one chunk's per-token scalars. */
    static final int MAX_CHUNK = SsdConfig.MAX_CHUNK;

    /** Tiles needed to cover {@code n}. */
    public static int tiles(int n) {
        return (n + TILE - 1) / TILE;
    }

    /** Work-groups of each launch: state, cb, scan. */
    public static long[] groups(SsdConfig cfg) {
        long bch = (long) cfg.batch() * cfg.nchunks() * cfg.heads();
        long bcg = (long) cfg.batch() * cfg.nchunks() * cfg.groups();
        long q = tiles(cfg.chunkSize());
        return new long[] {bch * tiles(cfg.headdim()) * tiles(cfg.dstate()), bcg * q * q, bch * q * tiles(cfg.headdim())};
    }

    /** Tile row (or column) of a work-item's k-th output row (column): two runs of four, HALF apart. */
    static int slot(int t, int k) {
        return t * QUAD + (k & (QUAD - 1)) + (k / QUAD) * HALF;
    }

    /** states[b,c,h] (headdim x dstate) = sum_l (w_l x[l,:])^T B[l,:], w_l = exp(dA_cs[last] - dA_cs[l]) dt[l]. */
    public static void chunkState(KernelContext ctx, FloatArray x, FloatArray B, FloatArray dtOut, FloatArray dACumsum,
                                  FloatArray states, int batch, int seqlen, int heads, int headdim, int groups,
                                  int dstate, int chunk, int nchunks) {
        float[] as = ctx.allocateFloatLocalArray(K_STEP * LS);
        float[] bs = ctx.allocateFloatLocalArray(K_STEP * LS);
        float[] wl = ctx.allocateFloatLocalArray(MAX_CHUNK);
        float[] acc = new float[PER * PER];
        float[] aReg = new float[PER];
        float[] bReg = new float[PER];
        int lid = ctx.localIdx;
        int tx = lid % SIDE;
        int ty = lid / SIDE;
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
        long row0 = (long) b * seqlen + (long) c * chunk;
        for (int l = lid; l < len; l += GROUP) {
            wl[l] = KernelMath.exp(last - dACumsum.get(cs + l)) * dtOut.get(cs + l);
        }
        ctx.localBarrier();
        // item lid stages column p0 + lid of x and n0 + lid of B (GROUP == TILE), one token per pass
        long xAt = (row0 * heads + h) * headdim + p0 + lid;
        long xRow = (long) heads * headdim;
        long bAt = (row0 * groups + g) * dstate + n0 + lid;
        long bRow = (long) groups * dstate;
        boolean inP = p0 + lid < headdim;
        boolean inN = n0 + lid < dstate;
        for (int k0 = 0; k0 < len; k0 += K_STEP) {
            for (int e = 0; e < STAGE; e++) {
                int l = k0 + e;
                float xv = 0f;
                float bv = 0f;
                if (l < len && inP) {
                    xv = x.get(xAt + l * xRow) * wl[l];
                }
                if (l < len && inN) {
                    bv = B.get(bAt + l * bRow);
                }
                as[e * LS + lid] = xv;
                bs[e * LS + lid] = bv;
            }
            ctx.localBarrier();
            int kEnd = Math.min(K_STEP, len - k0); // staged rows past the end are zero: skip them
            for (int kk = 0; kk < kEnd; kk++) { // acc += as^T bs over the slice (see the class comment)
                int ra = kk * LS + ty * QUAD;
                int rb = kk * LS + tx * QUAD;
                for (int e = 0; e < QUAD; e++) {
                    aReg[e] = as[ra + e];
                    aReg[QUAD + e] = as[ra + HALF + e];
                    bReg[e] = bs[rb + e];
                    bReg[QUAD + e] = bs[rb + HALF + e];
                }
                for (int r = 0; r < PER; r++) {
                    for (int q = 0; q < PER; q++) {
                        acc[r * PER + q] = KernelMath.fma(aReg[r], bReg[q], acc[r * PER + q]);
                    }
                }
            }
            ctx.localBarrier();
        }
        for (int r = 0; r < PER; r++) {
            int p = p0 + slot(ty, r);
            for (int q = 0; q < PER; q++) {
                int n = n0 + slot(tx, q);
                if (p < headdim && n < dstate) {
                    states.set(((long) i * headdim + p) * dstate + n, acc[r * PER + q]);
                }
            }
        }
    }

    /** cb[b,c,g] (chunk x chunk) = C_chunk B_chunk^T, lower triangle; tiles wholly above the diagonal are zero. */
    public static void chunkCb(KernelContext ctx, FloatArray C, FloatArray B, FloatArray cb, int batch, int seqlen, int groups,
                               int dstate, int chunk, int nchunks) {
        float[] as = ctx.allocateFloatLocalArray(K_STEP * LS);
        float[] bs = ctx.allocateFloatLocalArray(K_STEP * LS);
        float[] acc = new float[PER * PER];
        float[] aReg = new float[PER];
        float[] bReg = new float[PER];
        int lid = ctx.localIdx;
        int tx = lid % SIDE;
        int ty = lid / SIDE;
        int tilesQ = (chunk + TILE - 1) / TILE;
        int grp = ctx.groupIdx;
        int s0 = (grp % tilesQ) * TILE;
        int l0 = ((grp / tilesQ) % tilesQ) * TILE;
        int i = grp / (tilesQ * tilesQ);
        int g = i % groups;
        int c = (i / groups) % nchunks;
        int b = i / (groups * nchunks);
        int len = Math.min(chunk, seqlen - c * chunk);
        long row0 = (long) b * seqlen + (long) c * chunk;
        if (s0 <= l0 + TILE - 1 && l0 < len) { // uniform over the group, so the barriers inside are reached by all
            int kq = lid % K_STEP;  // consecutive items: consecutive n of one row
            int mq = lid / K_STEP;  // first of the item's rows mq + ROWS * e
            long cAt = ((row0 + l0 + mq) * groups + g) * dstate + kq;
            long bAt = ((row0 + s0 + mq) * groups + g) * dstate + kq;
            long step = (long) ROWS * groups * dstate;
            for (int k0 = 0; k0 < dstate; k0 += K_STEP) {
                boolean inK = k0 + kq < dstate;
                for (int e = 0; e < STAGE; e++) {
                    int m = mq + ROWS * e;
                    float cv = 0f;
                    float bv = 0f;
                    if (inK && l0 + m < len) {
                        cv = C.get(cAt + k0 + e * step);
                    }
                    if (inK && s0 + m < len) {
                        bv = B.get(bAt + k0 + e * step);
                    }
                    as[kq * LS + m] = cv;
                    bs[kq * LS + m] = bv;
                }
                ctx.localBarrier();
                int kEnd = Math.min(K_STEP, dstate - k0); // staged rows past the end are zero: skip them
                for (int kk = 0; kk < kEnd; kk++) { // acc += as^T bs over the slice (see the class comment)
                    int ra = kk * LS + ty * QUAD;
                    int rb = kk * LS + tx * QUAD;
                    for (int e = 0; e < QUAD; e++) {
                        aReg[e] = as[ra + e];
                        aReg[QUAD + e] = as[ra + HALF + e];
                        bReg[e] = bs[rb + e];
                        bReg[QUAD + e] = bs[rb + HALF + e];
                    }
                    for (int r = 0; r < PER; r++) {
                        for (int q = 0; q < PER; q++) {
                            acc[r * PER + q] = KernelMath.fma(aReg[r], bReg[q], acc[r * PER + q]);
                        }
                    }
                }
                ctx.localBarrier();
            }
        }
        for (int r = 0; r < PER; r++) {
            int l = l0 + slot(ty, r);
            for (int q = 0; q < PER; q++) {
                int s = s0 + slot(tx, q);
                if (l < chunk && s < chunk) {
                    float v = 0f;
                    if (s <= l && l < len) {
                        v = acc[r * PER + q];
                    }
                    cb.set(((long) i * chunk + l) * chunk + s, v);
                }
            }
        }
    }

    /**
     * out[b,c,h] (chunk x headdim) = diag(exp(dA_cs)) C state_in^T + (cb . decay . dt)_lower x_chunk,
     * plus D x, times silu(z).
     *
     * @param dMode 0: no D, 1: D per head, 2: D per (head, channel)
     */
    public static void chunkScan(KernelContext ctx, FloatArray x, FloatArray z, FloatArray D, FloatArray C, FloatArray cb,
                                 FloatArray dtOut, FloatArray dACumsum, FloatArray states, FloatArray out,
                                 int batch, int seqlen, int heads, int headdim, int groups,
                                 int dstate, int chunk, int nchunks,
                                 int dMode, boolean hasZ) {
        float[] as = ctx.allocateFloatLocalArray(K_STEP * LS);
        float[] bs = ctx.allocateFloatLocalArray(K_STEP * LS);
        float[] dAl = ctx.allocateFloatLocalArray(MAX_CHUNK);
        float[] dtl = ctx.allocateFloatLocalArray(MAX_CHUNK);
        float[] dAr = new float[STAGE];
        float[] acc = new float[PER * PER];
        float[] aReg = new float[PER];
        float[] bReg = new float[PER];
        int lid = ctx.localIdx;
        int tx = lid % SIDE;
        int ty = lid / SIDE;
        int tilesP = (headdim + TILE - 1) / TILE;
        int tilesQ = (chunk + TILE - 1) / TILE;
        int grp = ctx.groupIdx;
        int p0 = (grp % tilesP) * TILE;
        int l0 = ((grp / tilesP) % tilesQ) * TILE;
        int i = grp / (tilesP * tilesQ);
        int h = i % heads;
        int c = (i / heads) % nchunks;
        int b = i / (heads * nchunks);
        int g = h / (heads / groups);
        int len = Math.min(chunk, seqlen - c * chunk);
        long cs = (((long) b * heads + h) * nchunks + c) * chunk;
        long row0 = (long) b * seqlen + (long) c * chunk;
        long cbBase = (((long) b * nchunks + c) * groups + g) * chunk;
        if (l0 < len) { // uniform over the group
            int sEnd = Math.min(l0 + TILE, len);
            for (int s = lid; s < sEnd; s += GROUP) {
                dAl[s] = dACumsum.get(cs + s);
                dtl[s] = dtOut.get(cs + s);
            }
            // inter-chunk term: C[l, :] . state_in[p, :]
            int kq = lid % K_STEP;  // consecutive items: consecutive n of one row
            int mq = lid / K_STEP;  // first of the item's rows mq + ROWS * e
            long cAt = ((row0 + l0 + mq) * groups + g) * dstate + kq;
            long cStep = (long) ROWS * groups * dstate;
            long sAt = ((long) i * headdim + p0 + mq) * dstate + kq;
            long sStep = (long) ROWS * dstate;
            for (int k0 = 0; k0 < dstate; k0 += K_STEP) {
                boolean inK = k0 + kq < dstate;
                for (int e = 0; e < STAGE; e++) {
                    int m = mq + ROWS * e;
                    float cv = 0f;
                    float sv = 0f;
                    if (inK && l0 + m < len) {
                        cv = C.get(cAt + k0 + e * cStep);
                    }
                    if (inK && p0 + m < headdim) {
                        sv = states.get(sAt + k0 + e * sStep);
                    }
                    as[kq * LS + m] = cv;
                    bs[kq * LS + m] = sv;
                }
                ctx.localBarrier(); // also publishes dAl and dtl
                int kEnd = Math.min(K_STEP, dstate - k0); // staged rows past the end are zero: skip them
                for (int kk = 0; kk < kEnd; kk++) { // acc += as^T bs over the slice (see the class comment)
                    int ra = kk * LS + ty * QUAD;
                    int rb = kk * LS + tx * QUAD;
                    for (int e = 0; e < QUAD; e++) {
                        aReg[e] = as[ra + e];
                        aReg[QUAD + e] = as[ra + HALF + e];
                        bReg[e] = bs[rb + e];
                        bReg[QUAD + e] = bs[rb + HALF + e];
                    }
                    for (int r = 0; r < PER; r++) {
                        for (int q = 0; q < PER; q++) {
                            acc[r * PER + q] = KernelMath.fma(aReg[r], bReg[q], acc[r * PER + q]);
                        }
                    }
                }
                ctx.localBarrier();
            }
            for (int r = 0; r < PER; r++) {
                int l = l0 + slot(ty, r);
                float decay = 0f;
                if (l < len) {
                    decay = KernelMath.exp(dAl[l]);
                }
                for (int q = 0; q < PER; q++) {
                    acc[r * PER + q] = acc[r * PER + q] * decay;
                }
            }
            // intra-chunk term: sum over s <= l of cb[l, s] exp(dA_l - dA_s) dt_s x[s, p]
            long cbAt = (cbBase + l0 + mq) * chunk + kq;  // cb: consecutive items, consecutive s of one row
            long cbStep = (long) ROWS * chunk;
            long xAt = ((row0 * heads + h) * headdim) + p0 + lid; // x: item lid is column p0 + lid (GROUP == TILE)
            long xRow = (long) heads * headdim;
            boolean inP = p0 + lid < headdim;
            for (int e = 0; e < STAGE; e++) { // dA of the item's staging rows, kept in registers across the slices
                int l = l0 + mq + ROWS * e;
                dAr[e] = l < len ? dAl[l] : 0f;
            }
            for (int k0 = 0; k0 < sEnd; k0 += K_STEP) {
                int s = k0 + kq;
                for (int e = 0; e < STAGE; e++) {
                    int m = mq + ROWS * e;
                    int l = l0 + m;
                    float wv = 0f;
                    if (l < len && s <= l) {
                        wv = cb.get(cbAt + k0 + e * cbStep) * KernelMath.exp(dAr[e] - dAl[s]) * dtl[s];
                    }
                    as[kq * LS + m] = wv;
                    float xv = 0f;
                    if (k0 + e < len && inP) {
                        xv = x.get(xAt + (k0 + e) * xRow);
                    }
                    bs[e * LS + lid] = xv;
                }
                ctx.localBarrier();
                int kEnd = Math.min(K_STEP, sEnd - k0); // staged rows past the end are zero: skip them
                for (int kk = 0; kk < kEnd; kk++) { // acc += as^T bs over the slice (see the class comment)
                    int ra = kk * LS + ty * QUAD;
                    int rb = kk * LS + tx * QUAD;
                    for (int e = 0; e < QUAD; e++) {
                        aReg[e] = as[ra + e];
                        aReg[QUAD + e] = as[ra + HALF + e];
                        bReg[e] = bs[rb + e];
                        bReg[QUAD + e] = bs[rb + HALF + e];
                    }
                    for (int r = 0; r < PER; r++) {
                        for (int q = 0; q < PER; q++) {
                            acc[r * PER + q] = KernelMath.fma(aReg[r], bReg[q], acc[r * PER + q]);
                        }
                    }
                }
                ctx.localBarrier();
            }
            for (int r = 0; r < PER; r++) {
                int l = l0 + slot(ty, r);
                for (int q = 0; q < PER; q++) {
                    int p = p0 + slot(tx, q);
                    if (l < len && p < headdim) {
                        long xi = ((row0 + l) * heads + h) * headdim + p;
                        float y = acc[r * PER + q];
                        float xv = x.get(xi);
                        if (dMode == 1) {
                            y += D.get(h) * xv;
                        } else if (dMode == 2) {
                            y += D.get((long) h * headdim + p) * xv;
                        }
                        if (hasZ) {
                            float zv = z.get(xi);
                            y = y * zv / (1f + KernelMath.exp(-zv));
                        }
                        out.set(xi, y);
                    }
                }
            }
        }
    }
}
