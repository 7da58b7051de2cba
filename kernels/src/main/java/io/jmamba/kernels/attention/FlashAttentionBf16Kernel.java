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
 *   <li>Stage K as bf16 pairs along the head dimension and V transposed as pairs along the key, in local
 *       memory of longs: a B fragment (b0, b1) is one 64-bit load. Long {@code 4 s + t} of a staged row holds
 *       pairs {@code 8 s + t} (low half) and {@code 8 s + t + 4} (high half), the b0 and b1 of lane t for
 *       k-step s. Rows are {@link #rowLongs} long: a row stride of 4 mod 16 longs puts the 16 lanes of a
 *       half-warp (rows g = 0..3, longs t = 0..3) on 32 distinct banks. Keys past
 *       seqlen are staged as zeros. The global loads are software-pipelined: each item loads its share of
 *       the next tile ({@code keyTile * headdim / 512} longs of K and as many of V) into registers right
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
 * <p>Sizes: {@code headdim} a multiple of 16 up to 128, {@code keyTile} a multiple of 16 with
 * {@code keyTile * headdim} a multiple of 1024 (whole staging rounds of 128 items), {@code mTiles} 1 or
 * more; all indices are int (the host checks {@code rows * seqlen * headdim < 2^31}).
 */
public final class FlashAttentionBf16Kernel {
    /** Work-items per work-group: 4 warps. */
    public static final int GROUP = 128;
    /** Warps per work-group. */
    public static final int WARPS = GROUP / 32;

    private FlashAttentionBf16Kernel() {
    }

    /** Longs of a staged row holding {@code pairs} bf16 pairs, padded to 4 mod 16 (conflict-free 64-bit fragment loads). */
    public static int rowLongs(int pairs) {
        int n = pairs / 2;
        return n + ((4 - n) % 16 + 16) % 16;
    }

    /** Longs of the K stage: {@code keyTile} rows of {@code headdim / 2} pairs. */
    public static int kStageLongs(int headdim, int keyTile) {
        return keyTile * rowLongs(headdim / 2);
    }

    /** Longs of the transposed V stage: {@code headdim} rows of {@code keyTile / 2} key pairs. */
    public static int vStageLongs(int headdim, int keyTile) {
        return headdim * rowLongs(keyTile / 2);
    }

    /**
     * @param rows      batch * nheads
     * @param scaleLog2 softmax scale times log2(e) (positive)
     * @param kLongs    {@link #kStageLongs}, {@code vLongs} {@link #vStageLongs} (local array sizes must be constants)
     */
    public static void flash(KernelContext ctx, BFloat16Array q, BFloat16Array k, BFloat16Array v, BFloat16Array out,
                             int seqlen, int rows, float scaleLog2, @Specialize int headdim, @Specialize int causal,
                             @Specialize int mTiles, @Specialize int keyTile, @Specialize int kLongs, @Specialize int vLongs) {
        long[] kS = ctx.allocateLongLocalArray(kLongs);
        long[] vS = ctx.allocateLongLocalArray(vLongs);
        final int kSteps = headdim / 16;       // k-steps of S = Q K^T
        final int keyNTiles = keyTile / 8;     // n-tiles of S
        final int pvSteps = keyTile / 16;      // k-steps of O += P V
        final int dimNTiles = headdim / 8;     // n-tiles of O
        final int pairs = headdim / 2;         // bf16 pairs in a row of q, k, v
        final int kStride = rowLongs(pairs);
        final int vStride = rowLongs(keyTile / 2);
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
        long[] kPre = new long[keyTile * pairs / 2 / GROUP];
        long[] vPre = new long[keyTile * pairs / 2 / GROUP];
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
                    long b = kS[kRow + ks * 4];
                    int b0 = (int) b;
                    int b1 = (int) (b >>> 32);
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
                    long b = vS[vRow + j * 4];
                    int b0 = (int) b;
                    int b1 = (int) (b >>> 32);
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
     * Loads K rows {@code k0 ..} into this item's {@code kPre}: element {@code it} is long {@code u} of key
     * {@code key} ({@code e = it * GROUP + lid}, {@code u = e % (pairs / 2)}), i.e. pairs {@code 8 (u / 4) + u % 4}
     * (low) and that + 4 (high). Consecutive items read the pairs of one row. Keys past seqlen load as zeros.
     */
    static void loadK(BFloat16Array k, long[] kPre, int rowBase, int k0, int seqlen, int lid, int headdim, int keyTile) {
        int longs = headdim / 4;
        for (int it = 0; it < keyTile * longs / GROUP; it++) {
            int e = it * GROUP + lid;
            int u = e % longs;
            int kk = k0 + e / longs;
            int at = rowBase + kk * headdim + 2 * (8 * (u >> 2) + (u & 3));
            int lo = kk < seqlen ? k.getPair(at) : 0;
            int hi = kk < seqlen ? k.getPair(at + 8) : 0;
            kPre[it] = (lo & 0xffffffffL) | ((long) hi << 32);
        }
    }

    /** Stores {@link #loadK}'s longs at {@code kS[key * kStride + u]} (a half-warp writes one row: no conflicts). */
    static void storeK(long[] kS, long[] kPre, int lid, int headdim, int keyTile, int kStride) {
        int longs = headdim / 4;
        for (int it = 0; it < keyTile * longs / GROUP; it++) {
            int e = it * GROUP + lid;
            kS[(e / longs) * kStride + e % longs] = kPre[it];
        }
    }

    /**
     * Loads V for the transposed stage. A unit is (dimension pair d, long u of a stage row): u holds key pairs
     * {@code ja = 8 (u / 4) + u % 4} and {@code ja + 4}, so the item reads the pairs (2d, 2d + 1) of keys
     * 2 ja, 2 ja + 1, 2 ja + 8 and 2 ja + 9, and keeps them as two longs: {@code vPre[2 it]} the low halves
     * (dimension 2d) and {@code vPre[2 it + 1]} the high halves (2d + 1), already in stage order. Lanes: bits
     * 0-1 pick d, so a warp reads 16 contiguous bytes of each of 8 rows. Keys past seqlen load as zeros.
     */
    static void loadV(BFloat16Array v, long[] vPre, int rowBase, int k0, int seqlen, int lid, int headdim, int keyTile) {
        int pairs = headdim / 2;
        int uCount = keyTile / 4;
        for (int it = 0; it < pairs * uCount / GROUP; it++) {
            int e = it * GROUP + lid;
            int rest = e >> 2;
            int u = rest % uCount;
            int d = (rest / uCount) * 4 + (e & 3);
            int ja = 8 * (u >> 2) + (u & 3);
            int key = k0 + 2 * ja;
            int at = rowBase + key * headdim + 2 * d;
            int a0 = key < seqlen ? v.getPair(at) : 0;                   // key 2 ja
            int a1 = key + 1 < seqlen ? v.getPair(at + headdim) : 0;     // key 2 ja + 1
            int c0 = key + 8 < seqlen ? v.getPair(at + 8 * headdim) : 0; // key 2 ja + 8
            int c1 = key + 9 < seqlen ? v.getPair(at + 9 * headdim) : 0; // key 2 ja + 9
            int lowA = (a0 & 0xffff) | (a1 << 16);       // dimension 2d, keys 2 ja and 2 ja + 1
            int lowC = (c0 & 0xffff) | (c1 << 16);       // dimension 2d, keys 2 ja + 8 and + 9
            int highA = (a0 >>> 16) | (a1 & 0xffff0000); // dimension 2d + 1
            int highC = (c0 >>> 16) | (c1 & 0xffff0000);
            vPre[2 * it] = (lowA & 0xffffffffL) | ((long) lowC << 32);
            vPre[2 * it + 1] = (highA & 0xffffffffL) | ((long) highC << 32);
        }
    }

    /** Stores {@link #loadV}'s longs at rows 2d and 2d + 1 of the transposed stage, {@code vS[dim * vStride + u]}. */
    static void storeVTransposed(long[] vS, long[] vPre, int lid, int headdim, int keyTile, int vStride) {
        int pairs = headdim / 2;
        int uCount = keyTile / 4;
        for (int it = 0; it < pairs * uCount / GROUP; it++) {
            int e = it * GROUP + lid;
            int rest = e >> 2;
            int u = rest % uCount;
            int d = (rest / uCount) * 4 + (e & 3);
            vS[(2 * d) * vStride + u] = vPre[2 * it];
            vS[(2 * d + 1) * vStride + u] = vPre[2 * it + 1];
        }
    }
}
