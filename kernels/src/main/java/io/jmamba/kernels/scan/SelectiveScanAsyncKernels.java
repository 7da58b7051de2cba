package io.jmamba.kernels.scan;

import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.LaunchBounds;
import io.jmamba.runtime.api.Specialize;

/**
 * Passes 1 and 3 of the bf16 TILED16 scan ({@link SelectiveScanTiled16Kernels#chunkStatesBf16},
 * {@link SelectiveScanTiled16Kernels#chunkOutputsBf16}: same work split, launch, carry pass and arithmetic) with the
 * 16-token tiles staged by asynchronous copies ({@link KernelContext#asyncCopy16}, CUDA {@code cp.async}) into double
 * buffers, so that tile t + 1's loads are in flight while the work-items run the recurrence over tile t. Nsight
 * Compute put 64% of pass 3's stalls on load latency (L1TEX scoreboard) with one tile staged, then computed, at a
 * time: here no load waits on the compute and no register holds staged data. Opt in with
 * {@code -Djmamba.scan.async=raw} (or {@code true}; {@link SelectiveScan#ASYNC_PROPERTY}, {@link SelectiveScan.AsyncStaging#RAW});
 * the tiles are {@link AsyncScanTile}'s (raw bf16, two tokens per int). The price of reading raw tiles: two integer
 * unpacking instructions per (token, state) in pass 3's inner loop (one in pass 1), which
 * {@link SelectiveScanAsyncWidenKernels} avoids.
 *
 * <p><b>Pipeline</b> (per work-item and (row block, chunk) work item, one commit group per tile):
 * <pre>
 *   barrier                                   // the previous work item is done with every buffer
 *   copy tile 0 -> buffer 0; commit; load A, bias, D, the start state (overlapping tile 0's copies)
 *   for tile t:  wait_group 0; barrier        // tile t landed for every item; all are done with tile t - 1
 *                copy tile t + 1 -> buffer (t + 1) % 2; commit    // tile t - 1's buffer: safe after the barrier
 *                recurrence over buffer t % 2
 *                pass 3 only: barrier; store y (from the y tile) times silu(z) (z from buffer t % 2)
 * </pre>
 * Pass 1 has one barrier per tile (the TILED16 kernel two), pass 3 two (TILED16 three): the y tile is single-buffered,
 * and the next iteration's first barrier keeps its next writes (and the next copies into z's buffer) behind every
 * work-item's stores.
 *
 * <p><b>Local memory</b> (dstate 16): pass 1 two buffers each of delta and u (1 KiB each) and B (512 B): 5 KiB, less
 * than TILED16's 5.3 KiB (bf16 staged raw, not widened); pass 3 adds C and z buffers and the fp32 y tile (2.1 KiB):
 * 10.1 KiB against 6.3 KiB, so about 20 work-groups fit an H100 multiprocessor's 228 KiB (with the 1 KiB per block
 * the runtime reserves) instead of TILED16's 28. Both passes ask for 20 per multiprocessor (up to 96 registers): the
 * host sizes chunks for three whole waves at 20 ({@link SelectiveScan#ASYNC_TARGET_WORK_ITEMS}), and pass 1, whose
 * local memory would allow more, would at 24 run them as two full waves and a half-empty one. ptxas 13.0 (sm_90, the
 * project's flags, dstate 16; run here on the generated C, not on the H100): pass 1 91 registers (78 at 24 blocks),
 * pass 3 96, neither spills (pass 3 also fits 72 without spills at 28; pass 1 at 28 spills 12/4 bytes, TILED16's
 * bf16 twins 24/16 and 12/4 at 72). {@code -Djmamba.cuda.launchBounds.<Class>.<method>} and
 * {@code -Djmamba.scan.async.pairs} override them.
 */
public final class SelectiveScanAsyncKernels {
    private static final int ROWS = ScanTile.ROWS;
    private static final int TOKENS = ScanTile.TOKENS;
    private static final int ROWS_INTS = AsyncScanTile.ROWS_INTS;

    private SelectiveScanAsyncKernels() {
    }

