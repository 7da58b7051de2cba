package io.jmamba.kernels.scan;

import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.LaunchBounds;
import io.jmamba.runtime.api.Specialize;

/**
 * Passes 1 and 3 of the chunked selective scan laid out as {@link SelectiveScanTiledKernels} (a
 * work-group of 32 rows walks one chunk in staged tiles; pass 2 is
 * {@link SelectiveScanTiledKernels#carryStates}, whose chunk-major layout these kernels share), tuned
 * for occupancy, with fp32 and bf16 inputs. The TILED passes are latency-bound at about 16 resident
 * warps per H100 multiprocessor (12.5 KiB of local memory and 96 registers per one-warp work-group);
 * here:
 * <ul>
 *   <li>tiles of {@link ScanTile#TOKENS} = 16 tokens instead of 32: 6.3 KiB of local memory per
 *       work-group in pass 3 (5.3 KiB in pass 1), so local memory allows about 30 work-groups per
 *       multiprocessor instead of 16;</li>
 *   <li>{@link LaunchBounds}: 32 work-items and 28 work-groups per multiprocessor, which caps both passes
 *       at 72 registers (ptxas 13.0, sm_90, the project's flags: the fp32 kernels without spills, the
 *       bf16 twins with 24/16 (pass 1) and 12/4 (pass 3) bytes of spill stores/loads, none at minBlocks
 *       24 and 80 registers; unbounded they take 128; at 64, minBlocks 32, they spill). Resident warps
 *       rise from 16 to 28 per multiprocessor;</li>
 *   <li>B (pass 1: two states per 8-byte value) and B with C (pass 3: one state's pair) packed in
 *       {@code long} tiles, so that the inner loops issue one local load per two states (pass 1) or
 *       per state (pass 3) instead of one per value;</li>
 *   <li>B/C tiles padded to an odd number of 8-byte values per token, so that staging them is free of
 *       bank conflicts (the TILED tiles are written 16-way conflicted);</li>
 *   <li>softplus and the z gate from exp2Approx and rsqrt ({@link ScanMath#softplusApprox},
 *       {@link ScanMath#siluApprox}) instead of exp2f and an IEEE division.</li>
 * </ul>
 * <p>What bounds it then is latency, not the special-function units. Nsight Compute on the H100 (bf16, b1
 * d1536 n16; bench/results/h100/session4/ncu-scan-bf16-sections.txt at 16K tokens, 3072 work-groups, and
 * ncu-scan-bf16-times.txt): pass 1 (chunkStatesBf16) executes 2.1 instructions per multiprocessor clock with the issue slots
 * 51% busy, pass 3 (chunkOutputsBf16) 1.7 with 42% busy; the busiest pipeline of both is the FMA pipe (31% and
 * 25% of peak), so the special-function pipe is below that and not saturated. In pass 3 a warp waits 12.9
 * clocks between two issues, 8.3 of them (64%) on an L1TEX scoreboard dependency (its local- and global-memory
 * loads), with 22 of the 28 allowed warps resident (17.5 in pass 1; 28 is the 72-register limit), too few to
 * hide those loads. At 64K tokens ncu times pass 1 at 570 us and pass 3 at 1,132 us; the plan profiler
 * (scan-probe-and-attention-tiles.txt) gives 586 us, 77 us for the carry pass and 1,154 us
 * (1.82 ms of kernels; the bench times the whole scan at 1.94 ms).
 * An earlier version of this comment counted 17 and 19 special-function instructions per (row, token) and
 * called the units the limit (0.98 ms per pass at 64K, before any stall); pass 1 runs in 570 us, below that
 * "limit", so the estimate was wrong. Nor did halving the exponentials pay: the one-exponential layouts that scan across a
 * warp's lanes are slower ({@link SelectiveScan.Variant#WARP_SPLIT_ROLLED}: 2.70 ms at 64K against 1.94). The
 * way down is in pass 3's memory latency: fewer dependent local loads per state, the next tile's global
 * loads issued before the current tile's arithmetic, or more resident warps.
 *
 * <p>The bf16 twins read u, delta, B, C and z as bf16 and write out as bf16, with A, D, delta_bias, the
 * states and every computation in fp32, as mamba_ssm's bf16 selective_scan_fwd does; they share every
 * line of arithmetic with the fp32 kernels ({@link ScanTile}). The host picks the chunk count so that
 * there are several waves of work-groups (see {@link SelectiveScan#tiled16ChunkLength}).
 */
