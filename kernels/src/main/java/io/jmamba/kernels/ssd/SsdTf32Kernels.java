package io.jmamba.kernels.ssd;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.KernelMath;

/**
 * The three matrix-product phases of the fp32 SSD scan ({@link SsdKernels}' chunkState, chunkCb and
 * chunkScan: same arrays, same results within the fixture tolerance) on tensor cores, as 3xTF32: each
 * fp32 operand v is split into what the tensor core reads, big = v with the low 13 mantissa bits
 * dropped ({@link KernelContext#mmaTf32Frag} ignores them), and small = v - big (exact in float), and
 * a b is accumulated as a b + a_small b + a b_small (the dropped a_small b_small is below 2^-20 of a b).
 * That keeps the fp32 path within 1e-4 of the float64 reference, where plain TF32 (2^-11) would not.
 * The products go through one mma call site in a loop over {@code splitTerms} (3: 3xTF32, as
 * {@link SsdScan} passes; 1: plain TF32, a b only, for timing what the precision costs). It is a
 * run-time bound on purpose: the JIT then leaves the loop rolled, which costs CUDA a few selects
 * (the accumulator indices do not depend on it), while on OpenCL every unrolled call site would be six
 * more work-group exchanges, and PoCL's build time grows with their number.
 *
 * <p>Tiling as {@link SsdTensorKernels}: {@link #GROUP} items (4 warps) per 64 x 64 output tile, warp w
 * owning rows 16w..16w+15 and eight n8 accumulators (m16n8k8 here). TF32 fragments hold single elements
 * (A(g, t), A(g, t + 4); B(t, g), B(t + 4, g)), so nothing is transposed: token-major slices
 * (x, B) are staged as they lie, {@link #TOKEN_STRIDE} = 72 floats apart (8 mod 32: lane g*4+t reading
 * row t, column g hits bank 8t + g), and the state is staged p-major {@link #STATE_STRIDE} = 68 apart
 * (4 mod 32: row g, column t hits bank 4g + t). C and B of C B^T and C of the inter-chunk term are
 * read straight from global memory into the fragments (contraction contiguous, 32-byte rows per step).
 *
 * <p>Any sizes (within {@link SsdConfig}'s limits): every load past headdim, dstate, the chunk or the
 * sequence is zero, and every mma runs under bounds uniform over the work-group (OpenCL and the JVM
 * emulate warp operations with work-group barriers). Launch: 1-D, local size {@link #GROUP},
 * {@link #groups} work-groups per phase. Local memory: chunkState 37 KiB, chunkScan 20 KiB, chunkCb none.
 */
public final class SsdTf32Kernels {
    private SsdTf32Kernels() {
    }

    /** Work-items per group: four warps. */
    public static final int GROUP = 128;
    /** Rows and columns of an output tile, and contraction steps staged per pass. */
    public static final int TILE = 64;
    static final int SLICE = 64;
    static final int TOKEN_STRIDE = TILE + 8;
    static final int STATE_STRIDE = SLICE + 4;
    static final int NT = TILE / 8;
    static final int ROWS_PER_PASS = GROUP / TILE;
    static final int MAX_CHUNK = SsdConfig.MAX_CHUNK;
    static final int TF32_MASK = 0xffffe000;

    /** Work-groups of chunkState, chunkCb and chunkScan for {@code cfg}. */
    public static long[] groups(SsdConfig cfg) {
        long tilesP = (cfg.headdim() + TILE - 1) / TILE;
        long tilesN = (cfg.dstate() + TILE - 1) / TILE;
        long tilesQ = (cfg.chunkSize() + TILE - 1) / TILE;
        long bch = (long) cfg.batch() * cfg.nchunks() * cfg.heads();
        long bcg = (long) cfg.batch() * cfg.nchunks() * cfg.groups();
        return new long[]{bch * tilesP * tilesN, bcg * tilesQ * tilesQ, bch * tilesP * tilesQ};
    }

    /** v - (v as the tensor core reads it): the part TF32 drops, exact in float. */
    static float small(float v) {
        return v - Float.intBitsToFloat(Float.floatToRawIntBits(v) & TF32_MASK);
    }

