package io.jmamba.kernels.ssd;

import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.KernelMath;
import io.jmamba.runtime.api.LaunchBounds;

import static io.jmamba.kernels.ssd.SsdFragKernels.FRAG;
import static io.jmamba.kernels.ssd.SsdFragKernels.LSTRIDE;
import static io.jmamba.kernels.ssd.SsdFragKernels.STEPS;
import static io.jmamba.kernels.ssd.SsdFragKernels.fragTile;
import static io.jmamba.kernels.ssd.SsdFragKernels.free;
import static io.jmamba.kernels.ssd.SsdFragKernels.gated;
import static io.jmamba.kernels.ssd.SsdFragKernels.pairOfFloats;
import static io.jmamba.kernels.ssd.SsdFragKernels.pairsOf;
import static io.jmamba.kernels.ssd.SsdFragKernels.weight;
import static io.jmamba.kernels.ssd.SsdTensorKernels.LOG2E;
import static io.jmamba.kernels.ssd.SsdTensorKernels.MAX_CHUNK;
import static io.jmamba.kernels.ssd.SsdTensorKernels.NT;
import static io.jmamba.kernels.ssd.SsdTensorKernels.SLICE;
import static io.jmamba.kernels.ssd.SsdTensorKernels.TILE;

/**
 * {@link SsdFragKernels#chunkScanFrag} on 128-row tiles ({@link SsdScanBf16.Variant#FRAG_WIDE}): eight warps
 * of 16 rows per work-group, two groups per multiprocessor, so each staged slice of the state and of x
 * (the B operands) serves 128 output rows instead of 64.
 *
 * <p>Why: per (chunk, head) the 64-row tiles staged the state four times and x 1 + 2 + 3 + 4 slices; here
 * the state is staged twice and x 2 + 4 slices, which cuts the L2-to-multiprocessor traffic of the chunk
 * scan by about a sixth and halves the staging instructions per mma. The price: the loop bounds are the
 * group's (warp operations are group barriers on OpenCL and the JVM), so the first 64 rows of a tile also
 * issue the mma of the second 64-token block, on zero weights (about a fifth more intra-chunk mma;
 * their weights' loads and exponentials are skipped). Same operands, layouts and numerics as
 * chunkScanFrag; the state slice is staged in 4 passes of 16 rows (row lane / 16 + 2 warp + 16 e), x in
 * 2 passes of 16 column pairs (a last partial pass loads clamped columns, whose rows are never stored).
 * Launch: 1-D, local size {@link #WIDE_GROUP}, {@link #groups} work-groups.
 */
public final class SsdFragWideKernels {
    private SsdFragWideKernels() {
    }

    /** Work-items per group: eight warps. */
    public static final int WIDE_GROUP = 256;
    /** Output rows per group (16 per warp). */
    static final int ROWS = 128;

    /** Work-groups of {@link #chunkScanFragWide} for {@code cfg}. */
    public static long groups(SsdConfig cfg) {
        long tilesP = (cfg.headdim() + TILE - 1) / TILE;
        long tilesQ = (cfg.chunkSize() + ROWS - 1) / ROWS;
        return (long) cfg.batch() * cfg.nchunks() * cfg.heads() * tilesP * tilesQ;
    }

