package io.jmamba.kernels.scan;

import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.LaunchBounds;
import io.jmamba.runtime.api.Specialize;

/**
 * Passes 1 and 3 of the bf16 TILED16 scan with asynchronous copies into landing buffers that each work-item widens
 * into the fp32 tiles of {@link ScanTile} ({@link WidenScanTile}), then the TILED16 recurrences themselves
 * ({@link ScanTile#statesTile}, {@link ScanTile#outputsTile}) run on those tiles. Against a first form that ran the
 * recurrences on the raw bf16 tiles (double-buffered, one barrier per tile, removed in session 6: H100 64K 1.52 ms and
 * 1M 21.6 against 1.43-1.50 and 20.2-20.4 here) it keeps TILED16's inner loops, one 8-byte local load and no integer
 * unpacking per (token, state), for one more barrier per tile and a widening step (about 100 instructions per
 * work-item and tile against the 500 unpacking instructions it saves in pass 3). The default bf16 staging
 * ({@code -Djmamba.scan.async=off}: through registers).
 *
 * <p><b>Pipeline</b> (pass 3; pass 1 the same without z, y and the last barrier):
 * <pre>
 *   barrier; copy rows and states of tile 0 -> landing; commit; load A, bias, D, start state
 *   for tile t:  wait_group 0; barrier A     // own landing chunks of tile t arrived; all are done with tile t - 1's
 *                                            // fp32 tiles, y and z
 *                widen own chunks -> fp32 tiles
 *                copy z of tile t -> landing z; commit          // group 1
 *                copy rows and states of tile t + 1 -> landing; commit  // group 2: into chunks this item just widened
 *                barrier B                   // fp32 tiles complete
 *                TILED16 recurrence (y into the u tile)
 *                wait_group 1; barrier C     // z of tile t arrived (group 2 may still be in flight); y complete
 *                store y silu(z)
 * </pre>
 * Tile t + 1's rows and states, and tile t's z, are in flight during tile t's recurrence. Three barriers per tile in
 * pass 3 and two in pass 1, as TILED16.
 *
 * <p><b>Local memory</b> (dstate 16): TILED16's tiles (pass 1 5.5 KiB, pass 3 6.4 KiB) plus single landing buffers:
 * delta, u (and z) 1 KiB each, B (and C) 512 B: pass 1 7.9 KiB, pass 3 10.4 KiB, about 20 work-groups per H100
 * multiprocessor (with the 1 KiB per block the runtime reserves), the occupancy the host's chunking assumes
 * ({@link SelectiveScan#ASYNC_TARGET_WORK_ITEMS}); launch bounds (32, 20) for both passes.
 */
public final class SelectiveScanAsyncWidenKernels {
    private static final int ROWS = ScanTile.ROWS;
    private static final int TOKENS = ScanTile.TOKENS;

    private SelectiveScanAsyncWidenKernels() {
    }

