package io.jmamba.kernels.ssd;

import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.KernelMath;
import io.jmamba.runtime.api.LaunchBounds;
import io.jmamba.runtime.api.Specialize;

import static io.jmamba.kernels.ssd.SsdFragAsyncKernels.STRIDE;
import static io.jmamba.kernels.ssd.SsdTensorKernels.GROUP;
import static io.jmamba.kernels.ssd.SsdTensorKernels.MAX_CHUNK;
import static io.jmamba.kernels.ssd.SsdTensorKernels.NT;
import static io.jmamba.kernels.ssd.SsdTensorKernels.SLICE;
import static io.jmamba.kernels.ssd.SsdTensorKernels.STATE_GROUPS_PER_SM;
import static io.jmamba.kernels.ssd.SsdTensorKernels.TILE;

/**
 * The chunk states of the bf16 SSD ({@link SsdBf16StateKernels#chunkStateBf16}: same work split, math, launch
 * and output) with x and B staged by asynchronous copies ({@link KernelContext#asyncCopy16}) into two buffers and
 * both MMA operands read by {@link KernelContext#ldmatrixX4Trans}, as the chunk scan of
 * {@link SsdFragAsyncKernels}. Selected with it by {@link SsdScanBf16.AsyncStaging} or
 * {@code -Djmamba.ssd.bf16.async=true} (or {@code =state} alone).
 *
 * <p>Why: chunkStateBf16 (410 us of the 1.51 ms at 64K tokens on the H100) loads 32 bf16 pairs per item and
 * slice into registers, weights, transposes and packs them, and stores them as longs, one slice ahead; here
 * the copies bypass registers, and each warp weights its own A fragments after the ldmatrix instead (every
 * element of the x tile belongs to one warp's rows, so nothing is weighted twice; the product rounds w_l x to
 * bf16 as before).
 *
 * <p><b>Stage</b> (per buffer): the slice's 64 tokens of x (rows l, 32 pairs along p) and of B (rows l, 32 pairs
 * along n), each {@link SsdFragAsyncKernels#STRIDE} (36) ints apart, as in the global layouts ({@link #stageSlice};
 * one loop for both tiles. {@code SsdFragAsyncKernels.stageTokenRows} called once per tile instead lost, on PoCL 3.1,
 * the copies made inside the slice loop: clang kept the twice-called helper out of line with its local pointer
 * replaced by {@code stage} itself, and PoCL redirects {@code stage} to the work-group's memory in the kernel
 * function only. Since the OpenCL JIT inlines functions whose local pointer is the same kernel array at every call
 * ({@code FixedLocalPointers}) that shape passes SsdBf16Test on PoCL too; this one is kept as the timed one). The contraction index is the token, the rows of both tiles, so
 * {@code ldmatrixX4Trans} gives both operands: for A (16 channels p x 16 tokens of warp w's rows) registers 0..3
 * are a0, a2, a1, a3; for B (16 tokens x 16 state columns) b0, b1 of one n8 tile, then of the next. The token
 * weights w_l = exp(dA_last - dA_l) dt_l of the whole chunk (0 past the sequence) are computed once per
 * work-group into local memory.
 *
 * <p><b>Pipeline</b> as {@link SsdFragAsyncKernels}: slice 0's copies and commit, the weights (plain stores),
 * then per slice wait_group 0, one barrier, the next slice's copies into the other buffer and commit, and the
 * products. Local memory 2 x 2 x 64 x 36 ints and the weights (38 KB; 5 groups per multiprocessor fit).
 */
public final class SsdStateAsyncKernels {
    private SsdStateAsyncKernels() {
    }

    /** Ints of one buffer: the x tile, then the B tile. */
    static final int STAGE_INTS = 2 * TILE * STRIDE;

