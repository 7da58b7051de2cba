package io.jmamba.kernels.ssd;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.LaunchBounds;
import io.jmamba.runtime.api.Specialize;

import static io.jmamba.kernels.ssd.SsdTensorKernels.GROUP;
import static io.jmamba.kernels.ssd.SsdTensorKernels.NT;
import static io.jmamba.kernels.ssd.SsdTensorKernels.TILE;
import static io.jmamba.kernels.ssd.SsdTf32ScanKernels.ROW_CHUNKS;
import static io.jmamba.kernels.ssd.SsdTf32ScanKernels.ROW_COPIES;
import static io.jmamba.kernels.ssd.SsdTf32ScanKernels.ROW_STRIDE;
import static io.jmamba.kernels.ssd.SsdTf32ScanKernels.SECOND_AT;
import static io.jmamba.kernels.ssd.SsdTf32ScanKernels.SLICE;

/**
 * C B^T of the fp32 SSD ({@link SsdWideKernels#chunkCb}: same arguments and output, each chunk's chunk x chunk matrix
 * with the products on and below the diagonal, zeros above it and past the sequence) on tensor cores in the three TF32
 * products of {@link Tf32Split}.
 *
 * <p>Why: the FFMA chunkCb took 118 of the 3xTF32 fp32 SSD's 2.05 ms at 64K tokens on the H100, for a fifteenth of the
 * chunk scan's products; this kernel takes 77 us (session 9, runs 55 and 59).
 *
 * <p>One work-group of 4 warps per 64 x 64 tile (rows l, columns s); the tiles on or below the diagonal and in the
 * sequence multiply, the others store zeros. Warp w owns rows 16w..16w+15. Both operands have the contraction index n
 * contiguous, so they are staged as they lie, in slices of 32 state columns and two buffers laid out as the chunk
 * scan's inter-chunk slices ({@link SsdTf32ScanKernels}): C's rows first (where the scan has the state's), B's at
 * {@code SECOND_AT} (where it has C's), rows 36 floats apart.
 */
public final class SsdTf32CbKernels {
    private SsdTf32CbKernels() {
    }

