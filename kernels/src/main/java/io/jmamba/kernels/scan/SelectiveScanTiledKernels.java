package io.jmamba.kernels.scan;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.KernelMath;
import io.jmamba.runtime.api.Parallel;
import io.jmamba.runtime.api.Specialize;

/**
 * The three passes of the chunked selective scan ({@link SelectiveScanKernels} states the algorithm
 * and the arithmetic) with every global access coalesced. The sequence of a row is contiguous in
 * memory, so a work-item walking its own row reads addresses {@code seqlen} floats apart from its neighbours' and wastes most of each memory
 * transaction. Here a work-group of {@link #ROWS} (R) work-items takes up to R consecutive rows of
 * one segment (the rows of one batch entry and one B/C group, which share B and C) and one chunk,
 * and moves through the chunk in tiles of {@link #TOKENS} (T) tokens:
 * <ol>
 *   <li>stage: the group copies the R x T tiles of delta and u into local memory, consecutive
 *       work-items reading consecutive tokens of a row, and the T x dstate tiles of B (and C)
 *       that its rows share, token-major, so that a token's dstate values are neighbours at a 16-byte
 *       aligned offset (the compute loop reads them four at a time); the R x T tiles are padded to
 *       T + 1 floats per row so that the transposed reads below hit distinct banks;</li>
 *   <li>compute: each work-item runs its own row's T tokens (dt = softplus(delta + bias) once per
 *       token, {@link ScanMath#softplus}) through the dstate-long recurrence held in registers; pass 3
 *       leaves each token's {@code y + D u} in place of its u;</li>
 *   <li>store (pass 3): the group writes the y tile back row-major, gated by silu(z) read there
 *       ({@link ScanMath#silu}), so that z and out are coalesced too.</li>
 * </ol>
 * The last tile of a chunk may be partial: the compute loop runs over the tile's tokens inside the
 * chunk (a group-uniform count), and staging reads nothing past the chunk. Rows past the segment's
 * end are neither staged nor stored; their work-items compute on whatever local memory holds and
 * keep nothing. Every work-item of a group runs the same tile loop and so reaches every barrier.
 * Blocks never straddle a segment (a segment of fewer than R rows leaves items idle), so the B/C
 * tiles serve every row of the group and the inner loop reads nothing else from memory.
 * Launch: 1-D, local size R, any number of groups (they stride over the chunk x segment x row-block
 * work list; consecutive groups take consecutive row blocks of one chunk, and share its B/C tiles in cache).
 * R and T are constants of this class; dstate is specialised, and the B/C tiles take
 * {@code 4 * dstate * T} bytes of local memory each, so {@link #MAX_DSTATE} bounds it.
 *
 * <p>Instruction count: the inner loops run once per (row, token, state) in passes 1 and 3, and the
 * device is issue-bound there, so each step is written as few instructions: exp(dt * A) as
 * {@code exp2(dt * A2)} with {@code A2 = A * log2(e)} taken once per row (no range reduction per call),
 * and every multiply-add as {@link KernelMath#fma} (the CUDA path compiles with contraction off, so
 * {@code a * b + c} would be two instructions). Pass 1 is then a multiply, an exp2, a multiply and an
 * fma per step; pass 3 adds one fma for y. With the B/C tile reads four-wide, the token loops compiled
 * for sm_90 (nvcc, the project's flags; counted in PTX, each non-flushing exp2 as its four machine
 * instructions) take about 147 instructions per token in pass 1 and 169 in pass 3 at dstate 16,
 * softplus included, against about 330 and 390 with expf, separate multiplies and adds and log1pf.
 * The inner loops use {@link KernelMath#exp2Approx} (one instruction on CUDA): a decay below the
 * smallest normal float is flushed to zero, which changes h by less than a float's resolution.
 *
 * <p>Chunk states are laid out {@code [nChunks, batch * dim, dstate]} (chunk sums
 * {@code [nChunks, batch * dim]}), so that {@link #carryStates}, one work-item per (row, n), reads consecutive addresses across
 * work-items at every chunk.
 */
