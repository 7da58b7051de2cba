package io.jmamba.kernels.scan;

import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.KernelMath;
import io.jmamba.runtime.api.LaunchBounds;
import io.jmamba.runtime.api.Specialize;

/**
 * Experimental, and slower than the default TILED16 ({@link SelectiveScanTiled16Kernels}): the WARP_SPLIT_ROLLED
 * layout of {@link SelectiveScan.Variant}. The one-exponential scan of {@link SelectiveScanWarpKernels} with a
 * row's states split over the warps of a work-group, so that there are several times more warps than rows (WARP
 * has one warp per row: 1536, about 12 per H100 multiprocessor, latency-bound). Warp {@code w} of a row owns
 * states {@code w * statesPerWarp .. (w + 1) * statesPerWarp - 1} ({@code statesPerWarp = ceil(dstate / 4)},
 * {@code warps = ceil(dstate / statesPerWarp)} warps, the launch's local size {@code 32 * warps}). Per tile of
 * {@link #TILE} tokens:
 * <ol>
 * <li>the group's work-items share the per-token work: each computes dt (softplus'd) and dt * u of
 *     {@code TILE / (32 warps)} tokens (consecutive work-items, consecutive tokens: coalesced) into local
 *     memory; barrier;</li>
 * <li>lane {@code l} of every warp reads its {@link #ITEMS} consecutive tokens {@code 8 l .. 8 l + 7} and, per
 *     owned state, folds them into an affine step {@code h -> p h + s} (keeping each token's decay and input,
 *     one exp2 per (token, state); {@code p = exp2(A log2(e) sum dt)}), composes the lanes' steps by an
 *     inclusive warp scan, and replays its tokens from the state before its first token, adding
 *     {@code h C} into per-token partial outputs; the partials of the warp's states go to local memory;
 *     barrier;</li>
 * <li>the group's work-items sum the warps' partials per token, add D u, gate by silu(z) and store.</li>
 * </ol>
 * Two barriers per tile; the second tile's writes of either local array come after a barrier that every
 * work-item passes only when done reading the first's. Local arrays are padded to 9 floats per 8 tokens so
 * that a lane's reads of its 8 tokens (stride 9 across lanes) hit distinct banks.
 * Same arguments and flags as {@link SelectiveScanKernels}, arithmetic as {@link SelectiveScanReference};
 * launch: 1-D, local size {@code 32 * ceil(dstate / statesPerWarp)} (at most 128), any number of work-groups
 * (they stride over rows). {@code lastState} may be {@code initialState}: each row's entries are read before
 * they are written. A state's {@code A log2(e)} and running value live in local memory ({@code stateL}), not in
 * registers.
 *
 * <p>Cost per (token, state), from the source: fold 5 (dt A product, exp2, dt u B product, fma, B widening),
 * replay 3 (two fmas, C widening), the 5-level shuffle scan and the lane's {@code p} about 26 per 8 tokens
 * (3.3); the per-token work (softplus, loads, silu gate, bf16 rounding, the partials) is shared by the
 * group's 16 states. ptxas (sm_90, --fmad=false, d_state 16, fp32 / bf16): 79 / 80 registers (bf16: 4 bytes
 * of spill loads).
 *
 * <p>Measured (2026-11-24, H100, bench kernels --dtype bf16 --max-len 64K --runs 5, the same run, b1 d1536
 * n16): this layout (selective-scan-warp-split-rolled-bf16) 0.721 ms at 16K tokens and 2.704 ms at 64K, against
 * TILED16's 0.604 / 1.941 ms: 1.2x and 1.4x slower. Its unrolled twins were slower still and are removed:
 * WARP_SPLIT (four warps, state loop unrolled, about 125 registers, 16 warps per multiprocessor) 0.938 / 3.436
 * ms, WARP_SPLIT2 (two warps of 8 states, 128 registers) 1.208 / 4.423 ms. Halving the exponentials did not pay:
 * TILED16 is not bound by its special-function units (see {@link SelectiveScanTiled16Kernels}), and this layout
 * adds a 5-level shuffle scan per (8 tokens, state), two barriers per tile and a one-row-per-group grid of
 * 1536 groups (under two waves) that leaves the sequence dimension serial.
 */