public final class SelectiveScanTiled16Kernels {
    /** R: rows, and work-items, per work-group. */
    public static final int ROWS = ScanTile.ROWS;
    /** T: tokens per tile. */
    public static final int TOKENS = ScanTile.TOKENS;
    /** Largest dstate taken (B and C tiles of 16 x 65 floats). */
    public static final int MAX_DSTATE = 64;

    private SelectiveScanTiled16Kernels() {
    }

    /** Pass 1, fp32: as {@link SelectiveScanTiledKernels#chunkStates}. */
    @LaunchBounds(maxThreads = ROWS, minBlocksPerMultiprocessor = 28)
    public static void chunkStates(KernelContext ctx, FloatArray u, FloatArray delta, FloatArray a, FloatArray b,
                                   FloatArray deltaBias, FloatArray chunkState, FloatArray chunkDtSum,
                                   int batch, int dim, int seqlen, int groups, int chunkLen, int nChunks, int flags,
                                   @Specialize int dstate) {
        float[] deltaL = ctx.allocateFloatLocalArray(ROWS * ScanTile.PADDED);
        float[] uL = ctx.allocateFloatLocalArray(ROWS * ScanTile.PADDED);
        long[] bL = ctx.allocateLongLocalArray(TOKENS * ((dstate + 1) / 2 + 1)); // TOKENS * ScanTile.pairStride(dstate)
        float[] h = new float[dstate];
        float[] a2Row = new float[dstate];
        int lid = ctx.localIdx;
        int channelsPerGroup = dim / groups;
        int blocksPerSegment = (channelsPerGroup + ROWS - 1) / ROWS;
        int segments = batch * groups;
        int work = segments * blocksPerSegment * nChunks;
        int groupCount = ctx.globalGroupSizeX / ctx.localGroupSizeX;
        for (int w = ctx.groupIdx; w < work; w += groupCount) {
            // w = (chunk, segment, block): consecutive groups take consecutive row blocks of one chunk
            int block = w % blocksPerSegment;
            int segment = (w / blocksPerSegment) % segments;
            int chunk = w / blocksPerSegment / segments;
            int j0 = block * ROWS;
            int liveRows = Math.min(ROWS, channelsPerGroup - j0);
            long row0 = (long) segment * channelsPerGroup + j0;
            int mine = lid < liveRows ? lid : 0;
            ScanTile.loadA2(a, (segment % groups) * channelsPerGroup + j0 + mine, a2Row, dstate);
            float bias = (flags & SelectiveScanKernels.HAS_DELTA_BIAS) != 0
                    ? deltaBias.get((segment % groups) * channelsPerGroup + j0 + mine) : 0f;
            for (int n = 0; n < dstate; n++) {
                h[n] = 0f;
            }
            int t0 = chunk * chunkLen;
            int t1 = Math.min(t0 + chunkLen, seqlen);
            float dtSum = 0f;
            for (int tt = t0; tt < t1; tt += TOKENS) {
                ScanTile.stageRows(delta, u, deltaL, uL, row0, liveRows, seqlen, tt, t1, lid);
                ScanTile.stageStatePairs(b, bL, (long) segment * dstate * seqlen, seqlen, tt, t1, lid, dstate);
                ctx.localBarrier();
                dtSum += ScanTile.statesTile(deltaL, uL, bL, h, a2Row, lid * ScanTile.PADDED, Math.min(TOKENS, t1 - tt),
                        bias, flags, dstate);
                // the next tile (or row block) overwrites the local arrays only after everyone has read them
                ctx.localBarrier();
            }
            if (lid < liveRows) {
                writeChunkEnd(chunkState, chunkDtSum, h, dtSum, chunk * (long) batch * dim + row0 + lid, dstate);
            }
        }
    }

