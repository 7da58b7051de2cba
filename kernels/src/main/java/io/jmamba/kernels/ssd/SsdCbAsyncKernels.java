package io.jmamba.kernels.ssd;

import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.LaunchBounds;
import io.jmamba.runtime.api.Specialize;

import static io.jmamba.kernels.ssd.SsdTensorKernels.GROUP;
import static io.jmamba.kernels.ssd.SsdTensorKernels.NT;
import static io.jmamba.kernels.ssd.SsdTensorKernels.TILE;

/**
 * C B^T of the bf16 SSD ({@link SsdFragKernels#chunkCbFrag}: same output, arguments and launch) with both 64-row
 * operand tiles staged whole by asynchronous copies ({@link KernelContext#asyncCopy16}) and read as fragments by
 * {@link KernelContext#ldmatrixX4}: one copy phase, one barrier, then all of the contraction over the state index.
 *
 * <p>Why: chunkCbFrag loads every operand pair from global memory into registers, 4 bytes per lane and
 * instruction, and each of its four warps loads the whole B tile (ncu at 64K on the H100: 71.6 us of the SSD's
 * ~0.88 ms, session 8). Here a 16-byte copy per item and row chunk fills the group's tiles once.
 *
 * <p><b>Stage</b>: C (64 rows l of the tile) then B (64 rows s), each row its {@code dstate} bf16 values in the global
 * order, {@link #STRIDE} = dstate / 2 + 4 ints apart (an odd multiple of 4 for dstate = 128: the eight rows of an
 * ldmatrix quarter fall on distinct banks). Rows past the sequence are zeros, stored directly, so that their products
 * are 0 as chunkCbFrag's selects make them. C's rows are the A fragments as {@code ldmatrixX4} reads them; B's rows
 * are the columns of the MMA's B, so {@code ldmatrixX4} at rows 16 np.. gives b0 of n8 tiles 2 np and 2 np + 1, then
 * b1 of both.
 *
 * <p>Takes dstate up to {@link #MAX_DSTATE} ({@link SsdScanBf16} uses chunkCbFrag above it).
 */
public final class SsdCbAsyncKernels {
    private SsdCbAsyncKernels() {
    }

    /** Largest dstate staged (two 64-row tiles of 68 ints: 34 KB of local memory). */
    public static final int MAX_DSTATE = 128;
    /** Ints between staged rows at the largest dstate. */
    static final int MAX_STRIDE = MAX_DSTATE / 2 + 4;

    /**
     * cbFrag as {@link SsdFragKernels#chunkCbFrag} writes it (1-D launch, local size {@link SsdTensorKernels#GROUP},
     * {@link SsdTensorKernels#groups}[1] work-groups; tiles above the diagonal or past the sequence write nothing).
     */
    @LaunchBounds(maxThreads = GROUP, minBlocksPerMultiprocessor = 6)
    public static void chunkCbAsync(KernelContext ctx, BFloat16Array C, BFloat16Array B, FloatArray cbFrag, int batch,
                                    int seqlen, @Specialize int groups, @Specialize int dstate, @Specialize int chunk,
                                    int nchunks) {
        int[] stage = ctx.allocateIntLocalArray(2 * TILE * MAX_STRIDE); // C rows, then B rows
        float[] acc = new float[NT * 4];
        int[] a = new int[4];
        int[] ldm = new int[4];
        int lid = ctx.localIdx;
        int lane = ctx.laneId();
        int warp = lid / KernelContext.WARP_SIZE;
        int tilesQ = chunk / TILE;
        int grp = ctx.groupIdx;
        int s0 = (grp % tilesQ) * TILE;
        int l0 = ((grp / tilesQ) % tilesQ) * TILE;
        int i = grp / (tilesQ * tilesQ);
        int g = i % groups;
        int c = (i / groups) % nchunks;
        int b = i / (groups * nchunks);
        int len = Math.min(chunk, seqlen - c * chunk);
        if (s0 <= l0 && l0 < len) { // uniform over the group
            int stride = dstate / 2 + 4;
            int rowStep = groups * dstate;
            long base = ((long) b * seqlen + (long) c * chunk) * rowStep + (long) g * dstate;
            int chunks = dstate / 8; // 16-byte copies per row
            for (int e = lid; e < TILE * chunks; e += GROUP) {
                int r = e / chunks;
                int k = 8 * (e % chunks);
                int at = r * stride + k / 2;
                stageRow(ctx, stage, at, C, base + (long) (l0 + r) * rowStep + k, l0 + r < len);
                stageRow(ctx, stage, TILE * stride + at, B, base + (long) (s0 + r) * rowStep + k, s0 + r < len);
            }
            ctx.asyncCopyCommit();
            ctx.asyncCopyWait(0);
            ctx.localBarrier();
            for (int q = 0; q < dstate / 16; q++) {
                ctx.ldmatrixX4(stage, 16 * warp * stride + 8 * q, stride, a, 0);
                for (int np = 0; np < NT / 2; np++) {
                    // rows s of n8 tiles 2 np, 2 np + 1: b0 of both, then b1 of both
                    ctx.ldmatrixX4(stage, TILE * stride + 16 * np * stride + 8 * q, stride, ldm, 0);
                    for (int jj = 0; jj < 2; jj++) {
                        ctx.mmaBf16Frag(a[0], a[1], a[2], a[3], ldm[jj], ldm[jj + 2], acc, 8 * np + 4 * jj);
                    }
                }
            }
            SsdFragKernels.storeFragments(cbFrag, acc, SsdFragKernels.fragTile(i, chunk, l0 / 16 + warp, s0 / 16) + lane);
        }
    }

    /** One 16-byte row chunk: copied asynchronously from {@code src[from..]} when {@code inSequence}, else zeros. */
    static void stageRow(KernelContext ctx, int[] stage, int at, BFloat16Array src, long from, boolean inSequence) {
        if (inSequence) {
            ctx.asyncCopy16(stage, at, src, from);
        } else {
            stage[at] = 0;
            stage[at + 1] = 0;
            stage[at + 2] = 0;
            stage[at + 3] = 0;
        }
    }
}
