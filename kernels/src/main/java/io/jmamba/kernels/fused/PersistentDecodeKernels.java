package io.jmamba.kernels.fused;

import io.jmamba.kernels.support.Activations;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.KernelMath;
import io.jmamba.runtime.api.LaunchBounds;
import io.jmamba.runtime.api.Specialize;

/**
 * A Mamba-2 decode layer (few rows, packed bf16 in_proj and out_proj, the gate before the norm) as three phases
 * that one persistent launch runs with grid-wide barriers between them ({@link #layerStep}), or three launches run
 * one each ({@link #phaseA}, {@link #phaseB}, {@link #phaseC}) where a backend has no grid barrier. At batch 1 the
 * three launches of the fused path cost ~3.5 us each in fixed latency for 1-2 us of work (the H100, session 5), so
 * one launch per layer is the point.
 *
 * <ul>
 *   <li>A: residual add + RMSNorm + in_proj; {@link FusedGemvStagedKernels#normGemvBf16}'s arithmetic, a unit =
 *       one (row, {@link #WARPS} x {@link #OUTS} outputs) work-group of it.</li>
 *   <li>B: conv step + SSM state update + D skip + gate y * silu(z); {@link Mamba2DecodeKernels#convSsm}'s
 *       arithmetic, a unit = {@code GROUP / lanes} state rows of one (row, head).</li>
 *   <li>C: grouped RMSNorm of the gated y + out_proj + the conv-state shift;
 *       {@link FusedGemvStagedKernels#preGatedGemvBf16}'s arithmetic, a unit = one (row, {@link #WARPS} outputs).</li>
 * </ul>
 * Every phase walks its units grid-stride over the work-groups, so any grid works; every work-group runs the same
 * number of iterations (a unit past the last skips its loads, products and stores but not its barriers and warp
 * reductions), so every barrier is reached by every work-item of the grid, and none sits in a branch (PoCL
 * miscompiled barriers inside a uniform {@code if}: see GatedNormShiftGuardTest). Each phase's loads that do not depend on the phase before (weights,
 * states) are split out ({@code ...Inputs}) and issued before the wait on it: before the grid barrier in
 * {@link #layerStep}, before {@link KernelContext#gridDependencyWait()} in the phase kernels. Work-groups of
 * {@link #GROUP}; the results agree bit for bit with the three fused kernels (same per-output arithmetic, same
 * reduction order).
 */
public final class PersistentDecodeKernels {
    private PersistentDecodeKernels() {
    }

    /** The most warps per work-group ({@link #WARPS} may be 4 or 8). */
    public static final int MAX_WARPS = 8;
    /**
     * Warps per work-group: 4, as {@link FusedGemvStagedKernels#WARPS} (A's and C's units are its work-groups, and the
     * results equal the fused kernels' bit for bit), or 8 with {@code -Djmamba.decode.persistentWarps=8}: fewer, fatter
     * work-groups (half the units per phase and half the work-groups at each grid barrier; the norms' partial sums then
     * add over 8 warps, so the last bits differ from the fused kernels'). A literal in the compiled kernels.
     */
    public static final int WARPS = Integer.getInteger("jmamba.decode.persistentWarps", FusedGemvStagedKernels.WARPS) == MAX_WARPS
            ? MAX_WARPS : FusedGemvStagedKernels.WARPS;
    /** Work-items per work-group of every kernel here. */
    public static final int GROUP = WARPS * KernelContext.WARP_SIZE;
    /** Work-items per work-group at most: the launch bounds' maxThreads. */
    static final int MAX_GROUP = MAX_WARPS * KernelContext.WARP_SIZE;
    /** in_proj outputs per warp in phase A. */
    public static final int OUTS = FusedGemvStagedKernels.OUTS;
    /**
     * Work-groups per compute unit that {@link #layerStep} is compiled to fit and that the host sizes its grid by (every
     * work-group must be resident at once): 4 of 128 items, 2 of 256. The launch bounds ({@code __launch_bounds__(256,
     * 2)}) cap a work-item at 128 registers either way.
     */
    public static final int GROUPS_PER_CU = 4 * FusedGemvStagedKernels.GROUP / GROUP;
    /** {@link #GROUPS_PER_CU} at {@link #MAX_GROUP} items: the launch bounds' minBlocks. */
    static final int MIN_BLOCKS = 2;
    /**
     * {@code -Djmamba.decode.persistentPrefetch=true}: in a launch of several layers, each layer's in_proj weights are
     * loaded right after the layer before passes its second barrier, so that their DRAM latency overlaps that layer's
     * out_proj and the barrier after it (instead of only the barrier); the norm weights of both GEMVs are then loaded
     * after their barriers (L2-resident: 3 and 6 KB read by every work-group), so that the registers held across C are
     * its W and the next W. A literal in the compiled kernels.
     */
    static final boolean PREFETCH_NEXT = "true".equals(System.getProperty("jmamba.decode.persistentPrefetch"));

    /** Phase bits of {@link #layerStep}'s {@code phases}: all three, as a model runs it (the others time one phase). */
    public static final int ALL_PHASES = 7;

    /** B and C channels per work-item whose conv inputs phase B loads before its wait (2 dstate up to 256 at once). */
    static final int BC_SLOTS = 2;
    static final int CHUNKS = FusedGemvWarpKernels.CHUNKS;
    static final int STRIDE = FusedGemvStagedKernels.STRIDE;
    static final int MAX_NORM_GROUPS = FusedGemvKernels.MAX_NORM_GROUPS;

