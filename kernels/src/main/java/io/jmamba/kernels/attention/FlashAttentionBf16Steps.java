package io.jmamba.kernels.attention;

import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.KernelMath;

/**
 * The register-fragment steps of bf16 flash attention that do not touch the K/V stage, one device function each,
 * in the fragment layouts of {@link KernelContext#mmaBf16Frag} (lane = 4 g + t): Q fragments, the causal /
 * seqlen mask, the online softmax that turns S into P's A fragments, and the final O / sum store. The math and
 * the array layouts are those of {@link FlashAttentionBf16Kernel} (see its class comment);
 * {@link FlashAttentionBf16AsyncKernel} is built from these steps. Every size argument is a {@code @Specialize}
 * value at the call, so each step is compiled for constant sizes, its loops unroll and every private array is
 * indexed by constants (registers once the device compiler inlines the step).
 */
final class FlashAttentionBf16Steps {
    private FlashAttentionBf16Steps() {
    }

    /** Q fragments for the whole kernel, {@code qf[(mt * kSteps + ks) * 4 + a]}; queries past seqlen load as zeros. */
    static void loadQ(BFloat16Array q, int[] qf, int rowBase, int q0, int seqlen, int headdim, int mTiles, int g, int t) {
        int kSteps = headdim / 16;
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
    }

    /** Running max (raw score units) at its floor, sums and O at zero. */
    static void initState(float[] rowMax, float[] rowSum, float[] o, int headdim, int mTiles) {
        for (int i = 0; i < mTiles * 2; i++) {
            rowMax[i] = CausalAttentionKernels.NEG_LARGE;
            rowSum[i] = 0f;
        }
        for (int i = 0; i < mTiles * (headdim / 8) * 4; i++) {
            o[i] = 0f;
        }
    }

    /** Keys after the query (causal) or past seqlen become -infinity. */
    static void mask(float[] s, int k0, int q0, int seqlen, int causal, int keyTile, int mTiles, int g, int t) {
        int keyNTiles = keyTile / 8;
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

    /**
     * Online softmax in base 2 over the tile's scores (rows g and g + 8 of each m-tile; the max reduced over the
     * quad, the sum a per-lane partial), O rescaled, and P packed into the A fragments of O += P V:
     * {@code pf[(mt * pvSteps + j) * 4 + a]}, S n-tiles 2j and 2j + 1 being P V's k-step j.
     */
    static void softmaxToP(KernelContext ctx, float[] s, float[] rowMax, float[] rowSum, float[] o, int[] pf,
                           float scaleLog2, int headdim, int keyTile, int mTiles) {
        int keyNTiles = keyTile / 8;
        int pvSteps = keyTile / 16;
        int dimNTiles = headdim / 8;
        for (int mt = 0; mt < mTiles; mt++) {
            for (int h = 0; h < 2; h++) {
                float m = rowMax[mt * 2 + h];
                for (int nt = 0; nt < keyNTiles; nt++) {
                    int e = (mt * keyNTiles + nt) * 4 + 2 * h;
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
    }

    /** O / row sum (sums reduced over the quad) stored as bf16 pairs, columns 2t, 2t + 1 of each n-tile. */
    static void store(KernelContext ctx, BFloat16Array out, float[] o, float[] rowSum, int rowBase, int q0, int seqlen,
                      int headdim, int mTiles, int g, int t) {
        int dimNTiles = headdim / 8;
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
}