public final class SelectiveScanWarpSplitKernels {
    /** Work-items per warp. */
    public static final int LANES = 32;
    /** Consecutive tokens per lane per tile. */
    public static final int ITEMS = 8;
    /** Tokens per tile. */
    public static final int TILE = LANES * ITEMS;
    /** Floats per lane in the padded local layout (one pad float per 8 tokens). */
    static final int PADDED_ITEMS = ITEMS + 1;
    /** Floats per padded tile. */
    static final int PADDED_TILE = LANES * PADDED_ITEMS;
    /** Most warps per work-group (the partial-output array holds this many tiles). */
    public static final int MAX_WARPS = 4;

    private SelectiveScanWarpSplitKernels() {
    }

    /** Warps per work-group for {@code dstate} states split {@code statesPerWarp} to a warp. */
    public static int warps(int dstate, int statesPerWarp) {
        return (dstate + statesPerWarp - 1) / statesPerWarp;
    }

    /** States per warp for a group of at most {@link #MAX_WARPS} warps: {@code ceil(dstate / 4)} (d_state 16: 4). */
    public static int statesPerWarp(int dstate) {
        return (dstate + MAX_WARPS - 1) / MAX_WARPS;
    }

    /**
     * fp32 scan, up to four warps per group (d_state 16: 4 x 4 states), {@code statesPerWarp} a run-time value
     * so that the device compiler keeps the loop over a warp's states rolled (one state's fold, scan and replay
     * at a time, latency hidden by the other warps). That fits 80 registers (ptxas, sm_90: no spill in fp32, one
     * 4-byte value in bf16), where the unrolled loop (the removed WARP_SPLIT entry, {@code statesPerWarp}
     * specialized) needed about 125: launch bounds for 6 groups of 4 warps per multiprocessor, 24 warps, 1536
     * rows in 1.94 waves of 792 groups on an H100.
     */
    @LaunchBounds(maxThreads = 4 * LANES, minBlocksPerMultiprocessor = 6)
    public static void scanRowsRolled(KernelContext ctx, FloatArray u, FloatArray delta, FloatArray a, FloatArray b,
                                      FloatArray c, FloatArray dSkip, FloatArray z, FloatArray deltaBias,
                                      FloatArray initialState, FloatArray lastState, FloatArray out,
                                      int batch, int dim, int seqlen, int groups, int flags, @Specialize int dstate,
                                      int statesPerWarp) {
        float[] dtL = ctx.allocateFloatLocalArray(PADDED_TILE);
        float[] dtuL = ctx.allocateFloatLocalArray(PADDED_TILE);
        float[] yL = ctx.allocateFloatLocalArray(MAX_WARPS * PADDED_TILE);
        float[] stateL = ctx.allocateFloatLocalArray(2 * SelectiveScanTiled16Kernels.MAX_DSTATE);
        float[] dt = new float[ITEMS];
        float[] dtu = new float[ITEMS];
        float[] y = new float[ITEMS];
        float[] e = new float[ITEMS];
        float[] x = new float[ITEMS];
        float[] bK = new float[ITEMS];
        float[] cK = new float[ITEMS];
        rows(ctx, u, delta, a, b, c, dSkip, z, deltaBias, initialState, lastState, out, batch, dim, seqlen, groups, flags,
                dtL, dtuL, yL, stateL, dt, dtu, y, e, x, bK, cK, dstate, statesPerWarp);
    }

    /** {@link #scanRowsRolled} with u, delta, B, C, z and out in bf16 (A, D, delta_bias and the states fp32). */
    @LaunchBounds(maxThreads = 4 * LANES, minBlocksPerMultiprocessor = 6)
    public static void scanRowsRolledBf16(KernelContext ctx, BFloat16Array u, BFloat16Array delta, FloatArray a,
                                          BFloat16Array b, BFloat16Array c, FloatArray dSkip, BFloat16Array z,
                                          FloatArray deltaBias, FloatArray initialState, FloatArray lastState,
                                          BFloat16Array out, int batch, int dim, int seqlen, int groups, int flags,
                                          @Specialize int dstate, int statesPerWarp) {
        float[] dtL = ctx.allocateFloatLocalArray(PADDED_TILE);
        float[] dtuL = ctx.allocateFloatLocalArray(PADDED_TILE);
        float[] yL = ctx.allocateFloatLocalArray(MAX_WARPS * PADDED_TILE);
        float[] stateL = ctx.allocateFloatLocalArray(2 * SelectiveScanTiled16Kernels.MAX_DSTATE);
        float[] dt = new float[ITEMS];
        float[] dtu = new float[ITEMS];
        float[] y = new float[ITEMS];
        float[] e = new float[ITEMS];
        float[] x = new float[ITEMS];
        float[] bK = new float[ITEMS];
        float[] cK = new float[ITEMS];
        rows(ctx, u, delta, a, b, c, dSkip, z, deltaBias, initialState, lastState, out, batch, dim, seqlen, groups, flags,
                dtL, dtuL, yL, stateL, dt, dtu, y, e, x, bK, cK, dstate, statesPerWarp);
    }