    /** Pass 1, bf16: {@link SelectiveScanTiled16Kernels#chunkStatesBf16} with asynchronously landed, widened tiles. */
    @LaunchBounds(maxThreads = ROWS, minBlocksPerMultiprocessor = 20)
    public static void chunkStatesBf16(KernelContext ctx, BFloat16Array u, BFloat16Array delta, FloatArray a,
                                       BFloat16Array b, FloatArray deltaBias, FloatArray chunkState, FloatArray chunkDtSum,
                                       int batch, int dim, int seqlen, int groups, int chunkLen, int nChunks, int flags,
                                       @Specialize int dstate) {
        float[] deltaL = ctx.allocateFloatLocalArray(ROWS * ScanTile.PADDED);
        float[] uL = ctx.allocateFloatLocalArray(ROWS * ScanTile.PADDED);
        long[] bL = ctx.allocateLongLocalArray(TOKENS * ((dstate + 1) / 2 + 1)); // TOKENS * ScanTile.pairStride(dstate)
        int[] deltaRaw = ctx.allocateIntLocalArray(WidenScanTile.ROWS_INTS);
        int[] uRaw = ctx.allocateIntLocalArray(WidenScanTile.ROWS_INTS);
        int[] bRaw = ctx.allocateIntLocalArray(dstate * WidenScanTile.ROW_INTS);
        float[] h = new float[dstate];
        float[] a2Row = new float[dstate];
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
            // every work-item is done with the previous work item's fp32 tiles
            ctx.localBarrier();
            WidenScanTile.landRows(ctx, deltaRaw, delta, row0, liveRows, seqlen, t0, t1, lid);
            WidenScanTile.landRows(ctx, uRaw, u, row0, liveRows, seqlen, t0, t1, lid);
            WidenScanTile.landStatePairs(ctx, bRaw, b, bBase, seqlen, t0, t1, lid, dstate);
            ctx.asyncCopyCommit();
            int mine = lid < liveRows ? lid : 0;
            ScanTile.loadA2(a, (segment % groups) * channelsPerGroup + j0 + mine, a2Row, dstate);
            float bias = (flags & SelectiveScanKernels.HAS_DELTA_BIAS) != 0
                    ? deltaBias.get((segment % groups) * channelsPerGroup + j0 + mine) : 0f;
            for (int n = 0; n < dstate; n++) {
                h[n] = 0f;
            }
            float dtSum = 0f;
            for (int tt = t0; tt < t1; tt += TOKENS) {
                ctx.asyncCopyWait(0);
                ctx.localBarrier();
                WidenScanTile.widenRows(deltaRaw, deltaL, liveRows, tt, t1, lid);
                WidenScanTile.widenRows(uRaw, uL, liveRows, tt, t1, lid);
                WidenScanTile.widenStatePairs(bRaw, bL, tt, t1, lid, dstate);
                int next = tt + TOKENS;
                if (next < t1) {
                    WidenScanTile.landRows(ctx, deltaRaw, delta, row0, liveRows, seqlen, next, t1, lid);
                    WidenScanTile.landRows(ctx, uRaw, u, row0, liveRows, seqlen, next, t1, lid);
                    WidenScanTile.landStatePairs(ctx, bRaw, b, bBase, seqlen, next, t1, lid, dstate);
                    ctx.asyncCopyCommit();
                }
                ctx.localBarrier();
                dtSum += ScanTile.statesTile(deltaL, uL, bL, h, a2Row, lid * ScanTile.PADDED, Math.min(TOKENS, t1 - tt),
                        bias, flags, dstate);
            }
            if (lid < liveRows) {
                SelectiveScanTiled16Kernels.writeChunkEnd(chunkState, chunkDtSum, h, dtSum, chunk * (long) batch * dim + row0 + lid,
                        dstate);
            }
        }
    }

    /** Pass 3, bf16: {@link SelectiveScanTiled16Kernels#chunkOutputsBf16} with asynchronously landed, widened tiles. */
    @LaunchBounds(maxThreads = ROWS, minBlocksPerMultiprocessor = 20)
    public static void chunkOutputsBf16(KernelContext ctx, BFloat16Array u, BFloat16Array delta, FloatArray a,
                                        BFloat16Array b, BFloat16Array c, FloatArray dSkip, BFloat16Array z,
                                        FloatArray deltaBias, FloatArray chunkState, FloatArray initialState,
                                        FloatArray lastState, BFloat16Array out,
                                        int batch, int dim, int seqlen, int groups, int chunkLen, int nChunks, int flags,
                                        @Specialize int dstate) {
        float[] deltaL = ctx.allocateFloatLocalArray(ROWS * ScanTile.PADDED);
        float[] uL = ctx.allocateFloatLocalArray(ROWS * ScanTile.PADDED);
        long[] bcL = ctx.allocateLongLocalArray(TOKENS * (dstate + 1));
        int[] deltaRaw = ctx.allocateIntLocalArray(WidenScanTile.ROWS_INTS);
        int[] uRaw = ctx.allocateIntLocalArray(WidenScanTile.ROWS_INTS);
        int[] zRaw = ctx.allocateIntLocalArray(WidenScanTile.ROWS_INTS);
        int[] bRaw = ctx.allocateIntLocalArray(dstate * WidenScanTile.ROW_INTS);
        int[] cRaw = ctx.allocateIntLocalArray(dstate * WidenScanTile.ROW_INTS);
        float[] h = new float[dstate];
        float[] a2Row = new float[dstate];
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
            // every work-item is done with the previous work item's tiles, y and z
            ctx.localBarrier();
            WidenScanTile.landRows(ctx, deltaRaw, delta, row0, liveRows, seqlen, t0, t1, lid);
            WidenScanTile.landRows(ctx, uRaw, u, row0, liveRows, seqlen, t0, t1, lid);
            WidenScanTile.landStates(ctx, bRaw, cRaw, b, c, bcBase, seqlen, t0, t1, lid, dstate);
            ctx.asyncCopyCommit();
            int mine = lid < liveRows ? lid : 0;
            int d = (segment % groups) * channelsPerGroup + j0 + mine;
            ScanTile.loadA2(a, d, a2Row, dstate);
            float bias = (flags & SelectiveScanKernels.HAS_DELTA_BIAS) != 0 ? deltaBias.get(d) : 0f;
            float skip = (flags & SelectiveScanKernels.HAS_D) != 0 ? dSkip.get(d) : 0f;
            long row = row0 + mine;
            SelectiveScanTiled16Kernels.readChunkStart(chunkState, initialState, h, chunk * (long) batch * dim + row, row, flags,
                    dstate);
            for (int tt = t0; tt < t1; tt += TOKENS) {
                ctx.asyncCopyWait(0);
                ctx.localBarrier();
                WidenScanTile.widenRows(deltaRaw, deltaL, liveRows, tt, t1, lid);
                WidenScanTile.widenRows(uRaw, uL, liveRows, tt, t1, lid);
                WidenScanTile.widenStates(bRaw, cRaw, bcL, tt, t1, lid, dstate);
                if (gated) {
                    WidenScanTile.landRows(ctx, zRaw, z, row0, liveRows, seqlen, tt, t1, lid);
                }
                ctx.asyncCopyCommit();
                int next = tt + TOKENS;
                if (next < t1) {
                    WidenScanTile.landRows(ctx, deltaRaw, delta, row0, liveRows, seqlen, next, t1, lid);
                    WidenScanTile.landRows(ctx, uRaw, u, row0, liveRows, seqlen, next, t1, lid);
                    WidenScanTile.landStates(ctx, bRaw, cRaw, b, c, bcBase, seqlen, next, t1, lid, dstate);
                }
                // always a second group (empty on the last tile), so that wait_group 1 below means "z has landed"
                ctx.asyncCopyCommit();
                ctx.localBarrier();
                ScanTile.outputsTile(deltaL, uL, bcL, h, a2Row, lid * ScanTile.PADDED, Math.min(TOKENS, t1 - tt),
                        bias, skip, flags, dstate);
                ctx.asyncCopyWait(1);
                ctx.localBarrier();
                WidenScanTile.storeRows(uL, zRaw, out, row0, liveRows, seqlen, tt, t1, lid, gated);
            }
            if ((flags & SelectiveScanKernels.SINGLE_CHUNK) != 0 && lid < liveRows) {
                for (int n = 0; n < dstate; n++) {
                    lastState.set(row * dstate + n, h[n]);
                }
            }
        }
    }
}
