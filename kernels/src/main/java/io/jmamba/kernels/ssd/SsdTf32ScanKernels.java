package io.jmamba.kernels.ssd;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.KernelMath;
import io.jmamba.runtime.api.LaunchBounds;
import io.jmamba.runtime.api.Specialize;

import static io.jmamba.kernels.ssd.SsdTensorKernels.GROUP;
import static io.jmamba.kernels.ssd.SsdTensorKernels.LOG2E;
import static io.jmamba.kernels.ssd.SsdTensorKernels.MAX_CHUNK;
import static io.jmamba.kernels.ssd.SsdTensorKernels.NT;
import static io.jmamba.kernels.ssd.SsdTensorKernels.TILE;

/**
 * The chunk scan of the fp32 SSD ({@link SsdWideKernels#chunkScan}: same arguments and result) on tensor cores, with
 * every product split in three TF32 products ({@link Tf32Split}, each a {@link KernelContext#mmaTf32Frag}: m16n8k8,
 * fp32 accumulation) so that it stays within the fp32 fixtures' tolerance (a single TF32 product does not).
 *
 * <p>Why: the FFMA chunk scan took 3.46 of the fp32 SSD's 4.87 ms at 64K tokens on the H100 (session 7: about 15
 * TFLOP/s, FMA pipe 30%, 25% occupancy), against Triton's whole fp32 SSD at 2.11 ms (single TF32 products). Three TF32
 * products per float product still run at several times the FFMA rate: 1.16 ms at 64K (session 9, run 59), where ncu
 * finds it latency-bound at 20 warps per multiprocessor (tensor pipe 46% busy, issue slots 50%).
 *
 * <p><b>Work split</b> as the bf16 {@link SsdFragAsyncKernels#chunkScanAsync}: one work-group of 4 warps per 64 x 64
 * output tile (tokens l x channels p) of one (batch, chunk, head); warp w owns rows 16w..16w+15 and all 64 columns
 * (eight n8 accumulators). The inter-chunk product (C state^T, contraction over the state index n) and the intra-chunk
 * one (weights x, contraction over the token s, up to the tile's last row) run in slices of {@link #SLICE} = 32
 * contraction steps, four k8 steps each.
 *
 * <p><b>Stage</b> (float buffers, two, filled by {@link KernelContext#asyncCopy16}; rows in their global layout):
 * <ul>
 *   <li>inter-chunk slice: the state (64 rows p, 32 floats along n) and C (64 rows l, 32 floats along n), rows
 *       {@link #ROW_STRIDE} = 36 floats apart;</li>
 *   <li>intra-chunk slice: C B^T (64 rows l, 32 floats along s, rows 36 apart; the fp32 (chunk x chunk) rows
 *       that {@link SsdTf32CbKernels#chunkCb} and {@link SsdWideKernels#chunkCb} write) and x (32 rows s, 64 floats along p, {@link #X_STRIDE} = 72 apart).</li>
 * </ul>
 * Fragment reads are scalar local loads. Lane (g, t) reads element (g, t) of an 8 x 4 block: at a row stride of 36 =
 * 4 mod 32 the warp's 32 reads fall on banks 4g + t, at 72 = 8 mod 32 (x, read as (t, g)) on 8t + g: no conflicts.
 * A 16-byte copy is 4 floats and a k8 step or n8 tile 8, so headdim and dstate must be multiples of 8, and the chunk of
 * 64 for whole tiles ({@link #supports}).
 * Rows past the sequence copy its last token (finite; their weights are 0 and their outputs are not stored); state
 * rows past headdim and columns past dstate are not copied (they reach only accumulator columns not stored, or k8
 * steps that do not run).
 *
 * <p><b>Pipeline</b> as the bf16 kernel: copy slice 0, commit, stage dA and dt per token; then per slice wait_group 0,
 * one barrier, the next slice's copies into the other buffer and commit, and the products of this one.
 */
public final class SsdTf32ScanKernels {
    private SsdTf32ScanKernels() {
    }