    /** The body of the fp32 entries: local and private arrays allocated by the entry. */
    static void rows(KernelContext ctx, FloatArray u, FloatArray delta, FloatArray a, FloatArray b,
                     FloatArray c, FloatArray dSkip, FloatArray z, FloatArray deltaBias,
                     FloatArray initialState, FloatArray lastState, FloatArray out,
                     int batch, int dim, int seqlen, int groups, int flags, float[] dtL, float[] dtuL, float[] yL,
                     float[] stateL, float[] dt, float[] dtu, float[] y, float[] e, float[] x, float[] bK, float[] cK,
                     int dstate, int statesPerWarp) {
        int tid = ctx.localIdx;
        int lane = tid & (LANES - 1);
        int warp = tid / LANES;
        int warps = (dstate + statesPerWarp - 1) / statesPerWarp;
        int threads = warps * LANES;
        int n0 = warp * statesPerWarp;
        int rows = batch * dim;
        int groupCount = ctx.globalGroupSizeX / ctx.localGroupSizeX;
        int channelsPerGroup = dim / groups;
        for (int row = ctx.groupIdx; row < rows; row += groupCount) {
            int bi = row / dim;
            int d = row - bi * dim;
            long rowBase = (long) row * seqlen;
            long bcBase = ((long) bi * groups + d / channelsPerGroup) * dstate * (long) seqlen;
            float bias = (flags & SelectiveScanKernels.HAS_DELTA_BIAS) != 0 ? deltaBias.get(d) : 0f;
            float skip = (flags & SelectiveScanKernels.HAS_D) != 0 ? dSkip.get(d) : 0f;
            startRow(a, initialState, stateL, row, d, n0, flags, dstate, statesPerWarp);
            for (int tile0 = 0; tile0 < seqlen; tile0 += TILE) {
                stageTokens(u, delta, dtL, dtuL, rowBase, tile0, seqlen, bias, flags, tid, threads);
                ctx.localBarrier();
                int t0 = tile0 + lane * ITEMS;
                int valid = Math.max(0, Math.min(ITEMS, seqlen - t0));
                boolean full = tile0 + TILE <= seqlen;
                float dtSum = readTokens(dtL, dtuL, dt, dtu, y, lane);
                for (int j = 0; j < statesPerWarp; j++) {
                    int n = Math.min(n0 + j, dstate - 1);
                    SelectiveScanWarpKernels.loadStates(b, c, bK, cK, bcBase + (long) n * seqlen, t0, seqlen, valid, full);
                    // the warp's own slots, dead ones included (A 0, state 0): no other warp's state is read
                    int own = n0 + j;
                    float end = stateStep(ctx, bK, cK, dt, dtu, y, e, x, stateL[own],
                            stateL[SelectiveScanTiled16Kernels.MAX_DSTATE + own], dtSum, lane, own < dstate);
                    stateL[SelectiveScanTiled16Kernels.MAX_DSTATE + own] = end; // every lane: the same value
                }
                writePartials(yL, y, warp, lane);
                ctx.localBarrier();
                storeOutputs(u, z, out, yL, rowBase, tile0, seqlen, skip, warps, tid, threads,
                        (flags & SelectiveScanKernels.HAS_Z) != 0);
            }
            writeLastState(lastState, stateL, row, n0, lane, dstate, statesPerWarp);
            ctx.localBarrier(); // lane 0's reads of stateL before any lane starts the next row
        }
    }