    /** gemvFlags: phase A adds residualIn to hidden. */
    public static final int HAS_RESIDUAL = 1;
    /** gemvFlags: phase A writes the residual sum to residualOut. */
    public static final int WRITE_RESIDUAL = 2;
    /** gemvFlags: in_proj has a bias. */
    public static final int IN_BIAS = 4;
    /** gemvFlags: out_proj has a bias. */
    public static final int OUT_BIAS = 8;
    /**
     * gemvFlags: phase A's input row is row {@code ids[row]} of the embedding {@code table} (the first layer with the
     * lookup folded in, as {@link FusedEmbedGemvKernels}; an id outside [0, vocab) gives a row of NaN), not hidden.
     */
    public static final int EMBED = 16;

    // slots of phase B's scalar inputs (par)
    private static final int P_BIAS_X = 0;
    private static final int P_A = 1;
    private static final int P_D = 2;
    private static final int P_DT_BIAS = 3;
    private static final int P_BIAS_BC = 4;
    private static final int P_SLOTS = P_BIAS_BC + BC_SLOTS;

    /** Phase A's units: rows x work-groups of {@link #WARPS} x {@link #OUTS} in_proj outputs. */
    public static int inProjUnits(int rows, int out) {
        return rows * inProjBlocks(out);
    }

    static int inProjBlocks(int out) {
        return (out + WARPS * OUTS - 1) / (WARPS * OUTS);
    }

    /** Phase B's units: rows x heads x blocks of {@code GROUP / lanes} state rows. */
    public static int ssmUnits(int rows, int heads, int headdim, int lanes) {
        return rows * heads * ssmBlocks(headdim, lanes);
    }

    static int ssmBlocks(int headdim, int lanes) {
        int perGroup = GROUP / lanes;
        return (headdim + perGroup - 1) / perGroup;
    }

    /** Phase C's units: rows x work-groups of {@link #WARPS} out_proj outputs. */
    public static int outProjUnits(int rows, int out) {
        return rows * outProjBlocks(out);
    }

    static int outProjBlocks(int out) {
        return (out + WARPS - 1) / WARPS;
    }

    // ---------------------------------------------------------------- kernels

    /**
     * The whole layer in one launch: A, grid barrier, B, grid barrier, C. The grid must be resident at once (the
     * CUDA backend launches it cooperatively): at most {@link #GROUPS_PER_CU} work-groups per compute unit.
     * {@code hidden} is read in A and {@code out} written in C: they may be one array (a layer's output is the
     * next layer's hidden). {@code counter}: one int, zero before the first launch; the barriers leave it so.
     * {@code phases}: {@link #ALL_PHASES}, or a subset (bits A 1, B 2, C 4; the barriers stay) to time one phase inside
     * the launch.
     */
    @LaunchBounds(maxThreads = MAX_GROUP, minBlocksPerMultiprocessor = MIN_BLOCKS)
    public static void layerStep(KernelContext ctx, FloatArray hidden, FloatArray residualIn, FloatArray normW, FloatArray inW,
                                 FloatArray inBias, FloatArray zxbcdt, FloatArray residualOut, FloatArray convState,
                                 FloatArray convW, FloatArray convBias, FloatArray ssmState, FloatArray a, FloatArray dSkip,
                                 FloatArray dtBias, FloatArray g, FloatArray gateW, FloatArray outW, FloatArray outBias,
                                 FloatArray out, IntArray ids, FloatArray table, IntArray counter, int rows,
                                 @Specialize int dModel, @Specialize int dInner, int heads, int headdim, int groups, float dtMin,
                                 float dtMax, @Specialize int dstate, @Specialize int width, @Specialize int lanes, int ssmFlags,
                                 @Specialize int groupSize, float eps, int gemvFlags, int vocab, @Specialize int phases) {
        // one local row for A's and C's staged inputs, one B/C vector for B
        float[] xs = ctx.allocateFloatLocalArray(FusedGemvKernels.MAX_IN);
        float[] partial = ctx.allocateFloatLocalArray(MAX_WARPS * MAX_NORM_GROUPS);
        float[] bc = ctx.allocateFloatLocalArray(2 * Mamba2DecodeKernels.MAX_DSTATE);
        float[] wvA = new float[OUTS * 4 * CHUNKS];
        layer(ctx, xs, partial, bc, wvA, hidden, residualIn, normW, inW, inBias, zxbcdt, residualOut, convState, convW, convBias,
                ssmState, a, dSkip, dtBias, g, gateW, outW, outBias, out, inW, ids, table, counter, rows, dModel, dInner, heads,
                headdim, groups, dtMin, dtMax, dstate, width, lanes, ssmFlags, groupSize, eps, gemvFlags, vocab, false, true,
                phases);
    }