    /**
     * Launch bounds: 5 work-groups per multiprocessor (41 KB of local memory each). sm_90 ptxas fits the kernel in 96
     * registers without spills (119 at 4); H100, run 56, two rounds at 64K: 2.035 / 2.049 ms for the SSD against
     * 2.099 / 2.084 at 4.
     */
    static final int GROUPS_PER_SM = 5;
    /** Contraction steps per staged slice (both products). */
    static final int SLICE = 32;
    /** Floats between staged state, C and C B^T rows: 32 of data and 4 of padding (banks 4g + t). */
    static final int ROW_STRIDE = SLICE + 4;
    /** Floats between staged x rows: 64 of data and 8 of padding (banks 8t + g). */
    static final int X_STRIDE = TILE + 8;
    /** Where the second tile of a buffer starts: C (inter-chunk slice) or x (intra-chunk slice). */
    static final int SECOND_AT = TILE * ROW_STRIDE;
    /** Floats of one buffer: two 64 x 36 tiles, or a 64 x 36 and a 32 x 72 tile. */
    static final int STAGE_FLOATS = Math.max(2 * TILE * ROW_STRIDE, TILE * ROW_STRIDE + SLICE * X_STRIDE);
    /** 16-byte copies per staged row of 32 floats, and per work-item for a 64-row tile of them. */
    static final int ROW_CHUNKS = SLICE / 4;
    static final int ROW_COPIES = TILE * ROW_CHUNKS / GROUP;
    /** 16-byte copies per staged x row of 64 floats, and per work-item for the 32-row x tile. */
    static final int X_CHUNKS = TILE / 4;
    static final int X_COPIES = SLICE * X_CHUNKS / GROUP;

    /** Whether {@link #chunkScanTf32} takes {@code cfg}: 16-byte rows of whole k8 steps and whole 64-token tiles. */
    public static boolean supports(SsdConfig cfg) {
        return cfg.headdim() % 8 == 0 && cfg.dstate() % 8 == 0 && cfg.chunkSize() % TILE == 0
                && cfg.chunkSize() <= MAX_CHUNK;
    }