    /** The body of the bf16 entries. */
    static void rows(KernelContext ctx, BFloat16Array u, BFloat16Array delta, FloatArray a, BFloat16Array b,
                     BFloat16Array c, FloatArray dSkip, BFloat16Array z, FloatArray deltaBias,
                     FloatArray initialState, FloatArray lastState, BFloat16Array out,
                     int batch, int dim, int seqlen, int groups, int flags, float[] dtL, float[] dtuL, float[] yL,
                     float[] stateL, float[] dt, float[] dtu, float[] y, float[] e, float[] x, float[] bK, float[] cK,
                     int dstate, int statesPerWarp) {
        int tid = ctx.localIdx;
        int lane = tid & (LANES - 1);
        int warp = tid / LANES;
        int warps = (dstate + statesPerWarp - 1) / statesPerWarp;
        int threads = warps * LANES;
        int n0 = warp * statesPerWarp;
        int rows = batch * dim;
        int groupCount = ctx.globalGroupSizeX / ctx.localGroupSizeX;
        int channelsPerGroup = dim / groups;
        // an even row length puts every row, and so every even token, at an even element: 32-bit bf16 pairs
        boolean pairs = (seqlen & 1) == 0;
        for (int row = ctx.groupIdx; row < rows; row += groupCount) {
            int bi = row / dim;
            int d = row - bi * dim;
            long rowBase = (long) row * seqlen;
            long bcBase = ((long) bi * groups + d / channelsPerGroup) * dstate * (long) seqlen;
            float bias = (flags & SelectiveScanKernels.HAS_DELTA_BIAS) != 0 ? deltaBias.get(d) : 0f;
            float skip = (flags & SelectiveScanKernels.HAS_D) != 0 ? dSkip.get(d) : 0f;
            startRow(a, initialState, stateL, row, d, n0, flags, dstate, statesPerWarp);
            for (int tile0 = 0; tile0 < seqlen; tile0 += TILE) {
                if (pairs) {
                    stageTokenPairs(u, delta, dtL, dtuL, rowBase, tile0, seqlen, bias, flags, tid, threads);
                } else {
                    stageTokens(u, delta, dtL, dtuL, rowBase, tile0, seqlen, bias, flags, tid, threads);
                }
                ctx.localBarrier();
                int t0 = tile0 + lane * ITEMS;
                int valid = Math.max(0, Math.min(ITEMS, seqlen - t0));
                boolean full = tile0 + TILE <= seqlen;
                float dtSum = readTokens(dtL, dtuL, dt, dtu, y, lane);
                for (int j = 0; j < statesPerWarp; j++) {
                    int n = Math.min(n0 + j, dstate - 1);
                    if (pairs) {
                        loadStatePairs(b, c, bK, cK, bcBase + (long) n * seqlen, t0, seqlen, full);
                    } else {
                        SelectiveScanWarpKernels.loadStates(b, c, bK, cK, bcBase + (long) n * seqlen, t0, seqlen, valid, full);
                    }
                    // the warp's own slots, dead ones included (A 0, state 0): no other warp's state is read
                    int own = n0 + j;
                    float end = stateStep(ctx, bK, cK, dt, dtu, y, e, x, stateL[own],
                            stateL[SelectiveScanTiled16Kernels.MAX_DSTATE + own], dtSum, lane, own < dstate);
                    stateL[SelectiveScanTiled16Kernels.MAX_DSTATE + own] = end; // every lane: the same value
                }
                writePartials(yL, y, warp, lane);
                ctx.localBarrier();
                if (pairs) {
                    storeOutputPairs(u, z, out, yL, rowBase, tile0, seqlen, skip, warps, tid, threads,
                            (flags & SelectiveScanKernels.HAS_Z) != 0);
                } else {
                    storeOutputs(u, z, out, yL, rowBase, tile0, seqlen, skip, warps, tid, threads,
                            (flags & SelectiveScanKernels.HAS_Z) != 0);
                }
            }
            writeLastState(lastState, stateL, row, n0, lane, dstate, statesPerWarp);
            ctx.localBarrier(); // lane 0's reads of stateL before any lane starts the next row
        }
    }

