package io.jmamba.kernels.attention;

import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.Specialize;

/**
 * bf16 flash attention with K and V staged by asynchronous copies ({@link KernelContext#asyncCopy16}, CUDA
 * {@code cp.async}), double-buffered: the copies of key tile j + 1 are in flight while tile j is computed, and
 * no register holds staged data. Work split, launch, fragments and softmax are those of
 * {@link FlashAttentionBf16Kernel} ({@link FlashAttentionBf16Steps}); what differs is the stage and how the
 * B fragments are read from it.
 *
 * <p><b>Stage.</b> Two buffers per operand, each {@code keyTile} rows of {@code headdim / 2} bf16 pairs padded
 * by {@link FlashAttentionBf16Kernel#PAD} ints, K and V alike in their global (key-major) layout, so that every
 * copy is 16 contiguous bytes: chunk c of a tile is key {@code c / (headdim / 8)}, 8 elements at
 * {@code 8 * (c % (headdim / 8))}; consecutive work-items copy consecutive chunks of a row (coalesced; from
 * headdim 64 up a quarter-warp's 16-byte stores fill one 128-byte row segment, so they do not conflict). Keys past seqlen are
 * written as zeros with plain stores (V must be finite there: P is 0 but 0 * NaN is not).
 *
 * <p><b>Pipeline</b> (per work-item, one commit group per tile):
 * <pre>
 *   copy tile 0 -> buffer 0; commit
 *   for tile j:  wait_group 0; barrier      // tile j landed for every item; every item is done with tile j - 1
 *                copy tile j + 1 -> buffer (j + 1) % 2; commit   // overwrites tile j - 1's buffer: safe after the barrier
 *                S = Q K^T, mask, softmax, O += P V on buffer j % 2
 * </pre>
 * One barrier per tile (the register-staged kernel needs two: before and after its stores); the wait covers
 * exactly one group, the copy issued a whole tile's compute earlier.
 *
 * <p><b>Fragments from the stage</b> come from {@link KernelContext#ldmatrixX4} (CUDA {@code ldmatrix}), four
 * registers per instruction where the register-staged kernel issues four 32-bit local loads: K's B fragments from
 * 16-key x 16-dimension blocks as they are; V's transposed ({@link KernelContext#ldmatrixX4Trans}), since P V's B
 * fragment pairs two <i>keys</i> of one dimension while a staged int holds two dimensions of one key. Each
 * 8-row quarter reads eight 16-byte row segments {@code headdim / 2 + 4} ints apart, an odd multiple of 4 (the
 * padding's purpose), so the eight segments fall on distinct banks.
 *
 * <p>Sizes as {@link FlashAttentionBf16Kernel}: {@code headdim} a multiple of 16 up to 128, {@code keyTile} a
 * multiple of 16; int indices. Local memory: {@code 4 * stageInts} ints ({@link #localInts}).
 */
public final class FlashAttentionBf16AsyncKernel {
    private static final int GROUP = FlashAttentionBf16Kernel.GROUP;
    private static final int PAD = FlashAttentionBf16Kernel.PAD;

    private FlashAttentionBf16AsyncKernel() {
    }

    /** Ints of one buffer of one operand: {@code keyTile} rows of {@code headdim / 2 + PAD} ints. */
    public static int stageInts(int headdim, int keyTile) {
        return keyTile * (headdim / 2 + PAD);
    }

    /** Ints of local memory in all: two buffers each of K and V. */
    public static int localInts(int headdim, int keyTile) {
        return 4 * stageInts(headdim, keyTile);
    }

    /**
     * @param rows      batch * nheads
     * @param scaleLog2 softmax scale times log2(e) (positive)
     * @param stageInts {@link #stageInts} (local array sizes must be constants)
     */
    public static void flash(KernelContext ctx, BFloat16Array q, BFloat16Array k, BFloat16Array v, BFloat16Array out,
                             int seqlen, int rows, float scaleLog2, @Specialize int headdim, @Specialize int causal,
                             @Specialize int mTiles, @Specialize int keyTile, @Specialize int stageInts) {
        int[] kS = ctx.allocateIntLocalArray(2 * stageInts);
        int[] vS = ctx.allocateIntLocalArray(2 * stageInts);
        final int stride = headdim / 2 + PAD;
        final int queryTile = FlashAttentionBf16Kernel.WARPS * 16 * mTiles;

        int lid = ctx.localIdx;
        int lane = lid & 31;
        int g = lane >> 2;
        int t = lane & 3;
        int tiles = (seqlen + queryTile - 1) / queryTile;
        int qt = tiles - 1 - ctx.groupIdx / rows;    // heaviest (last) query tiles first
        int rowBase = (ctx.groupIdx % rows) * seqlen * headdim;
        int q0 = qt * queryTile + (lid >> 5) * 16 * mTiles; // this warp's first query

        int keyEnd = causal != 0 ? Math.min(seqlen, (qt + 1) * queryTile) : seqlen;
        int keyTiles = (keyEnd + keyTile - 1) / keyTile;
        // the first tile's copies go out before Q's loads: both are in flight together
        stage(ctx, kS, vS, 0, k, v, rowBase, 0, seqlen, lid, headdim, keyTile, stride);
        ctx.asyncCopyCommit();

        int[] qf = new int[mTiles * (headdim / 16) * 4];
        FlashAttentionBf16Steps.loadQ(q, qf, rowBase, q0, seqlen, headdim, mTiles, g, t);
        float[] o = new float[mTiles * (headdim / 8) * 4];
        float[] rowMax = new float[mTiles * 2];
        float[] rowSum = new float[mTiles * 2];
        FlashAttentionBf16Steps.initState(rowMax, rowSum, o, headdim, mTiles);
        float[] s = new float[mTiles * (keyTile / 8) * 4];
        int[] pf = new int[mTiles * (keyTile / 16) * 4];

        for (int kt = 0; kt < keyTiles; kt++) {
            int k0 = kt * keyTile;
            int cur = (kt & 1) * stageInts;
            ctx.asyncCopyWait(0);
            ctx.localBarrier();
            if (kt + 1 < keyTiles) {
                stage(ctx, kS, vS, stageInts - cur, k, v, rowBase, k0 + keyTile, seqlen, lid, headdim, keyTile, stride);
                ctx.asyncCopyCommit();
            }
            scores(ctx, qf, kS, cur, stride, s, headdim, keyTile, mTiles);
            // masking: only where some key of the tile lies after one of the warp's queries, or past seqlen
            if ((causal != 0 && k0 + keyTile - 1 > q0) || k0 + keyTile > seqlen) {
                FlashAttentionBf16Steps.mask(s, k0, q0, seqlen, causal, keyTile, mTiles, g, t);
            }
            FlashAttentionBf16Steps.softmaxToP(ctx, s, rowMax, rowSum, o, pf, scaleLog2, headdim, keyTile, mTiles);
            accumulatePv(ctx, pf, vS, cur, stride, o, headdim, keyTile, mTiles);
        }
        FlashAttentionBf16Steps.store(ctx, out, o, rowSum, rowBase, q0, seqlen, headdim, mTiles, g, t);
    }