    /**
     * states[b,c,h] as {@link SsdBf16StateKernels#chunkStateBf16} (same arguments, same launch: 1-D, local size
     * {@link SsdTensorKernels#GROUP}, {@link SsdTensorKernels#groups}[0] work-groups), with the stage and
     * pipeline of the class comment. The shape parameters are specialised (one compiled kernel per model shape), so
     * that the tile index's divisions become multiplications.
     */
    @LaunchBounds(maxThreads = GROUP, minBlocksPerMultiprocessor = STATE_GROUPS_PER_SM)
    public static void chunkStateAsync(KernelContext ctx, BFloat16Array x, BFloat16Array B, FloatArray dtOut,
                                       FloatArray dACumsum, BFloat16Array states, int batch, int seqlen,
                                       @Specialize int heads, @Specialize int headdim, @Specialize int groups,
                                       @Specialize int dstate, @Specialize int chunk, int nchunks) {
        int[] stage = ctx.allocateIntLocalArray(2 * STAGE_INTS); // x and B tiles, two buffers
        float[] wl = ctx.allocateFloatLocalArray(MAX_CHUNK); // token weights of the chunk
        float[] acc = new float[NT * 4];
        int[] ldm = new int[4];
        int[] bf = new int[4];
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
        long row0 = (long) b * seqlen + (long) c * chunk;
        int pLeft = headdim - p0;
        int nLeft = dstate - n0;
        int slices = (len + SLICE - 1) / SLICE;

        stageSlice(ctx, stage, 0, x, B, 0, row0, h, g, p0, n0, len, heads, headdim, groups, dstate);
        ctx.asyncCopyCommit();
        // the weights of every token the 16-steps read (0 past the sequence), published by slice 0's barrier
        float last = dACumsum.get(cs + len - 1);
        for (int l = lid; l < slices * SLICE; l += GROUP) {
            wl[l] = l < len ? KernelMath.exp(last - dACumsum.get(cs + l)) * dtOut.get(cs + l) : 0f;
        }

        for (int sl = 0; sl < slices; sl++) {
            int buf = (sl & 1) * STAGE_INTS;
            ctx.asyncCopyWait(0);
            ctx.localBarrier();
            if (sl + 1 < slices) { // uniform: the next slice's copies into the other buffer
                stageSlice(ctx, stage, STAGE_INTS - buf, x, B, sl + 1, row0, h, g, p0, n0, len, heads, headdim, groups,
                        dstate);
                ctx.asyncCopyCommit();
            }
            int k0 = sl * SLICE;
            int kEnd = Math.min(SLICE, len - k0);
            for (int q = 0; q < SsdFragKernels.STEPS; q++) {
                if (16 * q < kEnd) { // uniform over the group
                    // A: channels 16 warp.. (x columns) x tokens 16 q.. (x rows), transposed; tokens l, l + 1
                    // in a0 and a1 (rows gq, gq + 8), l + 8, l + 9 in a2 and a3
                    ctx.ldmatrixX4Trans(stage, buf + 16 * q * STRIDE + 8 * warp, STRIDE, ldm, 0);
                    int l = k0 + 16 * q + 2 * t;
                    float w0 = wl[l];
                    float w1 = wl[l + 1];
                    float w8 = wl[l + 8];
                    float w9 = wl[l + 9];
                    int a0 = weighted(ldm[0], w0, w1);
                    int a1 = weighted(ldm[2], w0, w1);
                    int a2 = weighted(ldm[1], w8, w9);
                    int a3 = weighted(ldm[3], w8, w9);
                    // all eight n8 tiles, also past nLeft (stale B columns only reach accumulator columns not stored)
                    for (int np = 0; np < NT / 2; np++) {
                        ctx.ldmatrixX4Trans(stage, buf + TILE * STRIDE + 16 * q * STRIDE + 8 * np, STRIDE, bf, 0);
                        for (int jj = 0; jj < 2; jj++) {
                            ctx.mmaBf16Frag(a0, a1, a2, a3, bf[2 * jj], bf[2 * jj + 1], acc, 4 * (2 * np + jj));
                        }
                    }
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
     * Starts the copies of slice {@code sl}'s x and B tiles into the buffer at {@code at}: token rows the 16-steps
     * read (clamped to the sequence), column chunk {@code lid % 8} of rows {@code lid / 8 + 16 e}, columns below
     * headdim (x) and dstate (B) only.
     */
    static void stageSlice(KernelContext ctx, int[] stage, int at, BFloat16Array x, BFloat16Array B, int sl, long row0, int h,
                           int g, int p0, int n0, int len, int heads, int headdim, int groups, int dstate) {
        int k0 = sl * SLICE;
        int rows = (Math.min(SLICE, len - k0) + 15) / 16 * 16;
        int row = ctx.localIdx / SsdFragAsyncKernels.ROW_CHUNKS;
        int col = ctx.localIdx % SsdFragAsyncKernels.ROW_CHUNKS;
        long xFirst = (row0 * heads + h) * headdim + p0 + 8 * col;
        long bFirst = (row0 * groups + g) * dstate + n0 + 8 * col;
        for (int e = 0; e < SsdFragAsyncKernels.COPIES; e++) {
            int r = row + (GROUP / SsdFragAsyncKernels.ROW_CHUNKS) * e;
            long token = Math.min(k0 + r, len - 1);
            int d = at + r * STRIDE + 4 * col;
            if (r < rows && 8 * col < headdim - p0) {
                ctx.asyncCopy16(stage, d, x, xFirst + token * (heads * headdim));
            }
            if (r < rows && 8 * col < dstate - n0) {
                ctx.asyncCopy16(stage, d + TILE * STRIDE, B, bFirst + token * (groups * dstate));
            }
        }
    }

    /** The bf16 pair {@code v} (two tokens of one channel) times the tokens' weights, rounded to a bf16 pair. */
    static int weighted(int v, float w0, float w1) {
        return KernelMath.packBf16x2(KernelMath.bf16x2Lo(v) * w0, KernelMath.bf16x2Hi(v) * w1);
    }
}