    /**
     * The warp's states' {@code A log2(e)} into {@code stateL[n]} and start states into
     * {@code stateL[MAX_DSTATE + n]} (local memory rather than registers: read once per state per tile); slots
     * past dstate (a last warp's dead states, {@code n < warps * statesPerWarp <= MAX_DSTATE}) get 0. Every lane
     * writes the same values; the tile loop's first barrier orders them before their reads, and the previous
     * row's reads all came before its last barrier.
     */
    static void startRow(FloatArray a, FloatArray initialState, float[] stateL, int row, int d, int n0,
                         int flags, int dstate, int statesPerWarp) {
        for (int j = 0; j < statesPerWarp; j++) {
            int n = n0 + j;
            boolean live = n < dstate;
            stateL[n] = live ? a.get((long) d * dstate + n) * ScanMath.LOG2E : 0f;
            stateL[SelectiveScanTiled16Kernels.MAX_DSTATE + n] = live && (flags & SelectiveScanKernels.HAS_INITIAL_STATE) != 0
                    ? initialState.get((long) row * dstate + n) : 0f;
        }
    }

    /** Lane 0 of each warp writes its live states' end values (its own local-memory writes: no barrier needed). */
    static void writeLastState(FloatArray lastState, float[] stateL, int row, int n0, int lane, int dstate, int statesPerWarp) {
        if (lane == 0) {
            for (int j = 0; j < statesPerWarp; j++) {
                if (n0 + j < dstate) {
                    lastState.set((long) row * dstate + n0 + j, stateL[SelectiveScanTiled16Kernels.MAX_DSTATE + n0 + j]);
                }
            }
        }
    }

    /** Index of tile token {@code t} in the padded local layout. */
    static int padded(int t) {
        return t + t / ITEMS;
    }

    /**
     * Stage 1: work-item {@code tid} of {@code threads} computes dt and dt * u of tile tokens {@code tid},
     * {@code tid + threads}, ... into the padded local arrays; tokens past the row's end get dt = 0 (an
     * identity step: decay 1, input 0).
     */
    static void stageTokens(FloatArray u, FloatArray delta, float[] dtL, float[] dtuL, long rowBase, int tile0, int seqlen,
                            float bias, int flags, int tid, int threads) {
        for (int t = tid; t < TILE; t += threads) {
            int tok = tile0 + t;
            float dtv = 0f;
            float dtuv = 0f;
            if (tok < seqlen) {
                dtv = ScanTile.stepDt(delta.get(rowBase + tok), bias, flags);
                dtuv = dtv * u.get(rowBase + tok);
            }
            int at = padded(t);
            dtL[at] = dtv;
            dtuL[at] = dtuv;
        }
    }

    /** {@link #stageTokens(FloatArray, FloatArray, float[], float[], long, int, int, float, int, int, int)} for bf16 u and delta. */
    static void stageTokens(BFloat16Array u, BFloat16Array delta, float[] dtL, float[] dtuL, long rowBase, int tile0,
                            int seqlen, float bias, int flags, int tid, int threads) {
        for (int t = tid; t < TILE; t += threads) {
            int tok = tile0 + t;
            float dtv = 0f;
            float dtuv = 0f;
            if (tok < seqlen) {
                dtv = ScanTile.stepDt(delta.get(rowBase + tok), bias, flags);
                dtuv = dtv * u.get(rowBase + tok);
            }
            int at = padded(t);
            dtL[at] = dtv;
            dtuL[at] = dtuv;
        }
    }

    /**
     * {@link #stageTokens(BFloat16Array, BFloat16Array, float[], float[], long, int, int, float, int, int, int)} by
     * pairs of tokens (an even seqlen: a pair is either wholly in the row or wholly past it): one 32-bit load
     * of u and of delta per pair, the same arithmetic.
     */
    static void stageTokenPairs(BFloat16Array u, BFloat16Array delta, float[] dtL, float[] dtuL, long rowBase, int tile0,
                                int seqlen, float bias, int flags, int tid, int threads) {
        for (int t = 2 * tid; t < TILE; t += 2 * threads) {
            int tok = tile0 + t;
            float dt0 = 0f;
            float dt1 = 0f;
            float dtu0 = 0f;
            float dtu1 = 0f;
            if (tok < seqlen) {
                int deltaPair = delta.getPair(rowBase + tok);
                int uPair = u.getPair(rowBase + tok);
                dt0 = ScanTile.stepDt(KernelMath.bf16x2Lo(deltaPair), bias, flags);
                dt1 = ScanTile.stepDt(KernelMath.bf16x2Hi(deltaPair), bias, flags);
                dtu0 = dt0 * KernelMath.bf16x2Lo(uPair);
                dtu1 = dt1 * KernelMath.bf16x2Hi(uPair);
            }
            int at = padded(t); // t even: t and t + 1 are in one group of 8, at and at + 1
            dtL[at] = dt0;
            dtL[at + 1] = dt1;
            dtuL[at] = dtu0;
            dtuL[at + 1] = dtu1;
        }
    }

