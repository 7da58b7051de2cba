package io.jmamba.kernels.ssd;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.KernelMath;
import io.jmamba.runtime.api.LaunchBounds;
import io.jmamba.runtime.api.Specialize;

import static io.jmamba.kernels.ssd.SsdTensorKernels.GROUP;
import static io.jmamba.kernels.ssd.SsdTensorKernels.MAX_CHUNK;
import static io.jmamba.kernels.ssd.SsdTensorKernels.NT;
import static io.jmamba.kernels.ssd.SsdTensorKernels.TILE;

/**
 * The chunk states of the fp32 SSD ({@link SsdWideKernels#chunkState}: same arguments, math and output) on tensor
 * cores, with 3xTF32 split products so that the result stays within the fp32 fixtures' tolerance.
 *
 * <p>Why: the FFMA chunkState takes about 892 us of the fp32 SSD's 4.7 ms at 64K tokens on the H100, at about
 * 15 TFLOP/s. A single TF32 product keeps 11 significant bits per operand, far from the fp32 fixtures' 1e-4; the three
 * products of {@link Tf32Split} keep about 18. (The 3xTF32 SSD removed in session 3, SsdTf32Kernels, was slower than the
 * FFMA kernels in total; its chunk state staged through registers and kept the three products in a rolled run-time
 * loop. This one has the asynchronous stage, specialisation and unrolled accumulators of the bf16 kernels: 690 against
 * 892 us at 64K in session 9 with the split by rounding, 517 with {@link Tf32Split}'s truncation and passes.)
 *
 * <p>Work split and launch as {@link SsdStateAsyncKernels#chunkStateAsync}: one work-group of
 * {@link SsdTensorKernels#GROUP} items per 64 x 64 tile of states[b,c,h] (rows p, columns n); warp w owns rows
 * 16w..16w+15 and all eight n8 accumulators. The product is A = (w_l x[l,p])^T times B[l,n], m16n8k8, contraction
 * over the token l, with the token weights w_l = exp(dA_last - dA_l) dt_l (0 past the sequence) computed once per
 * work-group into local memory.
 *
 * <p><b>Stage</b> (per buffer): the slice's {@link #SLICE} tokens of x (rows l, 64 floats along p) and of B (rows l,
 * 64 floats along n), in their global layouts, rows {@link #STRIDE} = 72 floats apart. The contraction index is the
 * row, so a fragment element (k = t or t + 4, column g) is one 4-byte local load; with 72 = 8 mod 32 lane (g, t) hits
 * bank 8t + g, distinct over the warp. Rows past the sequence copy its last token's (finite, weight 0); columns past
 * headdim or dstate are not copied (stale values reach only accumulator rows or columns that are not stored).
 *
 * <p><b>Pipeline</b> as {@link SsdStateAsyncKernels}: slice 0's copies ({@link KernelContext#asyncCopy16}) and
 * commit, the weights, then per slice wait_group 0, one barrier, the next slice's copies into the other buffer and
 * commit, and the products. Local memory 2 x 2 x 32 x 72 floats and the weights (38 KB).
 */
public final class SsdTf32StateKernels {
    private SsdTf32StateKernels() {
    }

    /** Tokens (contraction steps) per staged slice: four k8 steps; two buffers of both tiles fit in 48 KB. */
    static final int SLICE = 32;
    /** k8 steps per slice. */
    static final int STEPS = SLICE / 8;
    /** Floats between staged rows: 64 and 8 of padding (72 = 8 mod 32 banks, 16-byte aligned rows). */
    static final int STRIDE = TILE + 8;
    /** Floats of one staged tile. */
    static final int TILE_FLOATS = SLICE * STRIDE;
    /** Floats of one buffer: the x tile, then the B tile. */
    static final int STAGE_FLOATS = 2 * TILE_FLOATS;
    /** 16-byte copies per staged row. */
    static final int ROW_CHUNKS = TILE / 4;
    /** Rows one pass of the work-group copies. */
    static final int PASS_ROWS = GROUP / ROW_CHUNKS;
    /**
     * Launch bounds: 5 work-groups per multiprocessor (5 x 38 KB of local memory; 85 registers either way). H100, run 56,
     * two rounds at 64K: 2.070 / 2.041 ms for the SSD against 2.099 / 2.084 at 4.
     */
    static final int GROUPS_PER_SM = 5;

    /**
     * Whether {@link #chunkState} handles {@code cfg}: headdim and dstate multiples of 8 (4 would do for the 16-byte
     * copies' alignment; 8 lets an n8 tile's stores be guarded as a whole), the chunk a multiple of {@link #SLICE}
     * within {@link SsdConfig#MAX_CHUNK} (the weights array holds whole slices of the longest chunk), and the heads
     * a multiple of the groups.
     */
    public static boolean supports(SsdConfig cfg) {
        return cfg.headdim() % 8 == 0 && cfg.dstate() % 8 == 0 && cfg.chunkSize() % SLICE == 0
                && cfg.chunkSize() <= MAX_CHUNK && cfg.heads() % cfg.groups() == 0;
    }