    /**
     * out[b,c,h] as {@link SsdWideKernels#chunkScan} (same arguments; launch: 1-D, local size
     * {@link SsdTensorKernels#GROUP}, {@link SsdTensorKernels#groups}[2] work-groups), states the ones entering each
     * chunk ({@link SsdKernels#statePassing4}). One compiled kernel per model shape.
     *
     * @param dMode 0: no D, 1: D per head, 2: D per (head, channel)
     */
    @LaunchBounds(maxThreads = GROUP, minBlocksPerMultiprocessor = GROUPS_PER_SM)
    public static void chunkScanTf32(KernelContext ctx, FloatArray x, FloatArray z, FloatArray D, FloatArray C,
                                     FloatArray cb, FloatArray dtOut, FloatArray dACumsum, FloatArray states,
                                     FloatArray out, int batch, int seqlen, @Specialize int heads, @Specialize int headdim,
                                     @Specialize int groups, @Specialize int dstate, @Specialize int chunk, int nchunks,
                                     @Specialize int dMode, @Specialize boolean hasZ) {
        float[] stage = ctx.allocateFloatLocalArray(2 * STAGE_FLOATS);
        long[] dAdt = ctx.allocateLongLocalArray(MAX_CHUNK); // per token: dA cumsum in log2 units (low), dt (high)
        float[] acc = new float[NT * 4];
        float[] a = new float[4]; // the A fragment of a k8 step
        float[] bv = new float[2 * NT]; // the B fragments of its n8 tiles
        int lid = ctx.localIdx;
        int lane = ctx.laneId();
        int warp = lid / KernelContext.WARP_SIZE;
        int gq = lane / 4;
        int t = lane % 4;
        int tilesP = (headdim + TILE - 1) / TILE;
        int tilesQ = chunk / TILE;
        int grp = ctx.groupIdx;
        int p0 = (grp % tilesP) * TILE;
        int l0 = ((grp / tilesP) % tilesQ) * TILE;
        int i = grp / (tilesP * tilesQ);
        int h = i % heads;
        int c = (i / heads) % nchunks;
        int b = i / (heads * nchunks);
        int g = h / (heads / groups);
        int len = Math.min(chunk, seqlen - c * chunk);
        if (l0 < len) { // uniform over the group
            long cs = (((long) b * heads + h) * nchunks + c) * chunk;
            int sEnd = Math.min(l0 + TILE, len);
            long row0 = (long) b * seqlen + (long) c * chunk;
            int la = l0 + 16 * warp + gq;
            int lb = la + 8;
            boolean inA = la < len;
            boolean inB = lb < len;
            int lastA = inA ? la : -1; // the last token row la keeps (none past the sequence)
            int lastB = inB ? lb : -1;
            int warpFirst = l0 + 16 * warp;
            int warpLast = warpFirst + 15;
            boolean warpFull = warpLast < len;
            // D per head joins the diagonal weights (w_ll x_l + D x_l), so the epilogue reads no x for it
            float dDiag = dMode == 1 ? D.get(h) : 0f;
            int interSlices = (dstate + SLICE - 1) / SLICE;
            int slices = interSlices + (sEnd + SLICE - 1) / SLICE;
            int channels = headdim - p0;

            int xRow = heads * headdim;
            int cRow = groups * dstate;
            long stateBase = ((long) i * headdim + p0) * dstate;
            long cBase = (row0 * groups + g) * dstate;
            long xBase = (row0 * heads + h) * headdim + p0;
            long cbBase = ((((long) b * nchunks + c) * groups + g) * chunk + l0) * chunk;

            stageInter(ctx, stage, 0, states, C, 0, stateBase, cBase, cRow, l0, len, channels, dstate);
            ctx.asyncCopyCommit();
            for (int s = lid; s < sEnd; s += GROUP) {
                dAdt[s] = SsdFragKernels.pairOfFloats(dACumsum.get(cs + s) * LOG2E, dtOut.get(cs + s));
            }
            float dAa = dACumsum.get(cs + Math.min(la, len - 1)) * LOG2E;
            float dAb = dACumsum.get(cs + Math.min(lb, len - 1)) * LOG2E;

            for (int sl = 0; sl < slices; sl++) {
                int buf = (sl & 1) * STAGE_FLOATS;
                ctx.asyncCopyWait(0);
                ctx.localBarrier();
                if (sl + 1 < interSlices) {
                    stageInter(ctx, stage, STAGE_FLOATS - buf, states, C, (sl + 1) * SLICE, stateBase, cBase, cRow, l0, len,
                            channels, dstate);
                } else if (sl + 1 < slices) {
                    stageIntra(ctx, stage, STAGE_FLOATS - buf, x, cb, (sl + 1 - interSlices) * SLICE, xBase, xRow, cbBase,
                            chunk, sEnd, len, channels);
                }
                if (sl + 1 < slices) {
                    ctx.asyncCopyCommit();
                }
                if (sl < interSlices) {
                    int kEnd = Math.min(SLICE, dstate - sl * SLICE);
                    for (int q = 0; q < SLICE / 8; q++) {
                        if (8 * q < kEnd) { // uniform over the group
                            int at = buf + SECOND_AT + (16 * warp + gq) * ROW_STRIDE + 8 * q + t; // C: rows l, columns n
                            a[0] = stage[at];
                            a[1] = stage[at + 8 * ROW_STRIDE];
                            a[2] = stage[at + 4];
                            a[3] = stage[at + 8 * ROW_STRIDE + 4];
                            float lo0 = Tf32Split.low(a[0]);
                            float lo1 = Tf32Split.low(a[1]);
                            float lo2 = Tf32Split.low(a[2]);
                            float lo3 = Tf32Split.low(a[3]);
                            for (int j = 0; j < NT; j++) { // state rows p = 8j + g are B's columns
                                int bt = buf + (8 * j + gq) * ROW_STRIDE + 8 * q + t;
                                bv[2 * j] = stage[bt];
                                bv[2 * j + 1] = stage[bt + 4];
                            }
                            Tf32Split.mma3(ctx, a[0], a[1], a[2], a[3], lo0, lo1, lo2, lo3, bv, acc);
                        }
                    }
                } else {
                    int k0 = (sl - interSlices) * SLICE;
                    int kEnd = Math.min(SLICE, sEnd - k0);
                    if (sl == interSlices) {
                        // the inter-chunk term is complete: row l times exp(dA_l) (0 past the sequence)
                        float ea = inA ? KernelMath.exp2Approx(dAa) : 0f;
                        float eb = inB ? KernelMath.exp2Approx(dAb) : 0f;
                        for (int j = 0; j < NT; j++) {
                            acc[4 * j] *= ea;
                            acc[4 * j + 1] *= ea;
                            acc[4 * j + 2] *= eb;
                            acc[4 * j + 3] *= eb;
                        }
                    }
                    for (int q = 0; q < SLICE / 8; q++) {
                        if (8 * q < kEnd) { // uniform over the group
                            int s = k0 + 8 * q + t; // columns s (a0, a1) and s + 4 (a2, a3)
                            int at = buf + (16 * warp + gq) * ROW_STRIDE + 8 * q + t; // C B^T: rows l, columns s
                            if (k0 + 8 * q > warpLast) {
                                // the whole k8 step is right of this warp's rows: zero weights without exponentials
                                a[0] = 0f;
                                a[1] = 0f;
                                a[2] = 0f;
                                a[3] = 0f;
                            } else if (warpFull && k0 + 8 * q + 7 < warpFirst) { // left of the rows, in the sequence
                                a[0] = SsdFragKernels.free(stage[at], dAa, lowFloat(dAdt[s]), highFloat(dAdt[s]));
                                a[1] = SsdFragKernels.free(stage[at + 8 * ROW_STRIDE], dAb, lowFloat(dAdt[s]), highFloat(dAdt[s]));
                                a[2] = SsdFragKernels.free(stage[at + 4], dAa, lowFloat(dAdt[s + 4]), highFloat(dAdt[s + 4]));
                                a[3] = SsdFragKernels.free(stage[at + 8 * ROW_STRIDE + 4], dAb, lowFloat(dAdt[s + 4]),
                                        highFloat(dAdt[s + 4]));
                            } else { // causal mask, sequence end, and D on the diagonal (dMode 1)
                                a[0] = SsdFragKernels.weight(stage[at], dAa, lowFloat(dAdt[s]), highFloat(dAdt[s]), s, la, lastA,
                                        dDiag);
                                a[1] = SsdFragKernels.weight(stage[at + 8 * ROW_STRIDE], dAb, lowFloat(dAdt[s]), highFloat(dAdt[s]),
                                        s, lb, lastB, dDiag);
                                a[2] = SsdFragKernels.weight(stage[at + 4], dAa, lowFloat(dAdt[s + 4]), highFloat(dAdt[s + 4]),
                                        s + 4, la, lastA, dDiag);
                                a[3] = SsdFragKernels.weight(stage[at + 8 * ROW_STRIDE + 4], dAb, lowFloat(dAdt[s + 4]),
                                        highFloat(dAdt[s + 4]), s + 4, lb, lastB, dDiag);
                            }
                            float lo0 = Tf32Split.low(a[0]);
                            float lo1 = Tf32Split.low(a[1]);
                            float lo2 = Tf32Split.low(a[2]);
                            float lo3 = Tf32Split.low(a[3]);
                            for (int j = 0; j < NT; j++) { // x rows s, columns p = 8j + g
                                int bt = buf + SECOND_AT + (8 * q + t) * X_STRIDE + 8 * j + gq;
                                bv[2 * j] = stage[bt];
                                bv[2 * j + 1] = stage[bt + 4 * X_STRIDE];
                            }
                            Tf32Split.mma3(ctx, a[0], a[1], a[2], a[3], lo0, lo1, lo2, lo3, bv, acc);
                        }
                    }
                }
            }

            // epilogue: + D x (D per channel; D per head is already in acc), * silu(z)
            long outA = ((row0 + la) * heads + h) * headdim + p0 + 2 * t;
            long outB = outA + 8L * xRow;
            for (int j = 0; j < NT; j++) {
                int p = p0 + 8 * j + 2 * t;
                if (8 * j < channels) {
                    float d0 = 0f;
                    float d1 = 0f;
                    if (dMode == 2) {
                        d0 = D.get((long) h * headdim + p);
                        d1 = D.get((long) h * headdim + p + 1);
                    }
                    if (inA) {
                        store(x, z, out, outA + 8 * j, acc[4 * j], acc[4 * j + 1], d0, d1, dMode == 2, hasZ);
                    }
                    if (inB) {
                        store(x, z, out, outB + 8 * j, acc[4 * j + 2], acc[4 * j + 3], d0, d1, dMode == 2, hasZ);
                    }
                }
            }
        }
    }

