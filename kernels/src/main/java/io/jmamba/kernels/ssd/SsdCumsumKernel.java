package io.jmamba.kernels.ssd;

import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelContext;

/**
 * Phase 1 of the SSD scan ({@link SsdKernels#chunkCumsum}'s outputs, the same layouts) with one
 * work-group of {@link #GROUP} items per (batch, chunk, head): item t takes tokens 2t and 2t+1, and
 * the prefix sum of dt * A runs as a block scan (warp scans, then the warp totals through local
 * memory) instead of a 256-step walk per work-item. Why: the walk leaves only batch * nchunks * heads
 * work-items (6144 at 64K tokens) each waiting on a chain of dependent loads and adds; here every
 * token has its own lane, and the dtOut / dACumsum stores of a warp are 64 consecutive floats.
 *
 * <p>The dt loads of one group are {@code heads} floats apart; the groups of the other heads of the
 * same chunk (adjacent group ids) read the rest of those sectors, so they come from L2.
 * Sums are in a different order than the sequential walk's (both are float; the tests bound both
 * against float64 references).
 *
 * <p>Launch: 1-D, local size {@link #GROUP}, batch * nchunks * heads work-groups; chunk at most
 * {@link #TOKENS_PER_ITEM} * {@link #GROUP}.
 */
public final class SsdCumsumKernel {
    private SsdCumsumKernel() {
    }

    /** Work-items per group (8 warps). */
    public static final int GROUP = 256;
    /** Consecutive tokens per work-item. */
    public static final int TOKENS_PER_ITEM = 2;
    static final int WARPS = GROUP / KernelContext.WARP_SIZE;

    /** dtOut = processed dt, dACumsum = inclusive prefix sum of dt * A within the chunk (see {@link SsdKernels}). */
    public static void chunkCumsum(KernelContext ctx, FloatArray dt, FloatArray dtBias, FloatArray A, FloatArray dtOut,
                                   FloatArray dACumsum, int batch, int seqlen, int heads, int chunk, int nchunks,
                                   boolean hasDtBias, boolean dtSoftplus, boolean clampDt, float dtMin, float dtMax) {
        float[] warpTotals = ctx.allocateFloatLocalArray(WARPS);
        int lid = ctx.localIdx;
        int i = ctx.groupIdx;
        int h = i % heads;
        int c = (i / heads) % nchunks;
        int b = i / (heads * nchunks);
        float a = A.get(h);
        float bias = 0f;
        if (hasDtBias) {
            bias = dtBias.get(h);
        }
        int l0 = lid * TOKENS_PER_ITEM;
        float d0 = processedDt(dt, l0, b, c, h, seqlen, heads, chunk, bias, dtSoftplus, clampDt, dtMin, dtMax);
        float d1 = processedDt(dt, l0 + 1, b, c, h, seqlen, heads, chunk, bias, dtSoftplus, clampDt, dtMin, dtMax);
        scanAndStore(ctx, warpTotals, dtOut, dACumsum, a, d0, d1, lid, l0, (((long) b * heads + h) * nchunks + c) * chunk, chunk);
    }

    /** {@link #chunkCumsum} with dt in bf16 (mamba_ssm's bf16 path); the outputs stay fp32. */
    public static void chunkCumsumBf16(KernelContext ctx, BFloat16Array dt, FloatArray dtBias, FloatArray A, FloatArray dtOut,
                                   FloatArray dACumsum, int batch, int seqlen, int heads, int chunk, int nchunks,
                                   boolean hasDtBias, boolean dtSoftplus, boolean clampDt, float dtMin, float dtMax) {
        float[] warpTotals = ctx.allocateFloatLocalArray(WARPS);
        int lid = ctx.localIdx;
        int i = ctx.groupIdx;
        int h = i % heads;
        int c = (i / heads) % nchunks;
        int b = i / (heads * nchunks);
        float a = A.get(h);
        float bias = 0f;
        if (hasDtBias) {
            bias = dtBias.get(h);
        }
        int l0 = lid * TOKENS_PER_ITEM;
        float d0 = processedDtBf16(dt, l0, b, c, h, seqlen, heads, chunk, bias, dtSoftplus, clampDt, dtMin, dtMax);
        float d1 = processedDtBf16(dt, l0 + 1, b, c, h, seqlen, heads, chunk, bias, dtSoftplus, clampDt, dtMin, dtMax);
        scanAndStore(ctx, warpTotals, dtOut, dACumsum, a, d0, d1, lid, l0, (((long) b * heads + h) * nchunks + c) * chunk, chunk);
    }

    /** dt + bias, softplus, clamp for token l of chunk c; 0 past the chunk or the sequence. */
    static float processedDt(FloatArray dt, int l, int b, int c, int h, int seqlen, int heads, int chunk, float bias,
                             boolean dtSoftplus, boolean clampDt, float dtMin, float dtMax) {
        int t = c * chunk + l;
        float d = 0f;
        if (l < chunk && t < seqlen) {
            d = finishedDt(dt.get(((long) b * seqlen + t) * heads + h) + bias, dtSoftplus, clampDt, dtMin, dtMax);
        }
        return d;
    }

    /** {@link #processedDt} reading bf16 dt. */
    static float processedDtBf16(BFloat16Array dt, int l, int b, int c, int h, int seqlen, int heads, int chunk, float bias,
                                 boolean dtSoftplus, boolean clampDt, float dtMin, float dtMax) {
        int t = c * chunk + l;
        float d = 0f;
        if (l < chunk && t < seqlen) {
            d = finishedDt(dt.get(((long) b * seqlen + t) * heads + h) + bias, dtSoftplus, clampDt, dtMin, dtMax);
        }
        return d;
    }

    /** softplus and clamp of dt + bias, as flagged. */
    static float finishedDt(float d, boolean dtSoftplus, boolean clampDt, float dtMin, float dtMax) {
        if (dtSoftplus) {
            d = SsdKernels.softplus(d);
        }
        if (clampDt) {
            d = Math.min(Math.max(d, dtMin), dtMax);
        }
        return d;
    }

    /**
     * The block scan of both chunk-cumsum kernels: item {@code lid}'s two steps {@code d0 * a}, {@code d1 * a}
     * are summed by a warp scan, the warps' totals meet in {@code warpTotals} (local, {@link #WARPS} floats),
     * and tokens {@code l0}, {@code l0 + 1} of the chunk starting at {@code base} get dt and the inclusive sum.
     * Every item of the group reaches the warp operations (OpenCL and the JVM make them group barriers).
     */
    static void scanAndStore(KernelContext ctx, float[] warpTotals, FloatArray dtOut, FloatArray dACumsum, float a,
                             float d0, float d1, int lid, int l0, long base, int chunk) {
        float first = d0 * a;
        float pair = first + d1 * a;
        float incl = ctx.warpInclusiveScanSum(pair);
        float left = ctx.shuffleUp(incl, 1);
        int warp = lid / KernelContext.WARP_SIZE;
        int lane = ctx.laneId();
        if (lane == KernelContext.WARP_SIZE - 1) {
            warpTotals[warp] = incl;
        }
        ctx.localBarrier();
        float before = 0f; // the sum over the earlier lanes of this warp, then over the earlier warps
        if (lane > 0) {
            before = left;
        }
        for (int w = 0; w < warp; w++) {
            before += warpTotals[w];
        }
        if (l0 < chunk) {
            dtOut.set(base + l0, d0);
            dACumsum.set(base + l0, before + first);
        }
        if (l0 + 1 < chunk) {
            dtOut.set(base + l0 + 1, d1);
            dACumsum.set(base + l0 + 1, before + pair);
        }
    }
}