    /** Pass 1, bf16: {@link SelectiveScanTiled16Kernels#chunkStatesBf16} with double-buffered asynchronous staging. */
    @LaunchBounds(maxThreads = ROWS, minBlocksPerMultiprocessor = 20)
    public static void chunkStatesBf16(KernelContext ctx, BFloat16Array u, BFloat16Array delta, FloatArray a,
                                       BFloat16Array b, FloatArray deltaBias, FloatArray chunkState, FloatArray chunkDtSum,
                                       int batch, int dim, int seqlen, int groups, int chunkLen, int nChunks, int flags,
                                       @Specialize int dstate) {
        int[] deltaS = ctx.allocateIntLocalArray(2 * ROWS_INTS);
        int[] uS = ctx.allocateIntLocalArray(2 * ROWS_INTS);
        int[] bS = ctx.allocateIntLocalArray(2 * dstate * AsyncScanTile.ROW_INTS);
        float[] h = new float[dstate];
        float[] a2Row = new float[dstate];
        int statesInts = dstate * AsyncScanTile.ROW_INTS;
        int lid = ctx.localIdx;
        int channelsPerGroup = dim / groups;
        int blocksPerSegment = (channelsPerGroup + ROWS - 1) / ROWS;
        int segments = batch * groups;
        int work = segments * blocksPerSegment * nChunks;
        int groupCount = ctx.globalGroupSizeX / ctx.localGroupSizeX;
        for (int w = ctx.groupIdx; w < work; w += groupCount) {
            int block = w % blocksPerSegment;
            int segment = (w / blocksPerSegment) % segments;
            int chunk = w / blocksPerSegment / segments;
            int j0 = block * ROWS;
            int liveRows = Math.min(ROWS, channelsPerGroup - j0);
            long row0 = (long) segment * channelsPerGroup + j0;
            long bBase = (long) segment * dstate * seqlen;
            int t0 = chunk * chunkLen;
            int t1 = Math.min(t0 + chunkLen, seqlen);
            // every work-item is done with the previous work item's buffers before tile 0 is copied over them
            ctx.localBarrier();
            AsyncScanTile.stageRows(ctx, deltaS, 0, delta, row0, liveRows, seqlen, t0, t1, lid);
            AsyncScanTile.stageRows(ctx, uS, 0, u, row0, liveRows, seqlen, t0, t1, lid);
            AsyncScanTile.stageStates(ctx, bS, bS, 0, b, b, false, bBase, seqlen, t0, t1, lid, dstate);
            ctx.asyncCopyCommit();
            int mine = lid < liveRows ? lid : 0;
            ScanTile.loadA2(a, (segment % groups) * channelsPerGroup + j0 + mine, a2Row, dstate);
            float bias = (flags & SelectiveScanKernels.HAS_DELTA_BIAS) != 0
                    ? deltaBias.get((segment % groups) * channelsPerGroup + j0 + mine) : 0f;
            for (int n = 0; n < dstate; n++) {
                h[n] = 0f;
            }
            float dtSum = 0f;
            int buf = 0;
            for (int tt = t0; tt < t1; tt += TOKENS) {
                ctx.asyncCopyWait(0);
                ctx.localBarrier();
                int next = tt + TOKENS;
                if (next < t1) {
                    AsyncScanTile.stageRows(ctx, deltaS, (1 - buf) * ROWS_INTS, delta, row0, liveRows, seqlen, next, t1, lid);
                    AsyncScanTile.stageRows(ctx, uS, (1 - buf) * ROWS_INTS, u, row0, liveRows, seqlen, next, t1, lid);
                    AsyncScanTile.stageStates(ctx, bS, bS, (1 - buf) * statesInts, b, b, false, bBase, seqlen, next, t1, lid,
                            dstate);
                    ctx.asyncCopyCommit();
                }
                dtSum += AsyncScanTile.statesTile(deltaS, uS, buf * ROWS_INTS, bS, buf * statesInts, h, a2Row, lid,
                        Math.min(TOKENS, t1 - tt), bias, flags, dstate);
                buf = 1 - buf;
            }
            if (lid < liveRows) {
                SelectiveScanTiled16Kernels.writeChunkEnd(chunkState, chunkDtSum, h, dtSum, chunk * (long) batch * dim + row0 + lid,
                        dstate);
            }
        }
    }