public final class SelectiveScanTiledKernels {
    /** R: rows, and work-items, per work-group. */
    public static final int ROWS = 32;
    /**
     * T: tokens per tile; 32 floats of a row are one 128-byte line. Must equal R: in the staging
     * and store loops work-item {@code lid} moves token {@code lid} of every row of the tile.
     */
    public static final int TOKENS = ROWS;
    /** Floats per staged row: T + 1, so that a column (one token of every row) spans every bank. */
    static final int PADDED = TOKENS + 1;

    /** Largest dstate taken: B and C tiles of 64 x 32 floats (16 KiB) leave room for two work-groups per 48 KiB. */
    public static final int MAX_DSTATE = 64;

    /** Chunks whose inputs {@link #carryStates} loads before it walks them: independent loads in flight per work-item. */
    static final int CARRY_AHEAD = 8;

    private SelectiveScanTiledKernels() {
    }

    /**
     * Pass 1: per (row, chunk) the end state from a zero start and the sum of dt, as
     * {@link SelectiveScanKernels#chunkStates}, but into chunk-major arrays: chunkState
     * {@code [nChunks, batch * dim, dstate]}, chunkDtSum {@code [nChunks, batch * dim]}.
     */
    public static void chunkStates(KernelContext ctx, FloatArray u, FloatArray delta, FloatArray a, FloatArray b,
                                   FloatArray deltaBias, FloatArray chunkState, FloatArray chunkDtSum,
                                   int batch, int dim, int seqlen, int groups, int chunkLen, int nChunks, int flags,
                                   @Specialize int dstate) {
        float[] deltaL = ctx.allocateFloatLocalArray(ROWS * PADDED);
        float[] uL = ctx.allocateFloatLocalArray(ROWS * PADDED);
        float[] bL = ctx.allocateFloatLocalArray(dstate * TOKENS);
        float[] h = new float[dstate];
        float[] a2Row = new float[dstate];
        int lid = ctx.localIdx;
        int channelsPerGroup = dim / groups;
        int blocksPerSegment = (channelsPerGroup + ROWS - 1) / ROWS;
        int segments = batch * groups;
        int work = segments * blocksPerSegment * nChunks;
        long rows = (long) batch * dim;
        int groupCount = ctx.globalGroupSizeX / ctx.localGroupSizeX;
        int own = lid * PADDED;
        for (int w = ctx.groupIdx; w < work; w += groupCount) {
            // w = (chunk, segment, block): consecutive groups take consecutive row blocks of one chunk
            int block = w % blocksPerSegment;
            int segmentChunk = w / blocksPerSegment;
            int segment = segmentChunk % segments;
            int chunk = segmentChunk / segments;
            int j0 = block * ROWS;
            int liveRows = Math.min(ROWS, channelsPerGroup - j0);
            // a segment's rows are contiguous: row = (b * groups + g) * channelsPerGroup + j
            long row0 = (long) segment * channelsPerGroup + j0;
            boolean live = lid < liveRows;
            int j = j0 + (live ? lid : 0);
            int d = (segment % groups) * channelsPerGroup + j;
            long row = row0 + (live ? lid : 0);
            long bcBase = (long) segment * dstate * seqlen;
            float bias = (flags & SelectiveScanKernels.HAS_DELTA_BIAS) != 0 ? deltaBias.get(d) : 0f;
            for (int n = 0; n < dstate; n++) {
                h[n] = 0f;
                a2Row[n] = a.get((long) d * dstate + n) * ScanMath.LOG2E;
            }
            int t0 = chunk * chunkLen;
            int t1 = Math.min(t0 + chunkLen, seqlen);
            float dtSum = 0f;
            for (int tt = t0; tt < t1; tt += TOKENS) {
                stageRows(delta, u, deltaL, uL, row0, liveRows, seqlen, tt, t1, lid);
                stageStates(b, bL, bcBase, seqlen, tt, t1, lid, dstate);
                ctx.localBarrier();
                // a runtime bound (the tile's tokens in the chunk) keeps the device compiler from unrolling
                // this loop and computing many tokens' exps ahead in registers: 16 states give ILP enough
                int tileLen = Math.min(TOKENS, t1 - tt);
                for (int k = 0; k < tileLen; k++) {
                    float dt = stepDt(deltaL[own + k], bias, flags);
                    float dtu = dt * uL[own + k];
                    dtSum += dt;
                    for (int n = 0; n < dstate; n++) {
                        h[n] = KernelMath.fma(KernelMath.exp2Approx(dt * a2Row[n]), h[n], dtu * bL[k * dstate + n]);
                    }
                }
                // the next tile (or row block) overwrites the local arrays only after everyone has read them
                ctx.localBarrier();
            }
            if (live) {
                long chunkRow = chunk * rows + row;
                for (int n = 0; n < dstate; n++) {
                    chunkState.set(chunkRow * dstate + n, h[n]);
                }
                chunkDtSum.set(chunkRow, dtSum);
            }
        }
    }