    /**
     * The lane's B and C values of state row {@code bn} for its tokens {@code t0 .. t0 + 7} by 32-bit pairs (an
     * even seqlen: {@code bn + t0} is even), with no alignment test, unlike {@code get4}'s 8-byte loads. Past the
     * end B is 0 (an identity step) and the loads are clamped to the row (C there is never used: those
     * tokens' outputs are not stored).
     */
    static void loadStatePairs(BFloat16Array b, BFloat16Array c, float[] bK, float[] cK, long bn, int t0, int seqlen,
                               boolean full) {
        if (full) {
            for (int q = 0; q < ITEMS / 2; q++) {
                int bPair = b.getPair(bn + t0 + 2 * q);
                int cPair = c.getPair(bn + t0 + 2 * q);
                bK[2 * q] = KernelMath.bf16x2Lo(bPair);
                bK[2 * q + 1] = KernelMath.bf16x2Hi(bPair);
                cK[2 * q] = KernelMath.bf16x2Lo(cPair);
                cK[2 * q + 1] = KernelMath.bf16x2Hi(cPair);
            }
        } else {
            for (int q = 0; q < ITEMS / 2; q++) {
                int t = t0 + 2 * q;
                long at = bn + Math.min(t, seqlen - 2);
                int bPair = t < seqlen ? b.getPair(at) : 0;
                int cPair = c.getPair(at);
                bK[2 * q] = KernelMath.bf16x2Lo(bPair);
                bK[2 * q + 1] = KernelMath.bf16x2Hi(bPair);
                cK[2 * q] = KernelMath.bf16x2Lo(cPair);
                cK[2 * q + 1] = KernelMath.bf16x2Hi(cPair);
            }
        }
    }

    /** The lane's 8 tokens' dt and dt * u from local memory, its partial outputs zeroed; returns the tokens' dt sum. */
    static float readTokens(float[] dtL, float[] dtuL, float[] dt, float[] dtu, float[] y, int lane) {
        int base = lane * PADDED_ITEMS;
        float dtSum = 0f;
        for (int k = 0; k < ITEMS; k++) {
            float v = dtL[base + k];
            dt[k] = v;
            dtu[k] = dtuL[base + k];
            y[k] = 0f;
            dtSum += v;
        }
        return dtSum;
    }

    /** The warp's partial outputs (sum over its states of h C) of the lane's 8 tokens into local memory. */
    static void writePartials(float[] yL, float[] y, int warp, int lane) {
        int base = warp * PADDED_TILE + lane * PADDED_ITEMS;
        for (int k = 0; k < ITEMS; k++) {
            yL[base + k] = y[k];
        }
    }

    /**
     * Stage 3: work-item {@code tid} of {@code threads} finishes tile tokens {@code tid}, {@code tid + threads},
     * ...: D u plus the warps' partials (in warp order), gated by silu(z) if {@code gated}, stored.
     */
    static void storeOutputs(FloatArray u, FloatArray z, FloatArray out, float[] yL, long rowBase, int tile0, int seqlen,
                             float skip, int warps, int tid, int threads, boolean gated) {
        for (int t = tid; t < TILE; t += threads) {
            int tok = tile0 + t;
            if (tok < seqlen) {
                int at = padded(t);
                float yv = skip * u.get(rowBase + tok);
                for (int w = 0; w < warps; w++) {
                    yv += yL[w * PADDED_TILE + at];
                }
                out.set(rowBase + tok, gated ? yv * ScanMath.siluApprox(z.get(rowBase + tok)) : yv);
            }
        }
    }