    /**
     * Two consecutive layers in one launch: {@link #layerStep}'s phases for the first (arrays ending in 1), a grid
     * barrier, then the second's (ending in 2): five grid barriers, half the launches of a layer per launch. The second
     * layer's in_proj weights are loaded before the barrier that waits for the first layer's output. The layers must
     * have one shape; their arrays are their own (in a model the second's hidden is the first's out, its residualIn
     * the first's residualOut, and the scratch arrays zxbcdt and g are shared: the barriers order every use).
     */
    @LaunchBounds(maxThreads = MAX_GROUP, minBlocksPerMultiprocessor = MIN_BLOCKS)
    public static void layerPairStep(KernelContext ctx, FloatArray hidden1, FloatArray residualIn1, FloatArray normW1,
                                     FloatArray inW1, FloatArray inBias1, FloatArray zxbcdt1, FloatArray residualOut1,
                                     FloatArray convState1, FloatArray convW1, FloatArray convBias1, FloatArray ssmState1,
                                     FloatArray a1, FloatArray dSkip1, FloatArray dtBias1, FloatArray g1, FloatArray gateW1,
                                     FloatArray outW1, FloatArray outBias1, FloatArray out1, FloatArray hidden2,
                                     FloatArray residualIn2, FloatArray normW2, FloatArray inW2, FloatArray inBias2,
                                     FloatArray zxbcdt2, FloatArray residualOut2, FloatArray convState2, FloatArray convW2,
                                     FloatArray convBias2, FloatArray ssmState2, FloatArray a2, FloatArray dSkip2,
                                     FloatArray dtBias2, FloatArray g2, FloatArray gateW2, FloatArray outW2, FloatArray outBias2,
                                     FloatArray out2, IntArray ids, FloatArray table, IntArray counter, int rows,
                                     @Specialize int dModel, @Specialize int dInner, int heads, int headdim, int groups,
                                     float dtMin, float dtMax, @Specialize int dstate, @Specialize int width, @Specialize int lanes,
                                     int ssmFlags1, int ssmFlags2, @Specialize int groupSize, float eps, int gemvFlags1,
                                     int gemvFlags2, int vocab) {
        float[] xs = ctx.allocateFloatLocalArray(FusedGemvKernels.MAX_IN);
        float[] partial = ctx.allocateFloatLocalArray(MAX_WARPS * MAX_NORM_GROUPS);
        float[] bc = ctx.allocateFloatLocalArray(2 * Mamba2DecodeKernels.MAX_DSTATE);
        float[] wvA = new float[OUTS * 4 * CHUNKS];
        layer(ctx, xs, partial, bc, wvA, hidden1, residualIn1, normW1, inW1, inBias1, zxbcdt1, residualOut1, convState1, convW1,
                convBias1, ssmState1, a1, dSkip1, dtBias1, g1, gateW1, outW1, outBias1, out1, inW2, ids, table, counter, rows,
                dModel, dInner, heads, headdim, groups, dtMin, dtMax, dstate, width, lanes, ssmFlags1, groupSize, eps, gemvFlags1,
                vocab, false, false, ALL_PHASES);
        layer(ctx, xs, partial, bc, wvA, hidden2, residualIn2, normW2, inW2, inBias2, zxbcdt2, residualOut2, convState2, convW2,
                convBias2, ssmState2, a2, dSkip2, dtBias2, g2, gateW2, outW2, outBias2, out2, inW2, ids, table, counter, rows,
                dModel, dInner, heads, headdim, groups, dtMin, dtMax, dstate, width, lanes, ssmFlags2, groupSize, eps, gemvFlags2,
                vocab, true, true, ALL_PHASES);
    }

    /**
     * Four consecutive layers in one launch, as {@link #layerPairStep} takes two: eleven grid barriers, a quarter of the
     * launches of a layer per launch. The layers share one shape and one set of optional conv/SSM inputs
     * ({@code ssmFlags}); their arrays are their own, numbered 1 to 4.
     */
    @LaunchBounds(maxThreads = MAX_GROUP, minBlocksPerMultiprocessor = MIN_BLOCKS)
    public static void layerQuadStep(KernelContext ctx, FloatArray hidden1, FloatArray residualIn1, FloatArray normW1,
                                      FloatArray inW1, FloatArray inBias1, FloatArray zxbcdt1, FloatArray residualOut1,
                                      FloatArray convState1, FloatArray convW1, FloatArray convBias1,
                                      FloatArray ssmState1, FloatArray a1, FloatArray dSkip1, FloatArray dtBias1,
                                      FloatArray g1, FloatArray gateW1, FloatArray outW1, FloatArray outBias1,
                                      FloatArray out1, FloatArray hidden2, FloatArray residualIn2, FloatArray normW2,
                                      FloatArray inW2, FloatArray inBias2, FloatArray zxbcdt2, FloatArray residualOut2,
                                      FloatArray convState2, FloatArray convW2, FloatArray convBias2,
                                      FloatArray ssmState2, FloatArray a2, FloatArray dSkip2, FloatArray dtBias2,
                                      FloatArray g2, FloatArray gateW2, FloatArray outW2, FloatArray outBias2,
                                      FloatArray out2, FloatArray hidden3, FloatArray residualIn3, FloatArray normW3,
                                      FloatArray inW3, FloatArray inBias3, FloatArray zxbcdt3, FloatArray residualOut3,
                                      FloatArray convState3, FloatArray convW3, FloatArray convBias3,
                                      FloatArray ssmState3, FloatArray a3, FloatArray dSkip3, FloatArray dtBias3,
                                      FloatArray g3, FloatArray gateW3, FloatArray outW3, FloatArray outBias3,
                                      FloatArray out3, FloatArray hidden4, FloatArray residualIn4, FloatArray normW4,
                                      FloatArray inW4, FloatArray inBias4, FloatArray zxbcdt4, FloatArray residualOut4,
                                      FloatArray convState4, FloatArray convW4, FloatArray convBias4,
                                      FloatArray ssmState4, FloatArray a4, FloatArray dSkip4, FloatArray dtBias4,
                                      FloatArray g4, FloatArray gateW4, FloatArray outW4, FloatArray outBias4,
                                      FloatArray out4, IntArray ids, FloatArray table, IntArray counter, int rows,
                                      @Specialize int dModel, @Specialize int dInner, int heads, int headdim,
                                      int groups, float dtMin, float dtMax, @Specialize int dstate,
                                      @Specialize int width, @Specialize int lanes, int ssmFlags,
                                      @Specialize int groupSize, float eps, int gemvFlags1, int gemvFlags2,
                                      int gemvFlags3, int gemvFlags4, int vocab) {
        float[] xs = ctx.allocateFloatLocalArray(FusedGemvKernels.MAX_IN);
        float[] partial = ctx.allocateFloatLocalArray(MAX_WARPS * MAX_NORM_GROUPS);
        float[] bc = ctx.allocateFloatLocalArray(2 * Mamba2DecodeKernels.MAX_DSTATE);
        float[] wvA = new float[OUTS * 4 * CHUNKS];
        layer(ctx, xs, partial, bc, wvA, hidden1, residualIn1, normW1, inW1, inBias1, zxbcdt1, residualOut1, convState1,
                convW1, convBias1, ssmState1, a1, dSkip1, dtBias1, g1, gateW1, outW1, outBias1, out1, inW2, ids, table,
                counter, rows, dModel, dInner, heads, headdim, groups, dtMin, dtMax, dstate, width, lanes, ssmFlags,
                groupSize, eps, gemvFlags1, vocab, false, false, ALL_PHASES);
        layer(ctx, xs, partial, bc, wvA, hidden2, residualIn2, normW2, inW2, inBias2, zxbcdt2, residualOut2, convState2,
                convW2, convBias2, ssmState2, a2, dSkip2, dtBias2, g2, gateW2, outW2, outBias2, out2, inW3, ids, table,
                counter, rows, dModel, dInner, heads, headdim, groups, dtMin, dtMax, dstate, width, lanes, ssmFlags,
                groupSize, eps, gemvFlags2, vocab, true, false, ALL_PHASES);
        layer(ctx, xs, partial, bc, wvA, hidden3, residualIn3, normW3, inW3, inBias3, zxbcdt3, residualOut3, convState3,
                convW3, convBias3, ssmState3, a3, dSkip3, dtBias3, g3, gateW3, outW3, outBias3, out3, inW4, ids, table,
                counter, rows, dModel, dInner, heads, headdim, groups, dtMin, dtMax, dstate, width, lanes, ssmFlags,
                groupSize, eps, gemvFlags3, vocab, true, false, ALL_PHASES);
        layer(ctx, xs, partial, bc, wvA, hidden4, residualIn4, normW4, inW4, inBias4, zxbcdt4, residualOut4, convState4,
                convW4, convBias4, ssmState4, a4, dSkip4, dtBias4, g4, gateW4, outW4, outBias4, out4, inW4, ids, table,
                counter, rows, dModel, dInner, heads, headdim, groups, dtMin, dtMax, dstate, width, lanes, ssmFlags,
                groupSize, eps, gemvFlags4, vocab, true, true, ALL_PHASES);
    }

