package io.jmamba.kernels.attention;

import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.KernelMath;
import io.jmamba.runtime.api.Specialize;

/**
 * bf16 flash attention on tensor cores, FlashAttention-2 style: q, k, v, out bf16
 * {@code [rows = batch * nheads, seqlen, headdim]}, fp32 scores, softmax state and accumulators.
 *
 * <p><b>Work split.</b> A work-group is 4 warps (128 work-items, {@link #GROUP}); warp w owns
 * {@code 16 * mTiles} consecutive queries of one row, so the group owns {@code 64 * mTiles}. Groups
 * are numbered heaviest first for causal balance: group b takes query tile
 * {@code tiles - 1 - b / rows} of row {@code b % rows}, so the long diagonal-far tiles of every row
 * start first and the short ones fill the tail. Launch: 1-D, {@code tiles * rows * 128} items, local 128.
 *
 * <p><b>Registers.</b> Each lane keeps, per 16-query m-tile, the A fragments of its Q rows for the whole
 * kernel ({@code headdim / 16} k-steps x 4 ints, loaded once with 32-bit pair loads), the S tile of one
 * key tile ({@code keyTile / 8} n-tiles x 4 floats), the O accumulator ({@code headdim / 8} n-tiles x 4
 * floats) and the online-softmax state of its two rows g and g + 8 (max in raw score units, partial sum).
 * Every private array is indexed by constants once the loops over the @Specialize sizes unroll, so the
 * device compiler keeps them in registers.
 *
 * <p><b>Per key tile</b> ({@code keyTile} keys; causal: only tiles up to the group's last query):
 * <ol>
 *   <li>Stage K as bf16 pairs along the head dimension, {@code kS[key][pair]}, and V transposed as pairs
 *       along the key, {@code vS[dim][keyPair]}, in local memory; rows padded by 4 ints so that the
 *       B-fragment reads of a warp (lane (g, t) reads row g, column t) hit 32 different banks. Keys past
 *       seqlen are staged as zeros. The global loads are software-pipelined: each item loads its share of
 *       the next tile ({@code keyTile * headdim / 256} ints of K and as many of V) into registers right
 *       after the barrier and stores them after computing the current tile, so the loads' latency hides
 *       behind the tile's MMAs (without asynchronous copies, this is what keeps two resident groups busy).</li>
 *   <li>S = Q K^T: {@code keyTile / 8} n-tiles x {@code headdim / 16} k-steps of {@code mmaBf16Frag},
 *       the B fragment reused by every m-tile.</li>
 *   <li>Mask (only on tiles that reach past the warp's first query or past seqlen: a warp-uniform
 *       branch): keys after the query (causal) or past seqlen become -infinity.</li>
 *   <li>Online softmax in base 2: the scale times log2(e) is folded into one fma per score,
 *       {@code p = exp2Approx(fma(s, scaleLog2, -max * scaleLog2))}; the row max is reduced over the quad
 *       (the 4 lanes of a row) with two xor shuffles; the row sum stays a per-lane partial until the end
 *       (every lane of a quad applies the same corrections).</li>
 *   <li>P goes straight from the S accumulators into A fragments (the FA2 register trick: S n-tiles 2j and
 *       2j + 1 are the 16 keys of P V's k-step j, rows g and g + 8 already where the A layout wants them),
 *       packed to bf16 pairs with {@link KernelMath#packBf16x2}; O += P V with {@code mmaBf16Frag}.</li>
 * </ol>
 * At the end the row sums are reduced over the quad and {@code O / sum} is stored as bf16 pairs.
 *
 * <p>All warps of the group run the same number of MMAs and shuffles (tiles a warp's queries cannot see
 * are masked, not skipped): on OpenCL and the JVM each one is a work-group barrier.
 *
 * <p>Sizes: {@code headdim} a multiple of 16 up to 128, {@code keyTile} a multiple of 16, {@code mTiles}
 * 1 or more; all indices are int (the host checks {@code rows * seqlen * headdim < 2^31}).
 */
public final class FlashAttentionBf16Kernel {
    /** Work-items per work-group: 4 warps. */
    public static final int GROUP = 128;
    /** Warps per work-group. */
    public static final int WARPS = GROUP / 32;
    /** Padding (ints) after each staged row: keeps a warp's fragment reads on 32 distinct banks. */
    public static final int PAD = 4;

    private FlashAttentionBf16Kernel() {
    }

    /** Ints of the K stage for these sizes ({@code keyTile} rows of {@code headdim / 2} pairs, padded). */
    public static int kStageInts(int headdim, int keyTile) {
        return keyTile * (headdim / 2 + PAD);
    }