    /** Output elements {@code at}, {@code at + 1}: y, plus D x when {@code addDx}, times silu(z) when gated. */
    static void store(FloatArray x, FloatArray z, FloatArray out, long at, float y0, float y1, float d0, float d1,
                      boolean addDx, boolean hasZ) {
        float o0 = y0;
        float o1 = y1;
        if (addDx) {
            o0 = KernelMath.fma(d0, x.get(at), o0);
            o1 = KernelMath.fma(d1, x.get(at + 1), o1);
        }
        if (hasZ) {
            float z0 = z.get(at);
            float z1 = z.get(at + 1);
            o0 = o0 * z0 / (1f + KernelMath.exp(-z0));
            o1 = o1 * z1 / (1f + KernelMath.exp(-z1));
        }
        out.set(at, o0);
        out.set(at + 1, o1);
    }

    static float lowFloat(long pair) {
        return Float.intBitsToFloat((int) pair);
    }

    static float highFloat(long pair) {
        return Float.intBitsToFloat((int) (pair >>> 32));
    }

    /**
     * Starts the copies of the inter-chunk slice of state columns {@code k0..k0 + 31} into the buffer at {@code at}:
     * the state (rows p below {@code channels}) and, at {@link #SECOND_AT}, C (the tile's token rows from {@code l0},
     * clamped to the sequence, {@code cRow} elements apart); item {@code lid} copies column chunk {@code lid % 8} of
     * rows {@code lid / 8 + 16 e}.
     */
    static void stageInter(KernelContext ctx, float[] stage, int at, FloatArray states, FloatArray C, int k0, long stateBase,
                           long cBase, int cRow, int l0, int len, int channels, int dstate) {
        int lid = ctx.localIdx;
        int row = lid / ROW_CHUNKS;
        int k = k0 + 4 * (lid % ROW_CHUNKS);
        int dst = at + row * ROW_STRIDE + 4 * (lid % ROW_CHUNKS);
        if (k < dstate) {
            for (int e = 0; e < ROW_COPIES; e++) {
                int r = row + (GROUP / ROW_CHUNKS) * e;
                int d = dst + (GROUP / ROW_CHUNKS) * ROW_STRIDE * e;
                if (r < channels) {
                    ctx.asyncCopy16(stage, d, states, stateBase + (long) r * dstate + k);
                }
                ctx.asyncCopy16(stage, d + SECOND_AT, C, cBase + (long) Math.min(l0 + r, len - 1) * cRow + k);
            }
        }
    }