    /**
     * One layer's phases with grid barriers between them. {@code afterLayer}: a layer before it ran in this launch, so
     * A waits for it at a grid barrier (after loading its weights) instead of on the launch before; {@code last}: the
     * launch's last layer, which lets the next launch start (programmatic dependent launch) before its C; {@code wvA}:
     * the in_proj weights' registers, shared with the next layer's call ({@link #PREFETCH_NEXT} fills them from
     * {@code nextInW} before C); {@code phases}: which phases run ({@link #ALL_PHASES}).
     */
    static void layer(KernelContext ctx, float[] xs, float[] partial, float[] bc, float[] wvA, FloatArray hidden,
                      FloatArray residualIn, FloatArray normW, FloatArray inW, FloatArray inBias, FloatArray zxbcdt,
                      FloatArray residualOut, FloatArray convState, FloatArray convW, FloatArray convBias, FloatArray ssmState,
                      FloatArray a, FloatArray dSkip, FloatArray dtBias, FloatArray g, FloatArray gateW, FloatArray outW,
                      FloatArray outBias, FloatArray out, FloatArray nextInW, IntArray ids, FloatArray table, IntArray counter,
                      int rows, int dModel, int dInner, int heads, int headdim, int groups, float dtMin, float dtMax, int dstate,
                      int width, int lanes, int ssmFlags, int groupSize, float eps, int gemvFlags, int vocab, boolean afterLayer,
                      boolean last, int phases) {
        float[] nw = new float[8 * CHUNKS];
        float[] sv = new float[(dstate + lanes - 1) / lanes];
        float[] wx = new float[width];
        float[] sx = new float[width];
        float[] wb = new float[BC_SLOTS * width];
        float[] sb = new float[BC_SLOTS * width];
        float[] par = new float[P_SLOTS];
        float[] wvC = new float[4 * CHUNKS];
        float[] gw = new float[8 * CHUNKS];
        float[] shifted = new float[width];
        int lid = ctx.localIdx;
        int lane = lid % KernelContext.WARP_SIZE;
        int warp = lid / KernelContext.WARP_SIZE;
        int inRows = dInner + dInner + 2 * groups * dstate + heads;
        int convDim = dInner + 2 * groups * dstate;
        boolean runA = (phases & 1) != 0;
        boolean runB = (phases & 2) != 0;
        boolean runC = (phases & 4) != 0;
        // A: its weights (unless the layer before loaded them: PREFETCH_NEXT), then the activations of the launch (or the
        // layer) before
        if (runA && !(afterLayer && PREFETCH_NEXT)) {
            inProjInputs(inW, wvA, lane, warp, ctx.groupIdx, inProjUnits(rows, inRows), inProjBlocks(inRows), dModel / 2, inRows);
        }
        if (runA && !PREFETCH_NEXT) {
            FusedGemvWarpKernels.normWeights(normW, nw, lane, dModel);
        }
        if (afterLayer) {
            ctx.gridBarrier(counter);
        } else {
            ctx.gridDependencyWait();
        }
        if (runA) {
            if (PREFETCH_NEXT) {
                FusedGemvWarpKernels.normWeights(normW, nw, lane, dModel);
            }
            inProj(ctx, xs, partial, wvA, nw, hidden, residualIn, ids, table, inW, inBias, zxbcdt, residualOut, rows, dModel,
                    inRows, eps, gemvFlags, vocab);
        }
        // B's state rows and conv weights and C's weights are in flight across the barrier
        if (runB) {
            ssmInputs(convState, convW, convBias, ssmState, a, dSkip, dtBias, sv, wx, sx, wb, sb, par, lid, ctx.groupIdx, rows,
                    heads, headdim, groups, dstate, width, lanes, ssmFlags);
        }
        if (runC) {
            outProjInputs(outW, convState, wvC, shifted, lid, ctx.groupIdx, outProjUnits(rows, dModel), outProjBlocks(dModel),
                    dInner / 2, dModel, convDim, width);
        }
        ctx.gridBarrier(counter);
        if (runB) {
            ssm(ctx, bc, sv, wx, sx, wb, sb, par, zxbcdt, convState, convW, convBias, ssmState, a, dSkip, dtBias, g, rows, heads,
                    headdim, groups, dtMin, dtMax, dstate, width, lanes, ssmFlags);
        }
        // the gate norm's weight (6 KB, the same for every work-group) only now: B's registers are free again
        if (runC && !PREFETCH_NEXT) {
            FusedGemvWarpKernels.normWeights(gateW, gw, lane, dInner);
        }
        ctx.gridBarrier(counter);
        if (last) {
            // the next launch may start its weight loads now
            ctx.launchDependents();
        }
        if (runC && PREFETCH_NEXT) {
            FusedGemvWarpKernels.normWeights(gateW, gw, lane, dInner);
        }
        if (runA && !last && PREFETCH_NEXT) {
            // the next layer's in_proj weights: in flight during C and the barrier after it
            inProjInputs(nextInW, wvA, lane, warp, ctx.groupIdx, inProjUnits(rows, inRows), inProjBlocks(inRows), dModel / 2,
                    inRows);
        }
        if (runC) {
            outProj(ctx, xs, partial, wvC, gw, shifted, g, zxbcdt, outW, outBias, out, convState, rows, dInner, dModel, inRows,
                    convDim, groupSize, eps, gemvFlags, width);
        }
    }