    /** Pass 1, bf16 u, delta and B: {@link #chunkStates} with bf16 staging. */
    @LaunchBounds(maxThreads = ROWS, minBlocksPerMultiprocessor = 28)
    public static void chunkStatesBf16(KernelContext ctx, BFloat16Array u, BFloat16Array delta, FloatArray a,
                                       BFloat16Array b, FloatArray deltaBias, FloatArray chunkState, FloatArray chunkDtSum,
                                       int batch, int dim, int seqlen, int groups, int chunkLen, int nChunks, int flags,
                                       @Specialize int dstate) {
        float[] deltaL = ctx.allocateFloatLocalArray(ROWS * ScanTile.PADDED);
        float[] uL = ctx.allocateFloatLocalArray(ROWS * ScanTile.PADDED);
        long[] bL = ctx.allocateLongLocalArray(TOKENS * ((dstate + 1) / 2 + 1)); // TOKENS * ScanTile.pairStride(dstate)
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
            int mine = lid < liveRows ? lid : 0;
            ScanTile.loadA2(a, (segment % groups) * channelsPerGroup + j0 + mine, a2Row, dstate);
            float bias = (flags & SelectiveScanKernels.HAS_DELTA_BIAS) != 0
                    ? deltaBias.get((segment % groups) * channelsPerGroup + j0 + mine) : 0f;
            for (int n = 0; n < dstate; n++) {
                h[n] = 0f;
            }
            int t0 = chunk * chunkLen;
            int t1 = Math.min(t0 + chunkLen, seqlen);
            float dtSum = 0f;
            for (int tt = t0; tt < t1; tt += TOKENS) {
                ScanTile.stageRows(delta, u, deltaL, uL, row0, liveRows, seqlen, tt, t1, lid);
                ScanTile.stageStatePairs(b, bL, (long) segment * dstate * seqlen, seqlen, tt, t1, lid, dstate);
                ctx.localBarrier();
                dtSum += ScanTile.statesTile(deltaL, uL, bL, h, a2Row, lid * ScanTile.PADDED, Math.min(TOKENS, t1 - tt),
                        bias, flags, dstate);
                ctx.localBarrier();
            }
            if (lid < liveRows) {
                writeChunkEnd(chunkState, chunkDtSum, h, dtSum, chunk * (long) batch * dim + row0 + lid, dstate);
            }
        }
    }

    /**
     * Pass 3, fp32: as {@link SelectiveScanTiledKernels#chunkOutputs} (with
     * {@link SelectiveScanKernels#SINGLE_CHUNK} the only pass: from {@code initialState} to {@code lastState},
     * which may be the same array).
     */
    @LaunchBounds(maxThreads = ROWS, minBlocksPerMultiprocessor = 28)
    public static void chunkOutputs(KernelContext ctx, FloatArray u, FloatArray delta, FloatArray a, FloatArray b,
                                    FloatArray c, FloatArray dSkip, FloatArray z, FloatArray deltaBias,
                                    FloatArray chunkState, FloatArray initialState, FloatArray lastState, FloatArray out,
                                    int batch, int dim, int seqlen, int groups, int chunkLen, int nChunks, int flags,
                                    @Specialize int dstate) {
        float[] deltaL = ctx.allocateFloatLocalArray(ROWS * ScanTile.PADDED);
        float[] uL = ctx.allocateFloatLocalArray(ROWS * ScanTile.PADDED);
        long[] bcL = ctx.allocateLongLocalArray(TOKENS * (dstate + 1));
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
            int mine = lid < liveRows ? lid : 0;
            int d = (segment % groups) * channelsPerGroup + j0 + mine;
            ScanTile.loadA2(a, d, a2Row, dstate);
            float bias = (flags & SelectiveScanKernels.HAS_DELTA_BIAS) != 0 ? deltaBias.get(d) : 0f;
            float skip = (flags & SelectiveScanKernels.HAS_D) != 0 ? dSkip.get(d) : 0f;
            long row = row0 + mine;
            readChunkStart(chunkState, initialState, h, chunk * (long) batch * dim + row, row, flags, dstate);
            long bcBase = (long) segment * dstate * seqlen;
            int t0 = chunk * chunkLen;
            int t1 = Math.min(t0 + chunkLen, seqlen);
            for (int tt = t0; tt < t1; tt += TOKENS) {
                ScanTile.stageRows(delta, u, deltaL, uL, row0, liveRows, seqlen, tt, t1, lid);
                ScanTile.stageStatePairs(b, c, bcL, bcBase, seqlen, tt, t1, lid, dstate);
                ctx.localBarrier();
                ScanTile.outputsTile(deltaL, uL, bcL, h, a2Row, lid * ScanTile.PADDED, Math.min(TOKENS, t1 - tt),
                        bias, skip, flags, dstate);
                ctx.localBarrier();
                ScanTile.storeRows(uL, z, out, row0, liveRows, seqlen, tt, t1, lid, gated);
                // the next tile (or row block) overwrites the local arrays only after everyone has read them
                ctx.localBarrier();
            }
            if ((flags & SelectiveScanKernels.SINGLE_CHUNK) != 0 && lid < liveRows) {
                for (int n = 0; n < dstate; n++) {
                    lastState.set(row * dstate + n, h[n]);
                }
            }
        }
    }

    /** Pass 3, bf16 u, delta, B, C, z and out: {@link #chunkOutputs} with bf16 staging and stores. */
    @LaunchBounds(maxThreads = ROWS, minBlocksPerMultiprocessor = 28)
    public static void chunkOutputsBf16(KernelContext ctx, BFloat16Array u, BFloat16Array delta, FloatArray a,
                                        BFloat16Array b, BFloat16Array c, FloatArray dSkip, BFloat16Array z,
                                        FloatArray deltaBias, FloatArray chunkState, FloatArray initialState,
                                        FloatArray lastState, BFloat16Array out,
                                        int batch, int dim, int seqlen, int groups, int chunkLen, int nChunks, int flags,
                                        @Specialize int dstate) {
        float[] deltaL = ctx.allocateFloatLocalArray(ROWS * ScanTile.PADDED);
        float[] uL = ctx.allocateFloatLocalArray(ROWS * ScanTile.PADDED);
        long[] bcL = ctx.allocateLongLocalArray(TOKENS * (dstate + 1));
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
            int mine = lid < liveRows ? lid : 0;
            int d = (segment % groups) * channelsPerGroup + j0 + mine;
            ScanTile.loadA2(a, d, a2Row, dstate);
            float bias = (flags & SelectiveScanKernels.HAS_DELTA_BIAS) != 0 ? deltaBias.get(d) : 0f;
            float skip = (flags & SelectiveScanKernels.HAS_D) != 0 ? dSkip.get(d) : 0f;
            long row = row0 + mine;
            readChunkStart(chunkState, initialState, h, chunk * (long) batch * dim + row, row, flags, dstate);
            long bcBase = (long) segment * dstate * seqlen;
            int t0 = chunk * chunkLen;
            int t1 = Math.min(t0 + chunkLen, seqlen);
            for (int tt = t0; tt < t1; tt += TOKENS) {
                ScanTile.stageRows(delta, u, deltaL, uL, row0, liveRows, seqlen, tt, t1, lid);
                ScanTile.stageStatePairs(b, c, bcL, bcBase, seqlen, tt, t1, lid, dstate);
                ctx.localBarrier();
                ScanTile.outputsTile(deltaL, uL, bcL, h, a2Row, lid * ScanTile.PADDED, Math.min(TOKENS, t1 - tt),
                        bias, skip, flags, dstate);
                ctx.localBarrier();
                ScanTile.storeRows(uL, z, out, row0, liveRows, seqlen, tt, t1, lid, gated);
                ctx.localBarrier();
            }
            if ((flags & SelectiveScanKernels.SINGLE_CHUNK) != 0 && lid < liveRows) {
                for (int n = 0; n < dstate; n++) {
                    lastState.set(row * dstate + n, h[n]);
                }
            }
        }
    }

    /** Pass 1's result for one (chunk, row): its zero-start end state and dt sum, chunk-major. */
    static void writeChunkEnd(FloatArray chunkState, FloatArray chunkDtSum, float[] h, float dtSum, long chunkRow, int dstate) {
        for (int n = 0; n < dstate; n++) {
            chunkState.set(chunkRow * dstate + n, h[n]);
        }
        chunkDtSum.set(chunkRow, dtSum);
    }

    /**
     * Pass 3's start state: the carry pass's true chunk start, or with {@link SelectiveScanKernels#SINGLE_CHUNK}
     * the initial state (zero without {@link SelectiveScanKernels#HAS_INITIAL_STATE}).
     */
    static void readChunkStart(FloatArray chunkState, FloatArray initialState, float[] h, long chunkRow, long row, int flags,
                               int dstate) {
        boolean single = (flags & SelectiveScanKernels.SINGLE_CHUNK) != 0;
        boolean initial = (flags & SelectiveScanKernels.HAS_INITIAL_STATE) != 0;
        for (int n = 0; n < dstate; n++) {
            if (single) {
                h[n] = initial ? initialState.get(row * dstate + n) : 0f;
            } else {
                h[n] = chunkState.get(chunkRow * dstate + n);
            }
        }
    }
}