    /**
     * cb[b,c,g] = C_chunk B_chunk^T for the tiles on and below the diagonal (above it: not written; the
     * upper triangle of a diagonal tile is written unmasked, {@link #chunkScan} masks s <= l). Rows and
     * columns past the sequence end are zero.
     */
    public static void chunkCb(KernelContext ctx, FloatArray C, FloatArray B, FloatArray cb, int batch, int seqlen,
                               int groups, int dstate, int chunk, int nchunks, int splitTerms) {
        float[] acc = new float[NT * 4];
        int lane = ctx.laneId();
        int warp = ctx.localIdx / KernelContext.WARP_SIZE;
        int gq = lane / 4;
        int t = lane % 4;
        int tilesQ = (chunk + TILE - 1) / TILE;
        int grp = ctx.groupIdx;
        int s0 = (grp % tilesQ) * TILE;
        int l0 = ((grp / tilesQ) % tilesQ) * TILE;
        int i = grp / (tilesQ * tilesQ);
        int g = i % groups;
        int c = (i / groups) % nchunks;
        int b = i / (groups * nchunks);
        int len = Math.min(chunk, seqlen - c * chunk);
        int la = l0 + 16 * warp + gq;
        int lb = la + 8;
        if (s0 <= l0 && l0 < len) { // uniform over the group
            int rowStep = groups * dstate;
            long base = ((long) b * seqlen + (long) c * chunk) * rowStep + (long) g * dstate + t;
            boolean inA = la < len;
            boolean inB = lb < len;
            long aRow = base + (long) la * rowStep;
            long bRow = base + (long) lb * rowStep;
            for (int k = 0; k < dstate; k += 8) {
                boolean k0 = k + t < dstate;
                boolean k4 = k + t + 4 < dstate;
                float a0 = 0f;
                float a1 = 0f;
                float a2 = 0f;
                float a3 = 0f;
                if (inA && k0) {
                    a0 = C.get(aRow + k);
                }
                if (inB && k0) {
                    a1 = C.get(bRow + k);
                }
                if (inA && k4) {
                    a2 = C.get(aRow + k + 4);
                }
                if (inB && k4) {
                    a3 = C.get(bRow + k + 4);
                }
                float a0s = small(a0);
                float a1s = small(a1);
                float a2s = small(a2);
                float a3s = small(a3);
                for (int j = 0; j < NT; j++) {
                    int s = s0 + 8 * j + gq;
                    float b0 = 0f;
                    float b1 = 0f;
                    if (s < len) {
                        long sRow = base + (long) s * rowStep + k;
                        if (k0) {
                            b0 = B.get(sRow);
                        }
                        if (k4) {
                            b1 = B.get(sRow + 4);
                        }
                    }
                    for (int term = 0; term < splitTerms; term++) { // a b, a_small b, a b_small (see the class comment)
                        boolean aSmall = term == 1;
                        boolean bSmall = term == 2;
                        ctx.mmaTf32Frag(aSmall ? a0s : a0, aSmall ? a1s : a1, aSmall ? a2s : a2, aSmall ? a3s : a3,
                                bSmall ? small(b0) : b0, bSmall ? small(b1) : b1, acc, 4 * j);
                    }
                }
            }
            long outA = ((long) i * chunk + la) * chunk;
            long outB = outA + 8L * chunk;
            for (int j = 0; j < NT; j++) {
                int s = s0 + 8 * j + 2 * t;
                if (la < chunk && s < chunk) {
                    cb.set(outA + s, acc[4 * j]);
                }
                if (la < chunk && s + 1 < chunk) {
                    cb.set(outA + s + 1, acc[4 * j + 1]);
                }
                if (lb < chunk && s < chunk) {
                    cb.set(outB + s, acc[4 * j + 2]);
                }
                if (lb < chunk && s + 1 < chunk) {
                    cb.set(outB + s + 1, acc[4 * j + 3]);
                }
            }
        }
    }