    /**
     * Phase A alone: residualOut = hidden (+ residualIn); y = RMSNorm(residualOut) * normW . W^T (+ bias), W the
     * packed bf16 view (out, in / 2). Any grid of {@link #GROUP}-item work-groups ({@link #inProjUnits} of them: one
     * unit each).
     */
    public static void phaseA(KernelContext ctx, FloatArray hidden, FloatArray residualIn, FloatArray normW, FloatArray w,
                              FloatArray bias, FloatArray y, FloatArray residualOut, IntArray ids, FloatArray table, int rows,
                              @Specialize int in, int out, float eps, int gemvFlags, int vocab) {
        float[] xs = ctx.allocateFloatLocalArray(FusedGemvKernels.MAX_IN);
        float[] partial = ctx.allocateFloatLocalArray(MAX_WARPS * MAX_NORM_GROUPS);
        float[] wv = new float[OUTS * 4 * CHUNKS];
        float[] nw = new float[8 * CHUNKS];
        int lane = ctx.localIdx % KernelContext.WARP_SIZE;
        int warp = ctx.localIdx / KernelContext.WARP_SIZE;
        inProjInputs(w, wv, lane, warp, ctx.groupIdx, inProjUnits(rows, out), inProjBlocks(out), in / 2, out);
        FusedGemvWarpKernels.normWeights(normW, nw, lane, in);
        ctx.gridDependencyWait();
        ctx.launchDependents();
        inProj(ctx, xs, partial, wv, nw, hidden, residualIn, ids, table, w, bias, y, residualOut, rows, in, out, eps, gemvFlags,
                vocab);
    }

    /**
     * Phase B alone: {@link Mamba2DecodeKernels#convSsm}'s contract (its flags; {@code g} its y). Any grid of
     * {@link #GROUP}-item work-groups ({@link #ssmUnits} of them: one unit each).
     */
    public static void phaseB(KernelContext ctx, FloatArray zxbcdt, FloatArray convState, FloatArray convW, FloatArray convBias,
                              FloatArray ssmState, FloatArray a, FloatArray dSkip, FloatArray dtBias, FloatArray g, int rows,
                              int heads, int headdim, int groups, float dtMin, float dtMax, @Specialize int dstate,
                              @Specialize int width, @Specialize int lanes, int ssmFlags) {
        float[] bc = ctx.allocateFloatLocalArray(2 * Mamba2DecodeKernels.MAX_DSTATE);
        float[] sv = new float[(dstate + lanes - 1) / lanes];
        float[] wx = new float[width];
        float[] sx = new float[width];
        float[] wb = new float[BC_SLOTS * width];
        float[] sb = new float[BC_SLOTS * width];
        float[] par = new float[P_SLOTS];
        ssmInputs(convState, convW, convBias, ssmState, a, dSkip, dtBias, sv, wx, sx, wb, sb, par, ctx.localIdx, ctx.groupIdx,
                rows, heads, headdim, groups, dstate, width, lanes, ssmFlags);
        ctx.gridDependencyWait();
        ctx.launchDependents();
        ssm(ctx, bc, sv, wx, sx, wb, sb, par, zxbcdt, convState, convW, convBias, ssmState, a, dSkip, dtBias, g, rows, heads,
                headdim, groups, dtMin, dtMax, dstate, width, lanes, ssmFlags);
    }

    /**
     * Phase C alone: {@link FusedGemvStagedKernels#preGatedGemvBf16}'s contract: y = (grouped RMSNorm of the gated
     * {@code g}) * gateW . W^T (+ bias), and the conv-state shift. Any grid of {@link #GROUP}-item work-groups
     * ({@link #outProjUnits} of them: one unit each).
     */
    public static void phaseC(KernelContext ctx, FloatArray g, FloatArray zxbcdt, FloatArray gateW, FloatArray w, FloatArray bias,
                              FloatArray y, FloatArray convState, int rows, @Specialize int in, int out, int inRows, int convDim,
                              @Specialize int groupSize, float eps, int gemvFlags, @Specialize int width) {
        float[] xs = ctx.allocateFloatLocalArray(FusedGemvKernels.MAX_IN);
        float[] partial = ctx.allocateFloatLocalArray(MAX_WARPS * MAX_NORM_GROUPS);
        float[] wv = new float[4 * CHUNKS];
        float[] gw = new float[8 * CHUNKS];
        float[] shifted = new float[width];
        int lane = ctx.localIdx % KernelContext.WARP_SIZE;
        outProjInputs(w, convState, wv, shifted, ctx.localIdx, ctx.groupIdx, outProjUnits(rows, out), outProjBlocks(out), in / 2,
                out, convDim, width);
        FusedGemvWarpKernels.normWeights(gateW, gw, lane, in);
        ctx.gridDependencyWait();
        ctx.launchDependents();
        outProj(ctx, xs, partial, wv, gw, shifted, g, zxbcdt, w, bias, y, convState, rows, in, out, inRows, convDim, groupSize,
                eps, gemvFlags, width);
    }