    /**
     * Pass 3: reruns each chunk from its true start state (left in {@code chunkState}, chunk-major, by
     * {@link #carryStates}) and writes out, as {@link SelectiveScanKernels#chunkOutputs}.
     * With {@link SelectiveScanKernels#SINGLE_CHUNK} it is the only pass: it starts from
     * {@code initialState} and writes {@code lastState}, which may be the same array (each work-item
     * reads its row's entries before it writes them).
     */
    public static void chunkOutputs(KernelContext ctx, FloatArray u, FloatArray delta, FloatArray a, FloatArray b,
                                    FloatArray c, FloatArray dSkip, FloatArray z, FloatArray deltaBias,
                                    FloatArray chunkState, FloatArray initialState, FloatArray lastState, FloatArray out,
                                    int batch, int dim, int seqlen, int groups, int chunkLen, int nChunks, int flags,
                                    @Specialize int dstate) {
        float[] deltaL = ctx.allocateFloatLocalArray(ROWS * PADDED);
        float[] uL = ctx.allocateFloatLocalArray(ROWS * PADDED);
        float[] bL = ctx.allocateFloatLocalArray(dstate * TOKENS);
        float[] cL = ctx.allocateFloatLocalArray(dstate * TOKENS);
        float[] h = new float[dstate];
        float[] a2Row = new float[dstate];
        boolean single = (flags & SelectiveScanKernels.SINGLE_CHUNK) != 0;
        int lid = ctx.localIdx;
        int channelsPerGroup = dim / groups;
        int blocksPerSegment = (channelsPerGroup + ROWS - 1) / ROWS;
        int segments = batch * groups;
        int work = segments * blocksPerSegment * nChunks;
        long rows = (long) batch * dim;
        int groupCount = ctx.globalGroupSizeX / ctx.localGroupSizeX;
        int own = lid * PADDED;
        for (int w = ctx.groupIdx; w < work; w += groupCount) {
            int block = w % blocksPerSegment;
            int segmentChunk = w / blocksPerSegment;
            int segment = segmentChunk % segments;
            int chunk = segmentChunk / segments;
            int j0 = block * ROWS;
            int liveRows = Math.min(ROWS, channelsPerGroup - j0);
            long row0 = (long) segment * channelsPerGroup + j0;
            boolean live = lid < liveRows;
            int j = j0 + (live ? lid : 0);
            int d = (segment % groups) * channelsPerGroup + j;
            long row = row0 + (live ? lid : 0);
            long bcBase = (long) segment * dstate * seqlen;
            float bias = (flags & SelectiveScanKernels.HAS_DELTA_BIAS) != 0 ? deltaBias.get(d) : 0f;
            float skip = (flags & SelectiveScanKernels.HAS_D) != 0 ? dSkip.get(d) : 0f;
            long chunkRow = chunk * rows + row;
            for (int n = 0; n < dstate; n++) {
                a2Row[n] = a.get((long) d * dstate + n) * ScanMath.LOG2E;
                if (single) {
                    h[n] = (flags & SelectiveScanKernels.HAS_INITIAL_STATE) != 0
                            ? initialState.get(row * dstate + n) : 0f;
                } else {
                    h[n] = chunkState.get(chunkRow * dstate + n);
                }
            }
            int t0 = chunk * chunkLen;
            int t1 = Math.min(t0 + chunkLen, seqlen);
            for (int tt = t0; tt < t1; tt += TOKENS) {
                stageRows(delta, u, deltaL, uL, row0, liveRows, seqlen, tt, t1, lid);
                stageStates(b, bL, bcBase, seqlen, tt, t1, lid, dstate);
                stageStates(c, cL, bcBase, seqlen, tt, t1, lid, dstate);
                ctx.localBarrier();
                // a runtime bound (the tile's tokens in the chunk) keeps the device compiler from unrolling
                // this loop and computing many tokens' exps ahead in registers: 16 states give ILP enough
                int tileLen = Math.min(TOKENS, t1 - tt);
                for (int k = 0; k < tileLen; k++) {
                    float dt = stepDt(deltaL[own + k], bias, flags);
                    float uv = uL[own + k];
                    float dtu = dt * uv;
                    float y = 0f;
                    for (int n = 0; n < dstate; n++) {
                        float hn = KernelMath.fma(KernelMath.exp2Approx(dt * a2Row[n]), h[n], dtu * bL[k * dstate + n]);
                        h[n] = hn;
                        y = KernelMath.fma(hn, cL[k * dstate + n], y);
                    }
                    // this row's slot of u is read for the last time here: keep y there for the store
                    uL[own + k] = KernelMath.fma(skip, uv, y);
                }
                ctx.localBarrier();
                storeRows(uL, z, out, row0, liveRows, seqlen, tt, t1, lid, (flags & SelectiveScanKernels.HAS_Z) != 0);
                // the next tile (or row block) overwrites the local arrays only after everyone has read them
                ctx.localBarrier();
            }
            if (single && live) {
                for (int n = 0; n < dstate; n++) {
                    lastState.set(row * dstate + n, h[n]);
                }
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

    /** A token's dt: softplus(delta + bias) if flagged ({@link ScanMath#softplus}: few instructions, no branches). */
    static float stepDt(float delta, float bias, int flags) {
        float dt = delta + bias;
        if ((flags & SelectiveScanKernels.DELTA_SOFTPLUS) != 0) {
            dt = ScanMath.softplus(dt);
        }
        return dt;
    }

    /**
     * Copies rows {@code [row0, row0 + liveRows)} x tokens {@code [tt, tt + T)} of delta and u
     * ({@code [rows, seqlen]}) into {@code deltaL} and {@code uL} (rows of T + 1 floats). Work-item
     * {@code lid} copies token {@code lid} of every row, so a row's 32 tokens are read by 32
     * consecutive work-items. A token past the chunk's end ({@code t1}) is never computed on, so
     * instead of a branch per load its index is clamped into the chunk: the loads are unconditional
     * and the device compiler can keep many in flight (with a whole block, a constant trip count).
     */
    static void stageRows(FloatArray delta, FloatArray u, float[] deltaL, float[] uL, long row0, int liveRows,
                          int seqlen, int tt, int t1, int lid) {
        long at = row0 * seqlen + Math.min(tt + lid, t1 - 1);
        if (liveRows == ROWS) {
            for (int r = 0; r < ROWS; r++) {
                deltaL[r * PADDED + lid] = delta.get(at);
                uL[r * PADDED + lid] = u.get(at);
                at += seqlen;
            }
        } else {
            for (int r = 0; r < liveRows; r++) {
                deltaL[r * PADDED + lid] = delta.get(at);
                uL[r * PADDED + lid] = u.get(at);
                at += seqlen;
            }
        }
    }

    /** Copies tokens {@code [tt, tt + T)} of the dstate rows of B or C at {@code base} into {@code dst} ({@code [T, dstate]}, token-major), clamped as {@link #stageRows}. */
    static void stageStates(FloatArray src, float[] dst, long base, int seqlen, int tt, int t1, int lid, int dstate) {
        long at = base + Math.min(tt + lid, t1 - 1);
        for (int n = 0; n < dstate; n++) {
            dst[lid * dstate + n] = src.get(at);
            at += seqlen;
        }
    }

    /** Writes the live part of the y tile {@code yL} to {@code out}, times silu(z) if {@code gated}, row-major as {@link #stageRows} reads. */
    static void storeRows(float[] yL, FloatArray z, FloatArray out, long row0, int liveRows, int seqlen, int tt, int t1,
                          int lid, boolean gated) {
        if (tt + lid < t1) {
            long at = row0 * seqlen + tt + lid;
            if (gated) {
                for (int r = 0; r < liveRows; r++) {
                    out.set(at, yL[r * PADDED + lid] * ScanMath.silu(z.get(at)));
                    at += seqlen;
                }
            } else {
                for (int r = 0; r < liveRows; r++) {
                    out.set(at, yL[r * PADDED + lid]);
                    at += seqlen;
                }
            }
        }
    }
}