    /**
     * Starts the copies of keys {@code k0 .. k0 + keyTile - 1} of K and V into the buffers at {@code at}
     * ({@code kS/vS[at + key * stride + pair]}); keys past seqlen are zero-filled at once.
     */
    static void stage(KernelContext ctx, int[] kS, int[] vS, int at, BFloat16Array k, BFloat16Array v, int rowBase, int k0,
                      int seqlen, int lid, int headdim, int keyTile, int stride) {
        int chunksPerKey = headdim / 8;
        int chunks = keyTile * chunksPerKey;
        for (int it = 0; it < (chunks + GROUP - 1) / GROUP; it++) {
            int c = it * GROUP + lid;
            if (chunks % GROUP == 0 || c < chunks) {
                int key = c / chunksPerKey;
                int dst = at + key * stride + 4 * (c % chunksPerKey);
                if (k0 + key < seqlen) {
                    int src = rowBase + (k0 + key) * headdim + 8 * (c % chunksPerKey);
                    ctx.asyncCopy16(kS, dst, k, src);
                    ctx.asyncCopy16(vS, dst, v, src);
                } else {
                    for (int i = 0; i < 4; i++) {
                        kS[dst + i] = 0;
                        vS[dst + i] = 0;
                    }
                }
            }
        }
    }

    /**
     * S = Q K^T for the K tile at {@code kAt}: per pair of key n-tiles and k-step, one {@code ldmatrixX4} of the
     * 16 keys x 16 dimensions block gives b0 of both n-tiles, then b1 of both; each feeds every m-tile.
     */
    static void scores(KernelContext ctx, int[] qf, int[] kS, int kAt, int stride, float[] s, int headdim, int keyTile,
                       int mTiles) {
        int kSteps = headdim / 16;
        int keyNTiles = keyTile / 8;
        for (int i = 0; i < mTiles * keyNTiles * 4; i++) {
            s[i] = 0f;
        }
        int[] kb = new int[4];
        for (int np = 0; np < keyNTiles / 2; np++) {
            for (int ks = 0; ks < kSteps; ks++) {
                ctx.ldmatrixX4(kS, kAt + np * 16 * stride + ks * 8, stride, kb, 0);
                for (int mt = 0; mt < mTiles; mt++) {
                    int f = (mt * kSteps + ks) * 4;
                    int acc = (mt * keyNTiles + 2 * np) * 4;
                    ctx.mmaBf16Frag(qf[f], qf[f + 1], qf[f + 2], qf[f + 3], kb[0], kb[2], s, acc);
                    ctx.mmaBf16Frag(qf[f], qf[f + 1], qf[f + 2], qf[f + 3], kb[1], kb[3], s, acc + 4);
                }
            }
        }
    }

    /**
     * O += P V for the V tile at {@code vAt}: per pair of dimension n-tiles and k-step (16 keys), one
     * {@code ldmatrixX4Trans} of the 16 keys x 16 dimensions block gives b0, b1 of the first n-tile, then of the
     * second (the transposition pairs two keys of one dimension in a register, as the B fragment wants).
     */
    static void accumulatePv(KernelContext ctx, int[] pf, int[] vS, int vAt, int stride, float[] o, int headdim, int keyTile,
                             int mTiles) {
        int pvSteps = keyTile / 16;
        int dimNTiles = headdim / 8;
        int[] vb = new int[4];
        for (int dp = 0; dp < dimNTiles / 2; dp++) {
            for (int j = 0; j < pvSteps; j++) {
                ctx.ldmatrixX4Trans(vS, vAt + j * 16 * stride + dp * 8, stride, vb, 0);
                for (int mt = 0; mt < mTiles; mt++) {
                    int f = (mt * pvSteps + j) * 4;
                    int acc = (mt * dimNTiles + 2 * dp) * 4;
                    ctx.mmaBf16Frag(pf[f], pf[f + 1], pf[f + 2], pf[f + 3], vb[0], vb[1], o, acc);
                    ctx.mmaBf16Frag(pf[f], pf[f + 1], pf[f + 2], pf[f + 3], vb[2], vb[3], o, acc + 4);
                }
            }
        }
    }
}