    /** {@link #storeOutputs(FloatArray, FloatArray, FloatArray, float[], long, int, int, float, int, int, int, boolean)} in bf16. */
    static void storeOutputs(BFloat16Array u, BFloat16Array z, BFloat16Array out, float[] yL, long rowBase, int tile0,
                             int seqlen, float skip, int warps, int tid, int threads, boolean gated) {
        for (int t = tid; t < TILE; t += threads) {
            int tok = tile0 + t;
            if (tok < seqlen) {
                int at = padded(t);
                float yv = skip * u.get(rowBase + tok);
                for (int w = 0; w < warps; w++) {
                    yv += yL[w * PADDED_TILE + at];
                }
                out.set(rowBase + tok, gated ? yv * ScanMath.siluApprox(z.get(rowBase + tok)) : yv);
            }
        }
    }

    /**
     * {@link #storeOutputs(BFloat16Array, BFloat16Array, BFloat16Array, float[], long, int, int, float, int, int, int, boolean)}
     * by pairs of tokens (an even seqlen): 32-bit loads of u and z and one 32-bit store of both outputs, rounded
     * as {@link BFloat16Array#set} rounds ({@link KernelMath#packBf16x2}).
     */
    static void storeOutputPairs(BFloat16Array u, BFloat16Array z, BFloat16Array out, float[] yL, long rowBase, int tile0,
                                 int seqlen, float skip, int warps, int tid, int threads, boolean gated) {
        for (int t = 2 * tid; t < TILE; t += 2 * threads) {
            int tok = tile0 + t;
            if (tok < seqlen) {
                int at = padded(t);
                int uPair = u.getPair(rowBase + tok);
                float y0 = skip * KernelMath.bf16x2Lo(uPair);
                float y1 = skip * KernelMath.bf16x2Hi(uPair);
                for (int w = 0; w < warps; w++) {
                    y0 += yL[w * PADDED_TILE + at];
                    y1 += yL[w * PADDED_TILE + at + 1];
                }
                if (gated) {
                    int zPair = z.getPair(rowBase + tok);
                    y0 = y0 * ScanMath.siluApprox(KernelMath.bf16x2Lo(zPair));
                    y1 = y1 * ScanMath.siluApprox(KernelMath.bf16x2Hi(zPair));
                }
                out.setPair(rowBase + tok, KernelMath.packBf16x2(y0, y1));
            }
        }
    }

    /**
     * One state over the lane's 8 tokens of a tile: folds them into {@code h -> p h + s} (keeping each token's
     * decay {@code e} and input {@code x}; {@code p = exp2(a2 dtSum)}, one exponential instead of 8 products),
     * composes the lanes' steps by an inclusive warp scan, takes the state after the previous lane's last
     * token and replays its tokens ({@code h = e h + x}, {@code y += h C}) if {@code live} (a warp's states past
     * dstate run the same shuffles, which OpenCL and the JVM emulate with work-group barriers, but add
     * nothing). Returns the tile's end state (the same in every lane).
     */
    static float stateStep(KernelContext ctx, float[] bK, float[] cK, float[] dt, float[] dtu, float[] y, float[] e,
                           float[] x, float a2, float carry, float dtSum, int lane, boolean live) {
        float s = 0f;
        for (int k = 0; k < ITEMS; k++) {
            float ek = KernelMath.exp2Approx(dt[k] * a2);
            float xk = dtu[k] * bK[k];
            e[k] = ek;
            x[k] = xk;
            s = KernelMath.fma(ek, s, xk);
        }
        float p = KernelMath.exp2Approx(dtSum * a2);
        // step j then step i (j before i): h -> p_i (p_j h + s_j) + s_i
        for (int off = 1; off < LANES; off = off * 2) {
            float pUp = ctx.shuffleUp(p, off);
            float sUp = ctx.shuffleUp(s, off);
            if (lane >= off) {
                s = KernelMath.fma(p, sUp, s);
                p = p * pUp;
            }
        }
        // the state after this lane's last token; the previous lane's is the state before this lane's first
        float hEnd = KernelMath.fma(p, carry, s);
        float hPrev = ctx.shuffleUp(hEnd, 1);
        float h = lane == 0 ? carry : hPrev;
        if (live) {
            for (int k = 0; k < ITEMS; k++) {
                h = KernelMath.fma(e[k], h, x[k]);
                y[k] = KernelMath.fma(h, cK[k], y[k]);
            }
        }
        return ctx.shuffle(hEnd, LANES - 1);
    }
}