    /**
     * states[b,c,h] (headdim x dstate) = sum_l (w_l x[l,:])^T B[l,:], w_l = exp(dA_cs[last] - dA_cs[l]) dt[l]:
     * M = headdim (rows p), N = dstate (columns n), contraction over the chunk's tokens.
     */
    public static void chunkState(KernelContext ctx, FloatArray x, FloatArray B, FloatArray dtOut, FloatArray dACumsum,
                                  FloatArray states, int batch, int seqlen, int heads, int headdim, int groups,
                                  int dstate, int chunk, int nchunks, int splitTerms) {
        float[] xs = ctx.allocateFloatLocalArray(SLICE * TOKEN_STRIDE);
        float[] bs = ctx.allocateFloatLocalArray(SLICE * TOKEN_STRIDE);
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
        int col = lid % TILE;      // staged column: consecutive items, consecutive addresses
        int rowOf = lid / TILE;    // first staged token of this item, then every ROWS_PER_PASS
        boolean inP = p0 + col < headdim;
        boolean inN = n0 + col < dstate;
        long xAt = (row0 * heads + h) * headdim + p0 + col;
        int xRow = heads * headdim;
        long bAt = (row0 * groups + g) * dstate + n0 + col;
        int bRow = groups * dstate;
        int nLeft = dstate - n0;
        int pLeft = headdim - p0;
        int ra = 16 * warp + gq;
        ctx.localBarrier();
        for (int k0 = 0; k0 < len; k0 += SLICE) {
            for (int r = rowOf; r < SLICE; r += ROWS_PER_PASS) {
                int l = k0 + r;
                float xv = 0f;
                float bv = 0f;
                if (l < len) {
                    if (inP) {
                        xv = x.get(xAt + (long) l * xRow) * wl[l];
                    }
                    if (inN) {
                        bv = B.get(bAt + (long) l * bRow);
                    }
                }
                xs[r * TOKEN_STRIDE + col] = xv;
                bs[r * TOKEN_STRIDE + col] = bv;
            }
            ctx.localBarrier();
            int kEnd = Math.min(SLICE, len - k0);
            for (int kk = 0; kk < kEnd; kk += 8) {
                int r0 = (kk + t) * TOKEN_STRIDE;
                int r4 = r0 + 4 * TOKEN_STRIDE;
                float a0 = xs[r0 + ra];
                float a1 = xs[r0 + ra + 8];
                float a2 = xs[r4 + ra];
                float a3 = xs[r4 + ra + 8];
                float a0s = small(a0);
                float a1s = small(a1);
                float a2s = small(a2);
                float a3s = small(a3);
                for (int j = 0; j < NT; j++) {
                    if (8 * j < nLeft) { // uniform over the group
                        float b0 = bs[r0 + 8 * j + gq];
                        float b1 = bs[r4 + 8 * j + gq];
                        for (int term = 0; term < splitTerms; term++) { // a b, a_small b, a b_small (see the class comment)
                            boolean aSmall = term == 1;
                            boolean bSmall = term == 2;
                            ctx.mmaTf32Frag(aSmall ? a0s : a0, aSmall ? a1s : a1, aSmall ? a2s : a2, aSmall ? a3s : a3,
                                    bSmall ? small(b0) : b0, bSmall ? small(b1) : b1, acc, 4 * j);
                        }
                    }
                }
            }
            ctx.localBarrier();
        }
        long outA = ((long) i * headdim + p0 + ra) * dstate + n0;
        long outB = outA + 8L * dstate;
        for (int j = 0; j < NT; j++) {
            int n = 8 * j + 2 * t;
            if (ra < pLeft && n < nLeft) {
                states.set(outA + n, acc[4 * j]);
            }
            if (ra < pLeft && n + 1 < nLeft) {
                states.set(outA + n + 1, acc[4 * j + 1]);
            }
            if (ra + 8 < pLeft && n < nLeft) {
                states.set(outB + n, acc[4 * j + 2]);
            }
            if (ra + 8 < pLeft && n + 1 < nLeft) {
                states.set(outB + n + 1, acc[4 * j + 3]);
            }
        }
    }