    /** Ints of the transposed V stage ({@code headdim} rows of {@code keyTile / 2} key pairs, padded). */
    public static int vStageInts(int headdim, int keyTile) {
        return headdim * (keyTile / 2 + PAD);
    }

    /**
     * @param rows      batch * nheads
     * @param scaleLog2 softmax scale times log2(e) (positive)
     * @param kInts     {@link #kStageInts}, {@code vInts} {@link #vStageInts} (local array sizes must be constants)
     */
    public static void flash(KernelContext ctx, BFloat16Array q, BFloat16Array k, BFloat16Array v, BFloat16Array out,
                             int seqlen, int rows, float scaleLog2, @Specialize int headdim, @Specialize int causal,
                             @Specialize int mTiles, @Specialize int keyTile, @Specialize int kInts, @Specialize int vInts) {
        int[] kS = ctx.allocateIntLocalArray(kInts);
        int[] vS = ctx.allocateIntLocalArray(vInts);
        final int kSteps = headdim / 16;       // k-steps of S = Q K^T
        final int keyNTiles = keyTile / 8;     // n-tiles of S
        final int pvSteps = keyTile / 16;      // k-steps of O += P V
        final int dimNTiles = headdim / 8;     // n-tiles of O
        final int pairs = headdim / 2;         // bf16 pairs in a row of q, k, v
        final int kStride = pairs + PAD;
        final int vStride = keyTile / 2 + PAD;
        final int queryTile = WARPS * 16 * mTiles;

        int lid = ctx.localIdx;
        int warp = lid >> 5;
        int lane = lid & 31;
        int g = lane >> 2;
        int t = lane & 3;
        int tiles = (seqlen + queryTile - 1) / queryTile;
        int qt = tiles - 1 - ctx.groupIdx / rows;    // heaviest (last) query tiles first
        int row = ctx.groupIdx % rows;
        int rowBase = row * seqlen * headdim;
        int q0 = qt * queryTile + warp * 16 * mTiles; // this warp's first query

        // Q fragments for the whole kernel: [mt][ks][a0..a3]
        int[] qf = new int[mTiles * kSteps * 4];
        for (int mt = 0; mt < mTiles; mt++) {
            int r0 = q0 + mt * 16 + g;
            int r8 = r0 + 8;
            for (int ks = 0; ks < kSteps; ks++) {
                int col = ks * 16 + 2 * t;
                int f = (mt * kSteps + ks) * 4;
                qf[f] = r0 < seqlen ? q.getPair(rowBase + r0 * headdim + col) : 0;
                qf[f + 1] = r8 < seqlen ? q.getPair(rowBase + r8 * headdim + col) : 0;
                qf[f + 2] = r0 < seqlen ? q.getPair(rowBase + r0 * headdim + col + 8) : 0;
                qf[f + 3] = r8 < seqlen ? q.getPair(rowBase + r8 * headdim + col + 8) : 0;
            }
        }
        float[] o = new float[mTiles * dimNTiles * 4];
        float[] rowMax = new float[mTiles * 2];       // rows g, g + 8 of each m-tile, raw score units
        float[] rowSum = new float[mTiles * 2];       // this lane's partial sums
        for (int i = 0; i < mTiles * 2; i++) {
            rowMax[i] = CausalAttentionKernels.NEG_LARGE;
            rowSum[i] = 0f;
        }
        for (int i = 0; i < mTiles * dimNTiles * 4; i++) {
            o[i] = 0f;
        }
        float[] s = new float[mTiles * keyNTiles * 4];
        int[] pf = new int[mTiles * pvSteps * 4];

        int keyEnd = causal != 0 ? Math.min(seqlen, (qt + 1) * queryTile) : seqlen;
        int keyTiles = (keyEnd + keyTile - 1) / keyTile;
        // software pipelining: the next tile's K and V are loaded into registers while this one is computed
        int[] kPre = new int[keyTile * pairs / GROUP];
        int[] vPre = new int[keyTile * pairs / GROUP];
        loadK(k, kPre, rowBase, 0, seqlen, lid, headdim, keyTile);
        loadV(v, vPre, rowBase, 0, seqlen, lid, headdim, keyTile);
        for (int kt = 0; kt < keyTiles; kt++) {
            int k0 = kt * keyTile;
            ctx.localBarrier(); // the previous tile's reads are done before it is overwritten
            storeK(kS, kPre, lid, headdim, keyTile, kStride);
            storeVTransposed(vS, vPre, lid, headdim, keyTile, vStride);
            ctx.localBarrier();
            if (kt + 1 < keyTiles) {
                loadK(k, kPre, rowBase, k0 + keyTile, seqlen, lid, headdim, keyTile);
                loadV(v, vPre, rowBase, k0 + keyTile, seqlen, lid, headdim, keyTile);
            }

            // S = Q K^T
            for (int i = 0; i < mTiles * keyNTiles * 4; i++) {
                s[i] = 0f;
            }
            for (int nt = 0; nt < keyNTiles; nt++) {
                int kRow = (nt * 8 + g) * kStride + t;
                for (int ks = 0; ks < kSteps; ks++) {
                    int b0 = kS[kRow + ks * 8];
                    int b1 = kS[kRow + ks * 8 + 4];
                    for (int mt = 0; mt < mTiles; mt++) {
                        int f = (mt * kSteps + ks) * 4;
                        ctx.mmaBf16Frag(qf[f], qf[f + 1], qf[f + 2], qf[f + 3], b0, b1, s, (mt * keyNTiles + nt) * 4);
                    }
                }
            }
            // masking: only where some key of the tile lies after one of the warp's queries, or past seqlen
            if ((causal != 0 && k0 + keyTile - 1 > q0) || k0 + keyTile > seqlen) {
                for (int mt = 0; mt < mTiles; mt++) {
                    for (int nt = 0; nt < keyNTiles; nt++) {
                        for (int j = 0; j < 4; j++) {
                            int key = k0 + nt * 8 + 2 * t + (j & 1);
                            int query = q0 + mt * 16 + g + 8 * (j >> 1);
                            if (key >= seqlen || (causal != 0 && key > query)) {
                                s[(mt * keyNTiles + nt) * 4 + j] = Float.NEGATIVE_INFINITY;
                            }
                        }
                    }
                }
            }
            // online softmax per row (h = 0: row g, h = 1: row g + 8)
            for (int mt = 0; mt < mTiles; mt++) {
                for (int h = 0; h < 2; h++) {
                    float m = rowMax[mt * 2 + h];
                    for (int nt = 0; nt < keyNTiles; nt++) {
                        int e = (mt * keyNTiles + nt) * 4 + 2 * h;
                        // plain compares (no NaN or signed-zero cases here): one FMNMX each on CUDA
                        m = s[e] > m ? s[e] : m;
                        m = s[e + 1] > m ? s[e + 1] : m;
                    }
                    float other = ctx.shuffleXor(m, 1);
                    m = other > m ? other : m;
                    other = ctx.shuffleXor(m, 2);
                    m = other > m ? other : m;
                    float correction = KernelMath.exp2Approx((rowMax[mt * 2 + h] - m) * scaleLog2);
                    rowMax[mt * 2 + h] = m;
                    float shift = -m * scaleLog2;
                    float sum = rowSum[mt * 2 + h] * correction;
                    for (int nt = 0; nt < keyNTiles; nt++) {
                        int e = (mt * keyNTiles + nt) * 4 + 2 * h;
                        float p0 = KernelMath.exp2Approx(KernelMath.fma(s[e], scaleLog2, shift));
                        float p1 = KernelMath.exp2Approx(KernelMath.fma(s[e + 1], scaleLog2, shift));
                        s[e] = p0;
                        s[e + 1] = p1;
                        sum = sum + p0 + p1;
                    }
                    rowSum[mt * 2 + h] = sum;
                    for (int nt = 0; nt < dimNTiles; nt++) {
                        int e = (mt * dimNTiles + nt) * 4 + 2 * h;
                        o[e] = o[e] * correction;
                        o[e + 1] = o[e + 1] * correction;
                    }
                }
                // P as A fragments: S n-tiles 2j (keys 2t.., a0 row g / a1 row g + 8) and 2j + 1 (keys 2t + 8.., a2 / a3)
                for (int j = 0; j < pvSteps; j++) {
                    int lo = (mt * keyNTiles + 2 * j) * 4;
                    int hi = lo + 4;
                    int f = (mt * pvSteps + j) * 4;
                    pf[f] = KernelMath.packBf16x2(s[lo], s[lo + 1]);
                    pf[f + 1] = KernelMath.packBf16x2(s[lo + 2], s[lo + 3]);
                    pf[f + 2] = KernelMath.packBf16x2(s[hi], s[hi + 1]);
                    pf[f + 3] = KernelMath.packBf16x2(s[hi + 2], s[hi + 3]);
                }
            }
            // O += P V
            for (int nt = 0; nt < dimNTiles; nt++) {
                int vRow = (nt * 8 + g) * vStride + t;
                for (int j = 0; j < pvSteps; j++) {
                    int b0 = vS[vRow + j * 8];
                    int b1 = vS[vRow + j * 8 + 4];
                    for (int mt = 0; mt < mTiles; mt++) {
                        int f = (mt * pvSteps + j) * 4;
                        ctx.mmaBf16Frag(pf[f], pf[f + 1], pf[f + 2], pf[f + 3], b0, b1, o, (mt * dimNTiles + nt) * 4);
                    }
                }
            }
        }

        // O / row sum, as bf16 pairs (columns 2t, 2t + 1 of each n-tile)
        for (int mt = 0; mt < mTiles; mt++) {
            for (int h = 0; h < 2; h++) {
                float sum = rowSum[mt * 2 + h];
                sum = sum + ctx.shuffleXor(sum, 1);
                sum = sum + ctx.shuffleXor(sum, 2);
                float inv = 1f / sum;
                int query = q0 + mt * 16 + g + 8 * h;
                if (query < seqlen) {
                    int at = rowBase + query * headdim + 2 * t;
                    for (int nt = 0; nt < dimNTiles; nt++) {
                        int e = (mt * dimNTiles + nt) * 4 + 2 * h;
                        out.setPair(at + nt * 8, KernelMath.packBf16x2(o[e] * inv, o[e + 1] * inv));
                    }
                }
            }
        }
    }