    // ---------------------------------------------------------------- phase A: norm + in_proj

    /** The W rows of this warp's {@link #OUTS} outputs in {@code unit} (nothing for a unit past the last). */
    static void inProjInputs(FloatArray w, float[] wv, int lane, int warp, int unit, int units, int blocks, int inP, int out) {
        if (unit < units) {
            int o0 = ((unit % blocks) * WARPS + warp) * OUTS;
            FusedGemvWarpKernels.loadRows(w, wv, lane, o0, inP, out);
        }
    }

    /** Phase A over this work-group's units, the first unit's W already in {@code wv}. */
    static void inProj(KernelContext ctx, float[] xs, float[] partial, float[] wv, float[] nw, FloatArray hidden,
                       FloatArray residualIn, IntArray ids, FloatArray table, FloatArray w, FloatArray bias, FloatArray y,
                       FloatArray residualOut, int rows, int in, int out, float eps, int gemvFlags, int vocab) {
        float[] t = new float[4];
        float[] acc = new float[OUTS];
        float[] r = new float[4];
        int lid = ctx.localIdx;
        int lane = lid % KernelContext.WARP_SIZE;
        int warp = lid / KernelContext.WARP_SIZE;
        int numGroups = ctx.globalGroupSizeX / GROUP;
        int blocks = inProjBlocks(out);
        int units = rows * blocks;
        int iters = (units + numGroups - 1) / numGroups;
        int inP = in / 2;
        boolean hasResidual = (gemvFlags & HAS_RESIDUAL) != 0;
        boolean embed = (gemvFlags & EMBED) != 0;
        boolean hasBias = (gemvFlags & IN_BIAS) != 0;
        for (int it = 0; it < iters; it++) {
            int unit = ctx.groupIdx + it * numGroups;
            if (it > 0) {
                inProjInputs(w, wv, lane, warp, unit, units, blocks, inP, out);
            }
            boolean live = unit < units;
            int at = Math.min(unit, units - 1);
            int row = at / blocks;
            int blk = at - row * blocks;
            int o0 = (blk * WARPS + warp) * OUTS;
            long base = (long) row * in;
            // the first layer with the lookup folded in reads row ids[row] of the table (ids: the launch before's argmax)
            int id = embed ? ids.get(row) : 0;
            boolean valid = id >= 0 && id < vocab;
            long src = embed ? (valid ? (long) id * in : 0L) : base;
            boolean writer = live && (gemvFlags & WRITE_RESIDUAL) != 0 && blk == 0;
            float ss = 0f;
            for (int q = lid; live && 4 * q < in; q += GROUP) {
                if (embed) {
                    table.get4(src + 4 * q, t, 0);
                    if (!valid) {
                        // as EmbeddingKernels.gather: an id outside the vocabulary gives a row of NaN
                        for (int e = 0; e < 4; e++) {
                            t[e] = Float.NaN;
                        }
                    }
                } else {
                    hidden.get4(src + 4 * q, t, 0);
                }
                if (hasResidual) {
                    residualIn.get4(base + 4 * q, r, 0);
                    FusedGemvStagedKernels.addResidual(t, r);
                }
                if (writer) {
                    residualOut.set4(base + 4 * q, t, 0);
                }
                ss = FusedGemvStagedKernels.stage(xs, t, q, ss);
            }
            float scale = FusedGemvStagedKernels.rmsScale(ctx, partial, ss, lane, warp, WARPS, in, eps);
            FusedGemvStagedKernels.dotPair(acc, xs, nw, wv, scale, lane, inP, live);
            float a0 = ctx.warpReduceSum(acc[0]);
            float a1 = ctx.warpReduceSum(acc[1]);
            FusedGemvStagedKernels.storePair(y, bias, a0, a1, row, out, o0, hasBias, live && lane == 0);
            // the next unit restages xs and partial
            ctx.localBarrier();
        }
    }

    // ---------------------------------------------------------------- phase B: conv + SSM state update + gate