    /** Pass 3, bf16: {@link SelectiveScanTiled16Kernels#chunkOutputsBf16} with double-buffered asynchronous staging. */
    @LaunchBounds(maxThreads = ROWS, minBlocksPerMultiprocessor = 20)
    public static void chunkOutputsBf16(KernelContext ctx, BFloat16Array u, BFloat16Array delta, FloatArray a,
                                        BFloat16Array b, BFloat16Array c, FloatArray dSkip, BFloat16Array z,
                                        FloatArray deltaBias, FloatArray chunkState, FloatArray initialState,
                                        FloatArray lastState, BFloat16Array out,
                                        int batch, int dim, int seqlen, int groups, int chunkLen, int nChunks, int flags,
                                        @Specialize int dstate) {
        int[] deltaS = ctx.allocateIntLocalArray(2 * ROWS_INTS);
        int[] uS = ctx.allocateIntLocalArray(2 * ROWS_INTS);
        int[] zS = ctx.allocateIntLocalArray(2 * ROWS_INTS);
        int[] bS = ctx.allocateIntLocalArray(2 * dstate * AsyncScanTile.ROW_INTS);
        int[] cS = ctx.allocateIntLocalArray(2 * dstate * AsyncScanTile.ROW_INTS);
        float[] yL = ctx.allocateFloatLocalArray(ROWS * ScanTile.PADDED);
        float[] h = new float[dstate];
        float[] a2Row = new float[dstate];
        int statesInts = dstate * AsyncScanTile.ROW_INTS;
        int lid = ctx.localIdx;
        int channelsPerGroup = dim / groups;
        int blocksPerSegment = (channelsPerGroup + ROWS - 1) / ROWS;
        int segments = batch * groups;
        int work = segments * blocksPerSegment * nChunks;
        int groupCount = ctx.globalGroupSizeX / ctx.localGroupSizeX;
        boolean gated = (flags & SelectiveScanKernels.HAS_Z) != 0;
        for (int w = ctx.groupIdx; w < work; w += groupCount) {
            int block = w % blocksPerSegment;
            int segment = (w / blocksPerSegment) % segments;
            int chunk = w / blocksPerSegment / segments;
            int j0 = block * ROWS;
            int liveRows = Math.min(ROWS, channelsPerGroup - j0);
            long row0 = (long) segment * channelsPerGroup + j0;
            long bcBase = (long) segment * dstate * seqlen;
            int t0 = chunk * chunkLen;
            int t1 = Math.min(t0 + chunkLen, seqlen);
            // every work-item is done with the previous work item's buffers (z's and y's stores included)
            ctx.localBarrier();
            AsyncScanTile.stageRows(ctx, deltaS, 0, delta, row0, liveRows, seqlen, t0, t1, lid);
            AsyncScanTile.stageRows(ctx, uS, 0, u, row0, liveRows, seqlen, t0, t1, lid);
            if (gated) {
                AsyncScanTile.stageRows(ctx, zS, 0, z, row0, liveRows, seqlen, t0, t1, lid);
            }
            AsyncScanTile.stageStates(ctx, bS, cS, 0, b, c, true, bcBase, seqlen, t0, t1, lid, dstate);
            ctx.asyncCopyCommit();
            int mine = lid < liveRows ? lid : 0;
            int d = (segment % groups) * channelsPerGroup + j0 + mine;
            ScanTile.loadA2(a, d, a2Row, dstate);
            float bias = (flags & SelectiveScanKernels.HAS_DELTA_BIAS) != 0 ? deltaBias.get(d) : 0f;
            float skip = (flags & SelectiveScanKernels.HAS_D) != 0 ? dSkip.get(d) : 0f;
            long row = row0 + mine;
            SelectiveScanTiled16Kernels.readChunkStart(chunkState, initialState, h, chunk * (long) batch * dim + row, row, flags,
                    dstate);
            int buf = 0;
            for (int tt = t0; tt < t1; tt += TOKENS) {
                ctx.asyncCopyWait(0);
                ctx.localBarrier();
                int next = tt + TOKENS;
                int other = (1 - buf) * ROWS_INTS;
                if (next < t1) {
                    AsyncScanTile.stageRows(ctx, deltaS, other, delta, row0, liveRows, seqlen, next, t1, lid);
                    AsyncScanTile.stageRows(ctx, uS, other, u, row0, liveRows, seqlen, next, t1, lid);
                    if (gated) {
                        AsyncScanTile.stageRows(ctx, zS, other, z, row0, liveRows, seqlen, next, t1, lid);
                    }
                    AsyncScanTile.stageStates(ctx, bS, cS, (1 - buf) * statesInts, b, c, true, bcBase, seqlen, next, t1, lid,
                            dstate);
                    ctx.asyncCopyCommit();
                }
                AsyncScanTile.outputsTile(deltaS, uS, buf * ROWS_INTS, bS, cS, buf * statesInts, yL, h, a2Row, lid,
                        Math.min(TOKENS, t1 - tt), bias, skip, flags, dstate);
                // the y tile is complete before anyone stores it
                ctx.localBarrier();
                AsyncScanTile.storeRows(yL, zS, buf * ROWS_INTS, out, row0, liveRows, seqlen, tt, t1, lid, gated);
                buf = 1 - buf;
            }
            if ((flags & SelectiveScanKernels.SINGLE_CHUNK) != 0 && lid < liveRows) {
                for (int n = 0; n < dstate; n++) {
                    lastState.set(row * dstate + n, h[n]);
                }
            }
        }
    }
}