    /**
     * Loads K rows {@code k0 ..} (pairs along the head dimension) into this item's {@code kPre}: element
     * {@code it} is pair {@code e % pairs} of key {@code e / pairs}, {@code e = it * GROUP + lid}, so
     * consecutive work-items read consecutive pairs of a row (coalesced). Keys past seqlen load as zeros.
     */
    static void loadK(BFloat16Array k, int[] kPre, int rowBase, int k0, int seqlen, int lid, int headdim, int keyTile) {
        int pairs = headdim / 2;
        for (int it = 0; it < keyTile * pairs / GROUP; it++) {
            int e = it * GROUP + lid;
            int kk = k0 + e / pairs;
            kPre[it] = kk < seqlen ? k.getPair(rowBase + kk * headdim + 2 * (e % pairs)) : 0;
        }
    }

    /** Stores {@link #loadK}'s pairs as {@code kS[key * kStride + pair]} (consecutive items, consecutive banks). */
    static void storeK(int[] kS, int[] kPre, int lid, int headdim, int keyTile, int kStride) {
        int pairs = headdim / 2;
        for (int it = 0; it < keyTile * pairs / GROUP; it++) {
            int e = it * GROUP + lid;
            kS[(e / pairs) * kStride + e % pairs] = kPre[it];
        }
    }