    /**
     * What phase B reads of {@code unit} that the phase before does not write: the state row slice of this item, the
     * conv weights and old conv state of its x channel and of its first {@link #BC_SLOTS} B/C channels, the head's
     * parameters (in {@code par}). Nothing for a unit past the last.
     */
    static void ssmInputs(FloatArray convState, FloatArray convW, FloatArray convBias, FloatArray ssmState, FloatArray a,
                          FloatArray dSkip, FloatArray dtBias, float[] sv, float[] wx, float[] sx, float[] wb, float[] sb,
                          float[] par, int lid, int unit, int rows, int heads, int headdim, int groups, int dstate, int width,
                          int lanes, int flags) {
        int blocks = ssmBlocks(headdim, lanes);
        if (unit < rows * heads * blocks) {
            int dInner = heads * headdim;
            int gn = groups * dstate;
            int convDim = dInner + 2 * gn;
            int stateLen = width - 1;
            int rowsPerGroup = GROUP / lanes;
            int bh = unit / blocks;
            int pb = unit - bh * blocks;
            int bi = bh / heads;
            int h = bh - bi * heads;
            int gi = h / (heads / groups);
            int lane = lid % lanes;
            int pp = Math.min(pb * rowsPerGroup + lid / lanes, headdim - 1);
            int ch = h * headdim + pp;
            long stateBase = (((long) bi * heads + h) * headdim + pp) * dstate;
            int slots = (dstate + lanes - 1) / lanes;
            Mamba2DecodeKernels.loadState(ssmState, sv, stateBase, lane, lanes, slots, dstate,
                    Mamba2DecodeKernels.STATE_QUADS && dstate % (4 * lanes) == 0);
            long xState = ((long) bi * convDim + ch) * stateLen;
            for (int k = 0; k < width; k++) {
                wx[k] = convW.get((long) ch * width + k);
            }
            for (int k = 0; k < stateLen; k++) {
                sx[k] = convState.get(xState + k);
            }
            par[P_BIAS_X] = (flags & Mamba2DecodeKernels.CONV_BIAS) != 0 ? convBias.get(ch) : 0f;
            for (int s = 0; s < BC_SLOTS; s++) {
                int j = lid + GROUP * s;
                if (j < 2 * dstate) {
                    int cb = bcChannel(j, dInner, gn, gi, dstate);
                    long bState = ((long) bi * convDim + cb) * stateLen;
                    for (int k = 0; k < width; k++) {
                        wb[s * width + k] = convW.get((long) cb * width + k);
                    }
                    for (int k = 0; k < stateLen; k++) {
                        sb[s * width + k] = convState.get(bState + k);
                    }
                    par[P_BIAS_BC + s] = (flags & Mamba2DecodeKernels.CONV_BIAS) != 0 ? convBias.get(cb) : 0f;
                }
            }
            par[P_A] = a.get(h);
            par[P_D] = (flags & Mamba2DecodeKernels.HAS_D) != 0 ? dSkip.get(h) : 0f;
            par[P_DT_BIAS] = (flags & Mamba2DecodeKernels.DT_BIAS) != 0 ? dtBias.get(h) : 0f;
        }
    }

    /** Channel of entry {@code j} of a group's B (j < dstate) and C vectors in xBC's numbering. */
    static int bcChannel(int j, int dInner, int gn, int gi, int dstate) {
        return j < dstate ? dInner + gi * dstate + j : dInner + gn + gi * dstate + (j - dstate);
    }

    /** Phase B over this work-group's units, the first unit's inputs already loaded ({@link #ssmInputs}). */
    static void ssm(KernelContext ctx, float[] bc, float[] sv, float[] wx, float[] sx, float[] wb, float[] sb, float[] par,
                    FloatArray zxbcdt, FloatArray convState, FloatArray convW, FloatArray convBias, FloatArray ssmState,
                    FloatArray a, FloatArray dSkip, FloatArray dtBias, FloatArray g, int rows, int heads, int headdim, int groups,
                    float dtMin, float dtMax, int dstate, int width, int lanes, int flags) {
        int dInner = heads * headdim;
        int gn = groups * dstate;
        int convDim = dInner + 2 * gn;
        int inRows = dInner + convDim + heads;
        int stateLen = width - 1;
        int rowsPerGroup = GROUP / lanes;
        int blocks = ssmBlocks(headdim, lanes);
        int units = rows * heads * blocks;
        int numGroups = ctx.globalGroupSizeX / GROUP;
        int iters = (units + numGroups - 1) / numGroups;
        int lid = ctx.localIdx;
        int lane = lid % lanes;
        int slots = (dstate + lanes - 1) / lanes;
        boolean quads = Mamba2DecodeKernels.STATE_QUADS && dstate % (4 * lanes) == 0;
        for (int it = 0; it < iters; it++) {
            int unit = ctx.groupIdx + it * numGroups;
            if (it > 0) {
                ssmInputs(convState, convW, convBias, ssmState, a, dSkip, dtBias, sv, wx, sx, wb, sb, par, lid, unit, rows,
                        heads, headdim, groups, dstate, width, lanes, flags);
            }
            boolean live = unit < units;
            int at = Math.min(unit, units - 1);
            int bh = at / blocks;
            int pb = at - bh * blocks;
            int bi = bh / heads;
            int h = bh - bi * heads;
            int gi = h / (heads / groups);
            long zRow = (long) bi * inRows;
            int p = pb * rowsPerGroup + lid / lanes;
            boolean owner = live && p < headdim;
            int pp = Math.min(p, headdim - 1);
            int ch = h * headdim + pp;
            long stateBase = (((long) bi * heads + h) * headdim + pp) * dstate;
            // the conv as conv(): bias + sum_k w[k] * (old state | x), SiLU
            float accX = par[P_BIAS_X];
            for (int k = 0; k < stateLen; k++) {
                accX += wx[k] * sx[k];
            }
            accX += wx[stateLen] * zxbcdt.get(zRow + dInner + ch);
            float xv = Activations.silu(accX);
            float zv = (flags & Mamba2DecodeKernels.GATE_Z) != 0 ? zxbcdt.get(zRow + ch) : 0f;
            float dtv = zxbcdt.get(zRow + dInner + convDim + h);
            if ((flags & Mamba2DecodeKernels.DT_BIAS) != 0) {
                dtv += par[P_DT_BIAS];
            }
            if ((flags & Mamba2DecodeKernels.DT_SOFTPLUS) != 0) {
                dtv = Activations.softplus(dtv);
            }
            if ((flags & Mamba2DecodeKernels.DT_LIMIT) != 0) {
                dtv = Math.min(Math.max(dtv, dtMin), dtMax);
            }
            float decay = KernelMath.exp(dtv * par[P_A]);
            float dtx = dtv * xv;
            // B and C of the head's group: the first BC_SLOTS per item from the registers, any further ones as they come
            for (int s = 0; s < BC_SLOTS; s++) {
                int j = lid + GROUP * s;
                if (live && j < 2 * dstate) {
                    int cb = bcChannel(j, dInner, gn, gi, dstate);
                    float accB = par[P_BIAS_BC + s];
                    for (int k = 0; k < stateLen; k++) {
                        accB += wb[s * width + k] * sb[s * width + k];
                    }
                    accB += wb[s * width + stateLen] * zxbcdt.get(zRow + dInner + cb);
                    bc[j] = Activations.silu(accB);
                }
            }
            for (int j = lid + GROUP * BC_SLOTS; live && j < 2 * dstate; j += GROUP) {
                int c = bcChannel(j, dInner, gn, gi, dstate);
                bc[j] = Mamba2DecodeKernels.conv(zxbcdt, convState, convW, convBias, zRow + dInner + c,
                        ((long) bi * convDim + c) * stateLen, c, width, flags);
            }
            ctx.localBarrier();
            float acc = Mamba2DecodeKernels.updateState(ctx, ssmState, sv, bc, stateBase, lane, lanes, slots, dstate, decay, dtx,
                    quads, owner);
            if (owner && lane == 0) {
                if ((flags & Mamba2DecodeKernels.HAS_D) != 0) {
                    acc = KernelMath.fma(par[P_D], xv, acc);
                }
                if ((flags & Mamba2DecodeKernels.GATE_Z) != 0) {
                    acc = acc * FusedGemvKernels.silu(zv);
                }
                g.set((long) bi * dInner + ch, acc);
            }
            // the next unit rewrites bc
            ctx.localBarrier();
        }
    }

