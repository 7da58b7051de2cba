package io.jmamba.kernels.attention;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.KernelMath;
import io.jmamba.runtime.api.Specialize;

/**
 * Flash-style attention with key/value tiles in work-group local memory. A work-group of
 * {@code queryTile} items handles {@code queryTile} consecutive queries of one (batch, head) row
 * ({@code groupIdx} = query tile, {@code groupIdy} = row); the group loads {@code keyTile} keys and
 * values at a time into local memory, so each is read from global memory once per query tile
 * instead of once per query. Online softmax as in {@link CausalAttentionKernels#flash}.
 * Launch: global {@code (ceil(seqlen / queryTile) * queryTile, rows)}, local {@code (queryTile, 1)};
 * {@code tileFloats = keyTile * headdim}.
 */
public final class FlashAttentionTiledKernel {
    private FlashAttentionTiledKernel() {
    }

    public static void flashTiled(KernelContext ctx, FloatArray q, FloatArray k, FloatArray v, FloatArray out,
                                  int seqlen, float scale, @Specialize int headdim, @Specialize int causal,
                                  @Specialize int queryTile, @Specialize int keyTile, @Specialize int tileFloats) {
        float[] kTile = ctx.allocateFloatLocalArray(tileFloats);
        float[] vTile = ctx.allocateFloatLocalArray(tileFloats);
        float[] qi = new float[headdim];
        float[] acc = new float[headdim];
        int lid = ctx.localIdx;
        int i = ctx.groupIdx * queryTile + lid;
        boolean active = i < seqlen;
        long base = (long) ctx.groupIdy * seqlen * headdim;
        for (int d = 0; d < headdim; d++) {
            qi[d] = active ? q.get(base + (long) i * headdim + d) * scale : 0f;
            acc[d] = 0f;
        }
        float max = CausalAttentionKernels.NEG_LARGE;
        float sum = 0f;
        int lastQuery = Math.min(ctx.groupIdx * queryTile + queryTile, seqlen) - 1;
        int keyEnd = causal != 0 ? lastQuery + 1 : seqlen;
        for (int k0 = 0; k0 < keyEnd; k0 += keyTile) {
            int kCount = Math.min(keyTile, keyEnd - k0);
            long tileBase = base + (long) k0 * headdim;
            for (int e = lid; e < kCount * headdim; e += queryTile) {
                kTile[e] = k.get(tileBase + e);
                vTile[e] = v.get(tileBase + e);
            }
            ctx.localBarrier();
            if (active) {
                int jEnd = causal != 0 ? Math.min(kCount, i - k0 + 1) : kCount;
                for (int jj = 0; jj < jEnd; jj++) {
                    float s = 0f;
                    for (int d = 0; d < headdim; d++) {
                        s += qi[d] * kTile[jj * headdim + d];
                    }
                    float p;
                    if (s > max) {
                        float correction = KernelMath.exp(max - s);
                        sum *= correction;
                        for (int d = 0; d < headdim; d++) {
                            acc[d] *= correction;
                        }
                        max = s;
                        p = 1f;
                    } else {
                        p = KernelMath.exp(s - max);
                    }
                    sum += p;
                    for (int d = 0; d < headdim; d++) {
                        acc[d] += p * vTile[jj * headdim + d];
                    }
                }
            }
            // nobody may overwrite the tile while another item still reads it
            ctx.localBarrier();
        }
        if (active) {
            float inv = 1f / sum;
            for (int d = 0; d < headdim; d++) {
                out.set(base + (long) i * headdim + d, acc[d] * inv);
            }
        }
    }
}