    /**
     * Loads V for the transposed stage: per unit (key pair j, dimension pair d) the pairs (2d, 2d + 1) of keys
     * 2j ({@code vPre[2 it]}) and 2j + 1 ({@code vPre[2 it + 1]}). Lanes: bits 0-1 pick d, bits 2-4 pick j, so a
     * warp reads 16 contiguous bytes of 8 key pairs. Keys past seqlen load as zeros.
     */
    static void loadV(BFloat16Array v, int[] vPre, int rowBase, int k0, int seqlen, int lid, int headdim, int keyTile) {
        int pairs = headdim / 2;
        int jGroups = keyTile / 16; // groups of 8 key pairs
        for (int it = 0; it < (keyTile / 2) * pairs / GROUP; it++) {
            int e = it * GROUP + lid;
            int rest = e >> 5;
            int j = (rest % jGroups) * 8 + ((e >> 2) & 7);
            int d = (rest / jGroups) * 4 + (e & 3);
            int key = k0 + 2 * j;
            int at = rowBase + key * headdim + 2 * d;
            vPre[2 * it] = key < seqlen ? v.getPair(at) : 0;
            vPre[2 * it + 1] = key + 1 < seqlen ? v.getPair(at + headdim) : 0;
        }
    }

    /**
     * Stores {@link #loadV}'s pairs transposed, as pairs along the key: {@code vS[dim * vStride + keyPair]}, rows
     * 2d and 2d + 1; a warp's writes ((8 d + j) mod 32) fall on 32 distinct banks.
     */
    static void storeVTransposed(int[] vS, int[] vPre, int lid, int headdim, int keyTile, int vStride) {
        int pairs = headdim / 2;
        int jGroups = keyTile / 16;
        for (int it = 0; it < (keyTile / 2) * pairs / GROUP; it++) {
            int e = it * GROUP + lid;
            int rest = e >> 5;
            int j = (rest % jGroups) * 8 + ((e >> 2) & 7);
            int d = (rest / jGroups) * 4 + (e & 3);
            int lo = vPre[2 * it];
            int hi = vPre[2 * it + 1];
            vS[(2 * d) * vStride + j] = (lo & 0xffff) | (hi << 16);
            vS[(2 * d + 1) * vStride + j] = (lo >>> 16) | (hi & 0xffff0000);
        }
    }
}