    /**
     * Starts the copies of the intra-chunk slice of tokens {@code k0..k0 + 31} (below {@code sEnd}): the C B^T rows of
     * the tile (columns k0.., from {@code cbBase}, {@code chunk} floats apart) and, at {@link #SECOND_AT}, the x rows
     * of those tokens (clamped to the sequence, {@code xRow} elements apart, channels below {@code channels}).
     */
    static void stageIntra(KernelContext ctx, float[] stage, int at, FloatArray x, FloatArray cb, int k0, long xBase,
                           int xRow, long cbBase, int chunk, int sEnd, int len, int channels) {
        int lid = ctx.localIdx;
        int kEnd = Math.min(SLICE, sEnd - k0);
        int chunkCol = lid % ROW_CHUNKS;
        if (4 * chunkCol < kEnd) {
            int row = lid / ROW_CHUNKS;
            for (int e = 0; e < ROW_COPIES; e++) {
                int r = row + (GROUP / ROW_CHUNKS) * e;
                ctx.asyncCopy16(stage, at + r * ROW_STRIDE + 4 * chunkCol, cb, cbBase + (long) r * chunk + k0 + 4 * chunkCol);
            }
        }
        int xCol = lid % X_CHUNKS;
        if (4 * xCol < channels) {
            int rows = (kEnd + 7) / 8 * 8;
            for (int e = 0; e < X_COPIES; e++) {
                int r = lid / X_CHUNKS + (GROUP / X_CHUNKS) * e;
                if (r < rows) {
                    ctx.asyncCopy16(stage, at + SECOND_AT + r * X_STRIDE + 4 * xCol, x,
                            xBase + 4 * xCol + (long) Math.min(k0 + r, len - 1) * xRow);
                }
            }
        }
    }
}