    // ---------------------------------------------------------------- phase C: gated norm + out_proj + conv shift

    /**
     * What phase C reads of {@code unit} before the phases before it finish: this warp's W row and the old conv state
     * of this item's first channel (B reads the old state and C alone writes it, after B). Nothing past the last unit.
     */
    static void outProjInputs(FloatArray w, FloatArray convState, float[] wv, float[] shifted, int lid, int unit, int units,
                              int blocks, int inP, int out, int convDim, int width) {
        if (unit < units) {
            int lane = lid % KernelContext.WARP_SIZE;
            int row = unit / blocks;
            int blk = unit - row * blocks;
            int o = blk * WARPS + lid / KernelContext.WARP_SIZE;
            if (o < out) {
                long wRow = (long) o * inP;
                for (int j = 0; j < CHUNKS; j++) {
                    int kp = 4 * lane + 4 * KernelContext.WARP_SIZE * j;
                    if (kp + 4 <= inP) {
                        w.get4(wRow + kp, wv, 4 * j);
                    }
                }
            }
            int stateLen = width - 1;
            int c0 = blk * GROUP + lid;
            if (c0 < convDim) {
                long sAt = ((long) row * convDim + c0) * stateLen;
                for (int i = 0; i < stateLen - 1; i++) {
                    shifted[i] = convState.get(sAt + i + 1);
                }
            }
        }
    }

    /** Phase C over this work-group's units, the first unit's inputs already loaded ({@link #outProjInputs}). */
    static void outProj(KernelContext ctx, float[] xs, float[] partial, float[] wv, float[] gw, float[] shifted, FloatArray g,
                        FloatArray zxbcdt, FloatArray w, FloatArray bias, FloatArray y, FloatArray convState, int rows, int in,
                        int out, int inRows, int convDim, int groupSize, float eps, int gemvFlags, int width) {
        float[] ssg = new float[MAX_NORM_GROUPS];
        float[] sc = new float[MAX_NORM_GROUPS];
        float[] t = new float[4];
        int lid = ctx.localIdx;
        int lane = lid % KernelContext.WARP_SIZE;
        int warp = lid / KernelContext.WARP_SIZE;
        int numGroups = ctx.globalGroupSizeX / GROUP;
        int blocks = outProjBlocks(out);
        int units = rows * blocks;
        int iters = (units + numGroups - 1) / numGroups;
        int inP = in / 2;
        int stateLen = width - 1;
        boolean hasBias = (gemvFlags & OUT_BIAS) != 0;
        for (int it = 0; it < iters; it++) {
            int unit = ctx.groupIdx + it * numGroups;
            if (it > 0) {
                outProjInputs(w, convState, wv, shifted, lid, unit, units, blocks, inP, out, convDim, width);
            }
            boolean live = unit < units;
            int at = Math.min(unit, units - 1);
            int row = at / blocks;
            int blk = at - row * blocks;
            int o = blk * WARPS + warp;
            long gb = (long) row * in;
            long zb = (long) row * inRows;
            int c0 = blk * GROUP + lid;
            if (c0 < convDim) {
                shifted[stateLen - 1] = zxbcdt.get(zb + in + c0);
            }
            for (int q = 0; q < MAX_NORM_GROUPS; q++) {
                ssg[q] = 0f;
            }
            for (int q = lid; live && 4 * q < in; q += GROUP) {
                g.get4(gb + 4 * q, t, 0);
                FusedGemvStagedKernels.stageGrouped(xs, t, ssg, q, groupSize);
            }
            FusedGemvStagedKernels.groupScales(ctx, partial, ssg, sc, lane, warp, WARPS, in, groupSize, eps);
            float acc = FusedGemvStagedKernels.dotGrouped(xs, gw, wv, sc, lane, inP, groupSize, live);
            acc = ctx.warpReduceSum(acc);
            if (live && lane == 0 && o < out) {
                y.set((long) row * out + o, hasBias ? acc + bias.get(o) : acc);
            }
            FusedGemvStagedKernels.storeShift(convState, zxbcdt, shifted, row, c0, blocks * GROUP, convDim, zb, in, stateLen,
                    live);
            // the next unit restages xs and partial
            ctx.localBarrier();
        }
    }
}