    /**
     * out[b,c,h] (chunk x headdim) = diag(exp(dA_cs)) C state_in^T + (cb o decay o dt)_lower x_chunk,
     * plus D x, times silu(z).
     *
     * @param dMode      0: no D, 1: D per head, 2: D per (head, channel)
     * @param splitTerms 3 for 3xTF32, 1 for plain TF32 (see the class comment)
     */
    public static void chunkScan(KernelContext ctx, FloatArray x, FloatArray z, FloatArray D, FloatArray C, FloatArray cb,
                                 FloatArray dtOut, FloatArray dACumsum, FloatArray states, FloatArray out,
                                 int batch, int seqlen, int heads, int headdim, int groups,
                                 int dstate, int chunk, int nchunks, int dMode, boolean hasZ, int splitTerms) {
        float[] stage = ctx.allocateFloatLocalArray(SLICE * TOKEN_STRIDE); // the state slice (p-major), then x slices
        float[] dAl = ctx.allocateFloatLocalArray(MAX_CHUNK);
        float[] dtl = ctx.allocateFloatLocalArray(MAX_CHUNK);
        float[] acc = new float[NT * 4];
        int lid = ctx.localIdx;
        int lane = ctx.laneId();
        int warp = lid / KernelContext.WARP_SIZE;
        int gq = lane / 4;
        int t = lane % 4;
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
        int pLeft = headdim - p0;
        if (l0 < len) { // uniform over the group
            long cs = (((long) b * heads + h) * nchunks + c) * chunk;
            int sEnd = Math.min(l0 + TILE, len);
            for (int s = lid; s < sEnd; s += GROUP) {
                dAl[s] = dACumsum.get(cs + s);
                dtl[s] = dtOut.get(cs + s);
            }
            long row0 = (long) b * seqlen + (long) c * chunk;
            int la = l0 + 16 * warp + gq;
            int lb = la + 8;
            boolean inA = la < len;
            boolean inB = lb < len;
            int col = lid % TILE;
            int rowOf = lid / TILE;

            float dAa = 0f;
            float dAb = 0f;
            float ea = 0f;
            float eb = 0f;
            if (inA) {
                dAa = dACumsum.get(cs + la);
                ea = KernelMath.exp(dAa);
            }
            if (inB) {
                dAb = dACumsum.get(cs + lb);
                eb = KernelMath.exp(dAb);
            }
            // One pass over the contraction slices of both products, one mma call site (see the class
            // comment): first the inter-chunk term exp(dA_l) C[l, :] . state_in[p, :] over dstate (A: C
            // times exp(dA_l); B: the state staged p-major), then the intra-chunk term sum over s <= l of
            // cb[l, s] exp(dA_l - dA_s) dt_s x[s, p] up to the tile's end (A: the weights; B: x staged
            // token-major).
            int cRow = groups * dstate;
            long cA = (row0 * groups + g) * dstate + (long) la * cRow + t;
            long cB = cA + 8L * cRow;
            long sBase = ((long) i * headdim + p0) * dstate;
            long cbA = (((long) b * nchunks + c) * groups + g) * chunk * chunk + (long) la * chunk;
            long cbB = cbA + 8L * chunk;
            boolean inP = p0 + col < headdim;
            long xAt = (row0 * heads + h) * headdim + p0 + col;
            int xRow = heads * headdim;
            int interSlices = (dstate + SLICE - 1) / SLICE;
            int slices = interSlices + (sEnd + SLICE - 1) / SLICE;
            for (int sl = 0; sl < slices; sl++) {
                boolean inter = sl < interSlices; // uniform over the group
                int k0 = sl * SLICE;
                int kEnd = Math.min(SLICE, dstate - k0);
                if (inter) {
                    boolean inN = k0 + col < dstate;
                    for (int r = rowOf; r < TILE; r += ROWS_PER_PASS) { // r: tile row p, col: state k0 + col
                        float v = 0f;
                        if (r < pLeft && inN) {
                            v = states.get(sBase + (long) r * dstate + k0 + col);
                        }
                        stage[r * STATE_STRIDE + col] = v;
                    }
                } else {
                    k0 = (sl - interSlices) * SLICE;
                    kEnd = Math.min(SLICE, sEnd - k0);
                    for (int r = rowOf; r < SLICE; r += ROWS_PER_PASS) {
                        int s = k0 + r;
                        float v = 0f;
                        if (s < sEnd && inP) {
                            v = x.get(xAt + (long) s * xRow);
                        }
                        stage[r * TOKEN_STRIDE + col] = v;
                    }
                }
                ctx.localBarrier(); // the first one also publishes dAl and dtl
                for (int kk = 0; kk < kEnd; kk += 8) {
                    float a0 = 0f;
                    float a1 = 0f;
                    float a2 = 0f;
                    float a3 = 0f;
                    int b0At; // stage index of this lane's b0 in n8 tile 0; b1 is 4 contraction steps on
                    int b1Step;
                    int jStep; // stage index step from one n8 tile to the next
                    if (inter) {
                        int k = k0 + kk;
                        boolean kIn0 = k + t < dstate;
                        boolean kIn4 = k + t + 4 < dstate;
                        if (inA && kIn0) {
                            a0 = C.get(cA + k) * ea;
                        }
                        if (inB && kIn0) {
                            a1 = C.get(cB + k) * eb;
                        }
                        if (inA && kIn4) {
                            a2 = C.get(cA + k + 4) * ea;
                        }
                        if (inB && kIn4) {
                            a3 = C.get(cB + k + 4) * eb;
                        }
                        b0At = gq * STATE_STRIDE + kk + t;
                        b1Step = 4;
                        jStep = 8 * STATE_STRIDE;
                    } else {
                        int s = k0 + kk + t; // this lane's columns s (a0, a1) and s + 4 (a2, a3)
                        if (inA && s <= la) {
                            a0 = cb.get(cbA + s) * KernelMath.exp(dAa - dAl[s]) * dtl[s];
                        }
                        if (inB && s <= lb) {
                            a1 = cb.get(cbB + s) * KernelMath.exp(dAb - dAl[s]) * dtl[s];
                        }
                        if (inA && s + 4 <= la) {
                            a2 = cb.get(cbA + s + 4) * KernelMath.exp(dAa - dAl[s + 4]) * dtl[s + 4];
                        }
                        if (inB && s + 4 <= lb) {
                            a3 = cb.get(cbB + s + 4) * KernelMath.exp(dAb - dAl[s + 4]) * dtl[s + 4];
                        }
                        b0At = (kk + t) * TOKEN_STRIDE + gq;
                        b1Step = 4 * TOKEN_STRIDE;
                        jStep = 8;
                    }
                    float a0s = small(a0);
                    float a1s = small(a1);
                    float a2s = small(a2);
                    float a3s = small(a3);
                    for (int j = 0; j < NT; j++) {
                        if (8 * j < pLeft) { // uniform over the group
                            float b0 = stage[b0At + j * jStep];
                            float b1 = stage[b0At + j * jStep + b1Step];
                            for (int term = 0; term < splitTerms; term++) { // a b, a_small b, a b_small (see the class comment)
                                boolean aSmall = term == 1;
                                boolean bSmall = term == 2;
                                ctx.mmaTf32Frag(aSmall ? a0s : a0, aSmall ? a1s : a1, aSmall ? a2s : a2, aSmall ? a3s : a3,
                                        bSmall ? small(b0) : b0, bSmall ? small(b1) : b1, acc, 4 * j);
                            }
                        }
                    }
                }
                ctx.localBarrier();
            }

            long outA = ((row0 + la) * heads + h) * headdim + p0;
            long outB = outA + 8L * xRow;
            for (int j = 0; j < NT; j++) {
                int p = 8 * j + 2 * t;
                for (int q = 0; q < 2; q++) {
                    if (p + q < pLeft) {
                        float d = 0f;
                        if (dMode == 1) {
                            d = D.get(h);
                        } else if (dMode == 2) {
                            d = D.get((long) h * headdim + p0 + p + q);
                        }
                        if (inA) {
                            out.set(outA + p + q, epilogue(x, z, outA + p + q, acc[4 * j + q], d, hasZ));
                        }
                        if (inB) {
                            out.set(outB + p + q, epilogue(x, z, outB + p + q, acc[4 * j + 2 + q], d, hasZ));
                        }
                    }
                }
            }
        }
    }

    /** y + D x[at], times silu(z[at]) when gated. */
    static float epilogue(FloatArray x, FloatArray z, long at, float y, float d, boolean hasZ) {
        float o = KernelMath.fma(d, x.get(at), y);
        if (hasZ) {
            float zv = z.get(at);
            o = o * zv / (1f + KernelMath.exp(-zv));
        }
        return o;
    }
}