    /**
     * cb as {@link SsdWideKernels#chunkCb} writes it. Launch: 1-D, local size {@link SsdTensorKernels#GROUP},
     * {@link SsdTensorKernels#groups}[1] work-groups (every tile of every chunk); shapes as
     * {@link SsdTf32ScanKernels#supports}.
     */
    // 4 groups per multiprocessor: at 5 sm_90 ptxas spilled 128 bytes (96 registers; run 56)
    @LaunchBounds(maxThreads = GROUP, minBlocksPerMultiprocessor = 4)
    public static void chunkCb(KernelContext ctx, FloatArray C, FloatArray B, FloatArray cb, int batch, int seqlen,
                               @Specialize int groups, @Specialize int dstate, @Specialize int chunk, int nchunks) {
        float[] stage = ctx.allocateFloatLocalArray(2 * SsdTf32ScanKernels.STAGE_FLOATS);
        float[] acc = new float[NT * 4];
        float[] bv = new float[2 * NT]; // the B fragments of a k8 step's n8 tiles
        int lid = ctx.localIdx;
        int lane = ctx.laneId();
        int warp = lid / KernelContext.WARP_SIZE;
        int gq = lane / 4;
        int t = lane % 4;
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
            int rowStep = groups * dstate;
            long base = ((long) b * seqlen + (long) c * chunk) * rowStep + (long) g * dstate;
            int slices = (dstate + SLICE - 1) / SLICE;
            stageRows(ctx, stage, 0, C, B, 0, base, rowStep, l0, s0, len, dstate);
            ctx.asyncCopyCommit();
            for (int sl = 0; sl < slices; sl++) {
                int buf = (sl & 1) * SsdTf32ScanKernels.STAGE_FLOATS;
                ctx.asyncCopyWait(0);
                ctx.localBarrier();
                if (sl + 1 < slices) { // uniform: the next slice's copies into the other buffer
                    stageRows(ctx, stage, SsdTf32ScanKernels.STAGE_FLOATS - buf, C, B, (sl + 1) * SLICE, base, rowStep, l0,
                            s0, len, dstate);
                    ctx.asyncCopyCommit();
                }
                int kEnd = Math.min(SLICE, dstate - sl * SLICE);
                for (int q = 0; q < SLICE / 8; q++) {
                    if (8 * q < kEnd) { // uniform over the group
                        int at = buf + (16 * warp + gq) * ROW_STRIDE + 8 * q + t; // C: rows l, columns n
                        float a0 = stage[at];
                        float a1 = stage[at + 8 * ROW_STRIDE];
                        float a2 = stage[at + 4];
                        float a3 = stage[at + 8 * ROW_STRIDE + 4];
                        float lo0 = Tf32Split.low(a0);
                        float lo1 = Tf32Split.low(a1);
                        float lo2 = Tf32Split.low(a2);
                        float lo3 = Tf32Split.low(a3);
                        for (int j = 0; j < NT; j++) { // B rows s = 8j + g are the MMA's columns
                            int bt = buf + SECOND_AT + (8 * j + gq) * ROW_STRIDE + 8 * q + t;
                            bv[2 * j] = stage[bt];
                            bv[2 * j + 1] = stage[bt + 4];
                        }
                        Tf32Split.mma3(ctx, a0, a1, a2, a3, lo0, lo1, lo2, lo3, bv, acc);
                    }
                }
            }
        }
        // every tile, as SsdWideKernels.chunkCb: those above the diagonal or past the sequence are zeros
        int la = l0 + 16 * warp + gq;
        long rowA = ((((long) b * nchunks + c) * groups + g) * chunk + la) * chunk;
        for (int j = 0; j < NT; j++) {
            int s = s0 + 8 * j + 2 * t;
            store(cb, rowA + s, acc[4 * j], acc[4 * j + 1], s, la, len);
            store(cb, rowA + 8L * chunk + s, acc[4 * j + 2], acc[4 * j + 3], s, la + 8, len);
        }
    }

    /** cb[at], cb[at + 1] (row l, columns s, s + 1): the products on and below the diagonal, in the sequence; else 0. */
    static void store(FloatArray cb, long at, float v0, float v1, int s, int l, int len) {
        boolean row = l < len;
        cb.set(at, row && s <= l ? v0 : 0f);
        cb.set(at + 1, row && s + 1 <= l ? v1 : 0f);
    }

    /**
     * Starts the copies of state columns {@code k0..k0 + 31} of the tile's C rows (from {@code l0}) and, at
     * {@code SECOND_AT}, its B rows (from {@code s0}), both clamped to the sequence (rows past it are finite; their
     * products are not kept): item {@code lid} copies column chunk {@code lid % 8} of rows {@code lid / 8 + 16 e}.
     */
    static void stageRows(KernelContext ctx, float[] stage, int at, FloatArray C, FloatArray B, int k0, long base,
                          int rowStep, int l0, int s0, int len, int dstate) {
        int lid = ctx.localIdx;
        int row = lid / ROW_CHUNKS;
        int k = k0 + 4 * (lid % ROW_CHUNKS);
        int dst = at + row * ROW_STRIDE + 4 * (lid % ROW_CHUNKS);
        if (k < dstate) {
            for (int e = 0; e < ROW_COPIES; e++) {
                int r = row + (GROUP / ROW_CHUNKS) * e;
                int d = dst + (GROUP / ROW_CHUNKS) * ROW_STRIDE * e;
                ctx.asyncCopy16(stage, d, C, base + (long) Math.min(l0 + r, len - 1) * rowStep + k);
                ctx.asyncCopy16(stage, d + SECOND_AT, B, base + (long) Math.min(s0 + r, len - 1) * rowStep + k);
            }
        }
    }
}
