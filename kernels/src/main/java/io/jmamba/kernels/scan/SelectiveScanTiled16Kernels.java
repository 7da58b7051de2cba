package io.jmamba.kernels.scan;

import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.KernelMath;
import io.jmamba.runtime.api.LaunchBounds;
import io.jmamba.runtime.api.Parallel;
import io.jmamba.runtime.api.Specialize;

/**
 * The three passes of the chunked selective scan ({@link SelectiveScanKernels} states the algorithm and
 * the arithmetic) with every global access coalesced, with fp32 and bf16 inputs. A row's sequence is
 * contiguous in memory, so a work-item walking its own row would read addresses {@code seqlen} floats
 * apart from its neighbours'. Here a work-group of {@link #ROWS} (R) work-items takes up to R consecutive
 * rows of one segment (the rows of one batch entry and one B/C group, which share B and C) and one
 * chunk, and moves through the chunk in staged tiles of {@link #TOKENS} tokens ({@link ScanTile}: delta
 * and u row-major, B and C token-major, so that z and out are coalesced too); each work-item runs its
 * own row's tokens through the dstate-long recurrence held in registers. Row blocks never straddle a
 * segment, so the B/C tiles serve every row of the group. Every multiply-add is {@link KernelMath#fma}
 * and exp(dt A) is {@code exp2(dt * A2)} with {@code A2 = A * log2(e)} taken once per row. Chunk states
 * are laid out {@code [nChunks, batch * dim, dstate]} (chunk sums {@code [nChunks, batch * dim]}), so
 * that pass 2, {@link #carryStates} (one work-item per (row, n)), reads consecutive addresses across
 * work-items at every chunk.
 *
 * <p>Against the first tiled layout (TILED: 32-token tiles, exact softplus; removed in session 5, 16K /
 * 64K / 1M 0.724 / 2.092 / 31.84 ms against 0.625 / 1.910 / 27.36 here, session 3), which was
 * latency-bound at about 16 resident warps per H100 multiprocessor (12.5 KiB of local memory and 96
 * registers per one-warp work-group), these kernels are tuned for occupancy:
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
 *       bank conflicts (TILED's tiles were written 16-way conflicted);</li>
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
 * warp's lanes were slower (WARP_SPLIT_ROLLED, since removed: 2.70 ms at 64K against 1.94). The
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
    /** Chunks whose inputs {@link #carryStates} loads before it walks them: independent loads in flight per work-item. */
    static final int CARRY_AHEAD = 8;

    private SelectiveScanTiled16Kernels() {
    }

    /**
     * Pass 1, fp32: per (row, chunk) the end state from a zero start and the sum of dt, as
     * {@link SelectiveScanKernels#chunkStates}, but into chunk-major arrays: chunkState
     * {@code [nChunks, batch * dim, dstate]}, chunkDtSum {@code [nChunks, batch * dim]}.
     */
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
     * Pass 3, fp32: the outputs of each chunk from its true start state (from {@link #carryStates}), as
     * {@link SelectiveScanKernels#chunkOutputs} with chunk-major states (with
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

    /**
     * Pass 2, one work-item per (row, n), consecutive work-items on consecutive (row, n): walks the
     * chunks in order, overwrites each chunk's zero-start end state in the chunk-major {@code chunkState}
     * with the chunk's true start state and writes {@code lastState} {@code [batch * dim, dstate]}.
     * At every chunk a warp reads 32 consecutive floats of chunkState (and one or two of chunkDtSum).
     * The walk is a chain through h, but the loads are not: they are issued {@link #CARRY_AHEAD} chunks
     * at a time (indices clamped to the last chunk instead of a branch per load), so one memory latency
     * covers that many chunks. Each work-item reads its own entries before it writes them.
     * {@code batch * dim * dstate} must fit in an int (the host checks).
     */
    public static void carryStates(FloatArray a, FloatArray chunkState, FloatArray chunkDtSum, FloatArray initialState,
                                   FloatArray lastState, int batch, int dim, int nChunks, int flags,
                                   @Specialize int dstate) {
        float[] ends = new float[CARRY_AHEAD];
        float[] sums = new float[CARRY_AHEAD];
        int rows = batch * dim;
        int items = rows * dstate;
        for (@Parallel int i = 0; i < items; i++) {
            int row = i / dstate;
            int n = i - row * dstate;
            int d = row % dim;
            float a2 = a.get((long) d * dstate + n) * ScanMath.LOG2E;
            float h = (flags & SelectiveScanKernels.HAS_INITIAL_STATE) != 0 ? initialState.get(i) : 0f;
            for (int c0 = 0; c0 < nChunks; c0 += CARRY_AHEAD) {
                for (int j = 0; j < CARRY_AHEAD; j++) {
                    int c = Math.min(c0 + j, nChunks - 1);
                    ends[j] = chunkState.get((long) c * items + i);
                    sums[j] = chunkDtSum.get((long) c * rows + row);
                }
                for (int j = 0; j < CARRY_AHEAD; j++) {
                    if (c0 + j < nChunks) {
                        chunkState.set((long) (c0 + j) * items + i, h);
                        h = KernelMath.fma(KernelMath.exp2(a2 * sums[j]), h, ends[j]);
                    }
                }
            }
            lastState.set(i, h);
        }
    }
}