    /**
     * states[b,c,h] as {@link SsdWideKernels#chunkState} (same arguments; launch: 1-D, local size
     * {@link SsdTensorKernels#GROUP}, {@link SsdTensorKernels#groups}[0] work-groups), with the stage, pipeline and
     * split of the class comment. The shape parameters are specialised (one compiled kernel per model shape), so that
     * the tile index's divisions become multiplications.
     */
    @LaunchBounds(maxThreads = GROUP, minBlocksPerMultiprocessor = GROUPS_PER_SM)
    public static void chunkState(KernelContext ctx, FloatArray x, FloatArray B, FloatArray dtOut, FloatArray dACumsum,
                                  FloatArray states, int batch, int seqlen, @Specialize int heads,
                                  @Specialize int headdim, @Specialize int groups, @Specialize int dstate,
                                  @Specialize int chunk, int nchunks) {
        float[] stage = ctx.allocateFloatLocalArray(2 * STAGE_FLOATS); // x and B tiles, two buffers
        float[] wl = ctx.allocateFloatLocalArray(MAX_CHUNK); // token weights of the chunk
        float[] acc = new float[NT * 4];
        float[] bv = new float[2 * NT]; // the B fragments of a k8 step's n8 tiles
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
        // the weights of every token the k8 steps read (0 past the sequence), published by slice 0's barrier
        float last = dACumsum.get(cs + len - 1);
        for (int l = lid; l < slices * SLICE; l += GROUP) {
            wl[l] = l < len ? KernelMath.exp(last - dACumsum.get(cs + l)) * dtOut.get(cs + l) : 0f;
        }

        int xCol = 16 * warp + gq;
        for (int sl = 0; sl < slices; sl++) {
            int buf = (sl & 1) * STAGE_FLOATS;
            ctx.asyncCopyWait(0);
            ctx.localBarrier();
            if (sl + 1 < slices) { // uniform: the next slice's copies into the other buffer
                stageSlice(ctx, stage, STAGE_FLOATS - buf, x, B, sl + 1, row0, h, g, p0, n0, len, heads, headdim, groups,
                        dstate);
                ctx.asyncCopyCommit();
            }
            int k0 = sl * SLICE;
            int kEnd = Math.min(SLICE, len - k0);
            for (int q = 0; q < STEPS; q++) {
                if (8 * q < kEnd) { // uniform over the group
                    int r0 = buf + (8 * q + t) * STRIDE; // staged row of token k0 + 8q + t; + 4 rows for t + 4
                    int r4 = r0 + 4 * STRIDE;
                    float w0 = wl[k0 + 8 * q + t];
                    float w4 = wl[k0 + 8 * q + t + 4];
                    float a0 = w0 * stage[r0 + xCol];
                    float a1 = w0 * stage[r0 + xCol + 8];
                    float a2 = w4 * stage[r4 + xCol];
                    float a3 = w4 * stage[r4 + xCol + 8];
                    float l0 = Tf32Split.low(a0);
                    float l1 = Tf32Split.low(a1);
                    float l2 = Tf32Split.low(a2);
                    float l3 = Tf32Split.low(a3);
                    // all eight n8 tiles, also past nLeft (stale B columns only reach accumulator columns not stored)
                    for (int j = 0; j < NT; j++) {
                        bv[2 * j] = stage[r0 + TILE_FLOATS + 8 * j + gq];
                        bv[2 * j + 1] = stage[r4 + TILE_FLOATS + 8 * j + gq];
                    }
                    Tf32Split.mma3(ctx, a0, a1, a2, a3, l0, l1, l2, l3, bv, acc);
                }
            }
        }
        long outA = ((long) i * headdim + p0 + xCol) * dstate + n0 + 2 * t;
        long outB = outA + 8L * dstate;
        for (int j = 0; j < NT; j++) {
            if (8 * j < nLeft) {
                if (xCol < pLeft) {
                    states.set(outA + 8 * j, acc[4 * j]);
                    states.set(outA + 8 * j + 1, acc[4 * j + 1]);
                }
                if (xCol + 8 < pLeft) {
                    states.set(outB + 8 * j, acc[4 * j + 2]);
                    states.set(outB + 8 * j + 1, acc[4 * j + 3]);
                }
            }
        }
    }

    /**
     * Starts the copies of slice {@code sl}'s x and B tiles into the buffer at {@code at}: the token rows the k8 steps
     * read (clamped to the sequence), 16-byte chunk {@code lid % 16} of rows {@code lid / 16 + 8 e}, columns below
     * headdim (x) and dstate (B) only. One loop for both tiles, as {@link SsdStateAsyncKernels#stageSlice} (why there).
     */
    static void stageSlice(KernelContext ctx, float[] stage, int at, FloatArray x, FloatArray B, int sl, long row0, int h,
                           int g, int p0, int n0, int len, int heads, int headdim, int groups, int dstate) {
        int k0 = sl * SLICE;
        int rows = (Math.min(SLICE, len - k0) + 7) / 8 * 8;
        int row = ctx.localIdx / ROW_CHUNKS;
        int col = ctx.localIdx % ROW_CHUNKS;
        long xFirst = (row0 * heads + h) * headdim + p0 + 4 * col;
        long bFirst = (row0 * groups + g) * dstate + n0 + 4 * col;
        for (int e = 0; e < SLICE / PASS_ROWS; e++) {
            int r = row + PASS_ROWS * e;
            long token = Math.min(k0 + r, len - 1);
            int d = at + r * STRIDE + 4 * col;
            if (r < rows && 4 * col < headdim - p0) {
                ctx.asyncCopy16(stage, d, x, xFirst + token * (heads * headdim));
            }
            if (r < rows && 4 * col < dstate - n0) {
                ctx.asyncCopy16(stage, d + TILE_FLOATS, B, bFirst + token * (groups * dstate));
            }
        }
    }
}