    /**
     * {@link SsdFragKernels#chunkScanFrag} with 128-row tiles (see the class comment); same arguments.
     *
     * @param dMode 0: no D, 1: D per head, 2: D per (head, channel)
     */
    @LaunchBounds(maxThreads = WIDE_GROUP, minBlocksPerMultiprocessor = 2)
    public static void chunkScanFragWide(KernelContext ctx, BFloat16Array x, BFloat16Array z, FloatArray D, BFloat16Array C,
                                     FloatArray cbFrag, FloatArray dtOut, FloatArray dACumsum, BFloat16Array statesIn,
                                     BFloat16Array out, int batch, int seqlen, int heads, int headdim, int groups,
                                     int dstate, int chunk, int nchunks, int dMode, boolean hasZ) {
        long[] stage = ctx.allocateLongLocalArray(2 * TILE * LSTRIDE); // two buffers: see the slice loop
        long[] dAdt = ctx.allocateLongLocalArray(MAX_CHUNK); // per token: dA cumsum in log2 units (low), dt (high)
        float[] acc = new float[NT * 4];
        int[] pre = new int[8]; // the next slice's staging loads (B operands), in registers: 4 passes x 2 or 2 x 4
        int[] av = new int[4 * STEPS]; // the raw A operands (C pairs or cb pairs) of the next slice to multiply
        int lid = ctx.localIdx;
        int lane = ctx.laneId();
        int warp = lid / KernelContext.WARP_SIZE;
        int gq = lane / 4;
        int t = lane % 4;
        int tilesP = (headdim + TILE - 1) / TILE;
        int tilesQ = (chunk + ROWS - 1) / ROWS;
        int grp = ctx.groupIdx;
        int p0 = (grp % tilesP) * TILE;
        int l0 = ((grp / tilesP) % tilesQ) * ROWS;
        int i = grp / (tilesP * tilesQ);
        int h = i % heads;
        int c = (i / heads) % nchunks;
        int b = i / (heads * nchunks);
        int g = h / (heads / groups);
        int len = Math.min(chunk, seqlen - c * chunk);
        int pLeft = headdim - p0;
        if (l0 < len) { // uniform over the group
            long cs = (((long) b * heads + h) * nchunks + c) * chunk;
            int sEnd = Math.min(l0 + ROWS, len);
            long row0 = (long) b * seqlen + (long) c * chunk;
            int la = l0 + 16 * warp + gq;
            int lb = la + 8;
            boolean inA = la < len;
            boolean inB = lb < len;
            // loaded here, first used after the inter-chunk slices (rows past the sequence read the last row's:
            // their weights are 0 and their outputs are not stored)
            float dAa = dACumsum.get(cs + Math.min(la, len - 1)) * LOG2E;
            float dAb = dACumsum.get(cs + Math.min(lb, len - 1)) * LOG2E;
            // rows past the sequence read the last row's C (finite; their outputs are not stored)
            int cRow = groups * dstate;
            long cA = (row0 * groups + g) * dstate + (long) Math.min(la, len - 1) * cRow + 2 * t;
            long cB = (row0 * groups + g) * dstate + (long) Math.min(lb, len - 1) * cRow + 2 * t;
            int lastA = inA ? la : -1; // the last token row la keeps (none past the sequence)
            int lastB = inB ? lb : -1;
            int warpFirst = l0 + 16 * warp; // this warp's rows: warpFirst..warpLast
            int warpLast = warpFirst + 15; // no weight right of it is kept
            boolean warpFull = warpLast < len; // all of the warp's rows in the sequence
            // D per head joins the intra-chunk weights on the diagonal (y_l += D x_l through the staged x), so
            // that the epilogue loads no x; D per channel varies along the product's columns and stays there
            float dDiag = dMode == 1 ? D.get(h) : 0f;
            long cbRow = fragTile(((long) b * nchunks + c) * groups + g, chunk,
                    Math.min(l0 / 16 + warp, chunk / 16 - 1), 0) + lane; // rows past the chunk: any in-chunk tile
            long sBase = ((long) i * headdim + p0) * dstate;
            long xBase = (row0 * heads + h) * headdim + p0;
            int xRow = heads * headdim;
            long rowStep16 = 16L * dstate; // between the state rows of consecutive passes
            int interSlices = (dstate + SLICE - 1) / SLICE;
            int slices = interSlices + (sEnd + SLICE - 1) / SLICE;
            // Staging (the class comment has the layout): passes below headdim only (pLeft is a multiple of 16;
            // stale rows past it reach only accumulator columns that are not stored). State pass e: row
            // lane / 16 + 2 warp + 8 e, long lane % 16. x pass e: p pair cp = lane / 8 + 4 (warp >> 1) + 8 e
            // (rows 2 cp, 2 cp + 1), long m = lane % 8 + 8 (warp & 1), i.e. token pairs tp and tp + 4 of the
            // slice with tp = 8 (m / 4) + m % 4. Every pass's address is a per-slice one plus a constant.
            int statePasses = Math.min(4, pLeft / 16);
            int xPasses = Math.min(2, (pLeft + 31) / 32); // a partial last pass loads clamped columns
            int sRowItem = lane / 16 + 2 * warp;
            int sLong = lane % 16;
            int sPair = 8 * (sLong / 4) + sLong % 4; // the pair in the long's low half; + 4 in its high half
            int xCp = lane / 8 + 4 * (warp >> 1);
            int xLong = lane % 8 + 8 * (warp & 1);
            int xTp = 8 * (xLong / 4) + xLong % 4;
            int stateAt = sRowItem * LSTRIDE + sLong;
            int xAt = 2 * xCp * LSTRIDE + xLong;
            // Iteration it stores the B operands of slice it - 1 (prefetched by iteration it - 1), passes one
            // barrier, issues slice it's B-operand loads, then multiplies slice it - 1 16-step by 16-step; each
            // 16-step's four A registers, once consumed, are reloaded with the same 16-step of slice it. So
            // iteration 0 multiplies nothing: it issues slice 0's loads first and only then stages dA and dt
            // (whose stores wait for their own loads), without a barrier; iteration 1's barrier publishes both.
            for (int it = 0; it <= slices; it++) {
                int sl = it - 1;
                boolean inter = sl < interSlices; // uniform over the group
                int buf = (sl & 1) * (TILE * LSTRIDE);
                int k0 = sl * SLICE;
                int kEnd = Math.min(SLICE, dstate - k0);
                if (sl < 0) {
                    kEnd = 0;
                } else if (inter) {
                    for (int e = 0; e < 4; e++) {
                        if (e < statePasses) {
                            stage[buf + stateAt + 16 * LSTRIDE * e] = pairsOf(pre[2 * e], pre[2 * e + 1]);
                        }
                    }
                } else {
                    k0 = (sl - interSlices) * SLICE;
                    kEnd = Math.min(SLICE, sEnd - k0);
                    for (int e = 0; e < 2; e++) {
                        if (e < xPasses) {
                            // tokens 2 tp, 2 tp + 1 (low half) and 2 tp + 8, 2 tp + 9 (high half), at p = 2 cp and 2 cp + 1
                            int xa0 = pre[4 * e];
                            int xa1 = pre[4 * e + 1];
                            int xb0 = pre[4 * e + 2];
                            int xb1 = pre[4 * e + 3];
                            int at = buf + xAt + 32 * LSTRIDE * e;
                            stage[at] = pairsOf((xa0 & 0xffff) | (xa1 << 16), (xb0 & 0xffff) | (xb1 << 16));
                            stage[at + LSTRIDE] = pairsOf((xa0 >>> 16) | (xa1 & 0xffff0000), (xb0 >>> 16) | (xb1 & 0xffff0000));
                        }
                    }
                }
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
                if (it > 0) { // uniform
                    ctx.localBarrier();
                }
                // slice it's B operands (branch-free, as in SsdTensorKernels.chunkScan)
                boolean nextInter = it < interSlices;
                int nk0 = nextInter ? it * SLICE : (it - interSlices) * SLICE;
                int nLast = 0; // the last 16-step of slice it (steps past it reload it: in bounds, never used)
                if (nextInter) {
                    nLast = (Math.min(SLICE, dstate - nk0) - 1) / 16;
                    // pairs past dstate load its last pair, and the 16-step loop never reads them
                    long lo = sBase + (long) sRowItem * dstate + Math.min(nk0 + 2 * sPair, dstate - 2);
                    long hi = sBase + (long) sRowItem * dstate + Math.min(nk0 + 2 * sPair + 8, dstate - 2);
                    for (int e = 0; e < 4; e++) {
                        if (e < statePasses) {
                            pre[2 * e] = statesIn.getPair(lo + (long) e * rowStep16);
                            pre[2 * e + 1] = statesIn.getPair(hi + (long) e * rowStep16);
                        }
                    }
                } else if (it < slices) {
                    nLast = (Math.min(SLICE, sEnd - nk0) - 1) / 16;
                    // tokens past the sequence load its last token (finite, and their weights are 0)
                    int s = nk0 + 2 * xTp;
                    long xa0 = xBase + (long) Math.min(s, len - 1) * xRow;
                    long xa1 = xBase + (long) Math.min(s + 1, len - 1) * xRow;
                    long xb0 = xBase + (long) Math.min(s + 8, len - 1) * xRow;
                    long xb1 = xBase + (long) Math.min(s + 9, len - 1) * xRow;
                    for (int e = 0; e < 2; e++) {
                        if (e < xPasses) {
                            int col = Math.min(2 * xCp + 32 * e, pLeft - 2); // in this head's row
                            pre[4 * e] = x.getPair(xa0 + col);
                            pre[4 * e + 1] = x.getPair(xa1 + col);
                            pre[4 * e + 2] = x.getPair(xb0 + col);
                            pre[4 * e + 3] = x.getPair(xb1 + col);
                        }
                    }
                }
                long cbNext = cbRow + (long) (nk0 / 16) * FRAG;
                for (int q = 0; q < STEPS; q++) {
                    if (16 * q < kEnd) { // uniform over the group
                        int a0 = av[4 * q];
                        int a1 = av[4 * q + 1];
                        int a2 = av[4 * q + 2];
                        int a3 = av[4 * q + 3];
                        if (!inter && k0 + 16 * q > warpLast) {
                            // the whole 16-step is above this warp's rows (the group's loop still runs to the
                            // tile's end): zero weights without their loads and exponentials
                            a0 = 0;
                            a1 = 0;
                            a2 = 0;
                            a3 = 0;
                        } else if (!inter) {
                            int s = k0 + 16 * q + 2 * t; // columns s, s + 1 (a0, a1) and s + 8, s + 9 (a2, a3)
                            // below the warp's rows and all of them in the sequence (warp-uniform): no mask to apply
                            long v0 = dAdt[s]; // one 8-byte local load per token
                            long v1 = dAdt[s + 1];
                            long v8 = dAdt[s + 8];
                            long v9 = dAdt[s + 9];
                            float dAs0 = Float.intBitsToFloat((int) v0);
                            float dAs1 = Float.intBitsToFloat((int) v1);
                            float dAs8 = Float.intBitsToFloat((int) v8);
                            float dAs9 = Float.intBitsToFloat((int) v9);
                            float dt0 = Float.intBitsToFloat((int) (v0 >>> 32));
                            float dt1 = Float.intBitsToFloat((int) (v1 >>> 32));
                            float dt8 = Float.intBitsToFloat((int) (v8 >>> 32));
                            float dt9 = Float.intBitsToFloat((int) (v9 >>> 32));
                            if (warpFull && k0 + 16 * q + 15 < warpFirst) {
                                a0 = KernelMath.packBf16x2(free(KernelMath.bf16x2Lo(a0), dAa, dAs0, dt0),
                                        free(KernelMath.bf16x2Hi(a0), dAa, dAs1, dt1));
                                a1 = KernelMath.packBf16x2(free(KernelMath.bf16x2Lo(a1), dAb, dAs0, dt0),
                                        free(KernelMath.bf16x2Hi(a1), dAb, dAs1, dt1));
                                a2 = KernelMath.packBf16x2(free(KernelMath.bf16x2Lo(a2), dAa, dAs8, dt8),
                                        free(KernelMath.bf16x2Hi(a2), dAa, dAs9, dt9));
                                a3 = KernelMath.packBf16x2(free(KernelMath.bf16x2Lo(a3), dAb, dAs8, dt8),
                                        free(KernelMath.bf16x2Hi(a3), dAb, dAs9, dt9));
                            } else { // causal mask, sequence end, and D on the diagonal (dMode 1)
                                a0 = KernelMath.packBf16x2(weight(KernelMath.bf16x2Lo(a0), dAa, dAs0, dt0, s, la, lastA, dDiag),
                                        weight(KernelMath.bf16x2Hi(a0), dAa, dAs1, dt1, s + 1, la, lastA, dDiag));
                                a1 = KernelMath.packBf16x2(weight(KernelMath.bf16x2Lo(a1), dAb, dAs0, dt0, s, lb, lastB, dDiag),
                                        weight(KernelMath.bf16x2Hi(a1), dAb, dAs1, dt1, s + 1, lb, lastB, dDiag));
                                a2 = KernelMath.packBf16x2(weight(KernelMath.bf16x2Lo(a2), dAa, dAs8, dt8, s + 8, la, lastA, dDiag),
                                        weight(KernelMath.bf16x2Hi(a2), dAa, dAs9, dt9, s + 9, la, lastA, dDiag));
                                a3 = KernelMath.packBf16x2(weight(KernelMath.bf16x2Lo(a3), dAb, dAs8, dt8, s + 8, lb, lastB, dDiag),
                                        weight(KernelMath.bf16x2Hi(a3), dAb, dAs9, dt9, s + 9, lb, lastB, dDiag));
                            }
                        }
                        for (int j = 0; j < NT; j++) {
                            long bv = stage[buf + (8 * j + gq) * LSTRIDE + 4 * q + t]; // pairs t and t + 4 of the 16-step
                            ctx.mmaBf16Frag(a0, a1, a2, a3, (int) bv, (int) (bv >>> 32), acc, 4 * j);
                        }
                    }
                    if (it < slices) { // uniform: 16-step q of slice it into the registers just consumed
                        int qq = Math.min(q, nLast);
                        if (nextInter) {
                            int k = nk0 + 16 * qq;
                            av[4 * q] = C.getPair(cA + k);
                            av[4 * q + 1] = C.getPair(cB + k);
                            av[4 * q + 2] = C.getPair(cA + k + 8);
                            av[4 * q + 3] = C.getPair(cB + k + 8);
                        } else {
                            long at = cbNext + (long) qq * FRAG;
                            av[4 * q] = Float.floatToRawIntBits(cbFrag.get(at));
                            av[4 * q + 1] = Float.floatToRawIntBits(cbFrag.get(at + 32));
                            av[4 * q + 2] = Float.floatToRawIntBits(cbFrag.get(at + 64));
                            av[4 * q + 3] = Float.floatToRawIntBits(cbFrag.get(at + 96));
                        }
                    }
                }
                if (it == 0) { // uniform: after slice 0's loads are in flight (see above)
                    for (int s = lid; s < sEnd; s += WIDE_GROUP) {
                        dAdt[s] = pairOfFloats(dACumsum.get(cs + s) * LOG2E, dtOut.get(cs + s));
                    }
                }
            }

            // epilogue: + D x (D per channel; D per head is already in acc), * silu(z), rounded to bf16 pairs
            // (columns 2t, 2t + 1 of each n8 tile)
            long outA = ((row0 + la) * heads + h) * headdim + p0 + 2 * t;
            long outB = outA + 8L * xRow;
            for (int j = 0; j < NT; j++) {
                int p = p0 + 8 * j + 2 * t;
                if (8 * j < pLeft) {
                    if (dMode == 2) {
                        float d0 = D.get((long) h * headdim + p);
                        float d1 = D.get((long) h * headdim + p + 1);
                        if (inA) {
                            out.setPair(outA + 8 * j, SsdTensorKernels.epilogue(x, z, outA + 8 * j, acc[4 * j],
                                    acc[4 * j + 1], d0, d1, hasZ));
                        }
                        if (inB) {
                            out.setPair(outB + 8 * j, SsdTensorKernels.epilogue(x, z, outB + 8 * j, acc[4 * j + 2],
                                    acc[4 * j + 3], d0, d1, hasZ));
                        }
                    } else { // no D, or D per head already in acc
                        if (inA) {
                            out.setPair(outA + 8 * j, gated(z, outA + 8 * j, acc[4 * j], acc[4 * j + 1], hasZ));
                        }
                        if (inB) {
                            out.setPair(outB + 8 * j, gated(z, outB + 8 * j, acc[4 * j + 2], acc[4 * j + 3], hasZ));
                        }
                    }
                }
            }
        }
    }

}
