package io.jmamba.kernels.conv;

import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.KernelMath;
import io.jmamba.runtime.api.LaunchBounds;
import io.jmamba.runtime.api.Parallel;
import io.jmamba.runtime.api.Specialize;

import static io.jmamba.kernels.conv.CausalConv1dKernels.GROUP;
import static io.jmamba.kernels.conv.CausalConv1dKernels.HAS_BIAS;
import static io.jmamba.kernels.conv.CausalConv1dKernels.HAS_INITIAL_STATES;
import static io.jmamba.kernels.conv.CausalConv1dKernels.SILU;
import static io.jmamba.kernels.conv.CausalConv1dVectorKernels.VECTOR;
import static io.jmamba.kernels.conv.CausalConv1dKernels.WRITE_FINAL_STATES;

/**
 * The bf16 forward of the depthwise causal conv1d, as causal_conv1d's bf16 path computes it: x, weight,
 * bias, states and out in bf16, products summed in float32, the output rounded to bf16 once (nearest,
 * ties to even). Same layout and flags as {@link CausalConv1dVectorKernels#forwardVectorized}; a vector is four
 * bf16 values, one 8-byte load or store.
 */
public final class CausalConv1dBf16Kernels {
    /** The largest work-group {@link #forwardPairs} is launched with (its launch bounds). */
    public static final int PAIRS_MAX_LOCAL = 128;

    private CausalConv1dBf16Kernels() {
    }

    /**
     * {@link CausalConv1dVectorKernels#forwardVectorized} on bf16 data: groups of {@link CausalConv1dKernels#GROUP}
     * work-items, item {@code l} takes vectors {@code l, l + GROUP, ...} of its group's
     * {@code GROUP * vectorsPerItem} consecutive vectors of one row (each warp load or store moves 256
     * contiguous bytes), the halo from loading the vector(s) before, scalar loads only where a vector
     * crosses the start or the end of the row. Launch {@code (ceil(ceil(seqlen / 4) / (GROUP *
     * vectorsPerItem)) * GROUP, batch * dim)} items (any grid is correct).
     */
    public static void forwardVectorized(BFloat16Array x, BFloat16Array weight, BFloat16Array bias, BFloat16Array initialStates,
                                         BFloat16Array out, BFloat16Array finalStates, int batch, int dim, int seqlen,
                                         @Specialize int width, int flags, @Specialize int vectorsPerItem) {
        float[] w = new float[width];
        float[] in = new float[vectorsPerItem * ((width + 2) / VECTOR + 1) * VECTOR];
        float[] res = new float[vectorsPerItem * VECTOR];
        float[] fin = new float[width - 1];
        int halo = (width + 2) / VECTOR;
        int window = (halo + 1) * VECTOR;
        int rows = batch * dim;
        int vectors = (seqlen - 1) / VECTOR + 1;
        int span = GROUP * vectorsPerItem;
        int items = ((vectors - 1) / span + 1) * GROUP;
        for (@Parallel int c = 0; c < items; c++) {
            for (@Parallel int row = 0; row < rows; row++) {
                int d = row % dim;
                long rowBase = (long) row * seqlen;
                int first = c / GROUP * span + c % GROUP;
                for (int k = 0; k < width; k++) {
                    w[k] = weight.get((long) d * width + k);
                }
                float b = (flags & HAS_BIAS) != 0 ? bias.get(d) : 0f;
                long last = (long) first + GROUP * (vectorsPerItem - 1);
                if (first >= halo && VECTOR * last + VECTOR <= seqlen) {
                    for (int i = 0; i < vectorsPerItem; i++) {
                        long at = rowBase + (long) VECTOR * (first + GROUP * i - halo);
                        for (int h = 0; h <= halo; h++) {
                            x.get4(at + VECTOR * h, in, i * window + VECTOR * h);
                        }
                    }
                } else {
                    for (int i = 0; i < vectorsPerItem; i++) {
                        long start = (long) VECTOR * (first + GROUP * i - halo);
                        for (int e = 0; e < window; e++) {
                            long j = start + e;
                            float v = 0f;
                            if (j >= 0) {
                                if (j < seqlen) {
                                    v = x.get(rowBase + j);
                                }
                            } else if ((flags & HAS_INITIAL_STATES) != 0 && j >= 1 - width) {
                                v = initialStates.get((long) row * (width - 1) + (width - 1) + j);
                            }
                            in[i * window + e] = v;
                        }
                    }
                }
                // the final states are read with the inputs (before any store, which the compiler may not
                // move loads across) so that their latency overlaps the rest; written last
                boolean writesFinal = (flags & WRITE_FINAL_STATES) != 0 && c == 0;
                if (writesFinal) {
                    readFinalStates(x, initialStates, fin, rowBase, row, seqlen, width, flags);
                }
                CausalConv1dVectorKernels.convolveVectors(w, in, res, b, window, halo, width, flags, vectorsPerItem);
                for (int i = 0; i < vectorsPerItem; i++) {
                    long t = (long) VECTOR * (first + GROUP * i);
                    if (t + VECTOR <= seqlen) {
                        out.set4(rowBase + t, res, i * VECTOR);
                    } else {
                        for (int e = 0; e < VECTOR; e++) {
                            if (t + e < seqlen) {
                                out.set(rowBase + t + e, res[i * VECTOR + e]);
                            }
                        }
                    }
                }
                if (writesFinal) {
                    writeFinalStates(finalStates, fin, row, width);
                }
            }
        }
    }

    /**
     * The bf16 forward on packed pairs, for even {@code seqlen}: a work-item holds its inputs as raw
     * 32-bit pairs of bf16 ({@link BFloat16Array#getPair}: 4 bytes of data in one register instead of two
     * widened floats), so {@code pairsPerItem} loads of new data can be in flight at once; they are widened
     * one pair at a time when used ({@link KernelMath#bf16x2Lo}/{@code Hi}: one instruction each), and
     * two outputs are rounded together ({@link KernelMath#packBf16x2}: one {@code cvt.rn.bf16x2.f32} on
     * CUDA) into one 32-bit store. Lane {@code l} of a group of {@link CausalConv1dKernels#GROUP} takes
     * pairs {@code l, l + GROUP, ...} of the group's {@code GROUP * pairsPerItem} consecutive pairs of
     * one row (each warp load or store moves 128 contiguous bytes). The {@code width / 2} pairs before a
     * pair (its halo) come from the lanes before by {@link KernelContext#shuffle} (lanes below the
     * distance take the previous pair of the lanes at the end; only their first pair reads memory), so
     * every input is loaded once. Exact grid {@code (ceil(items / local) * local, rows)}, local size
     * {@code (local, 1)} a multiple of 32, items {@code ceil(seqlen / 2 / (GROUP * pairsPerItem)) * GROUP};
     * every item of a work-group runs the same iterations (the shuffles need all of them). Launch bounds:
     * at most {@link #PAIRS_MAX_LOCAL} items per group and 7 groups per SM cap the registers at 72 (80
     * without; nvcc sm_90, 16 pairs, width 4, no spills), so 28 warps fit an SM instead of 24.
     */
    @LaunchBounds(maxThreads = PAIRS_MAX_LOCAL, minBlocksPerMultiprocessor = 7)
    public static void forwardPairs(KernelContext ctx, BFloat16Array x, BFloat16Array weight, BFloat16Array bias,
                                    BFloat16Array initialStates, BFloat16Array out, BFloat16Array finalStates, int batch,
                                    int dim, int seqlen, @Specialize int width, int flags, @Specialize int pairsPerItem) {
        float[] w = new float[width];
        int[] raw = new int[pairsPerItem];
        // the h-th pair before the current one (h = 1..width / 2), as the previous pair's shuffle left it
        int[] last = new int[width / 2];
        // the h-th pair before the item's first pair, from memory (used by lanes below h only)
        int[] edge = new int[width / 2];
        // one pair's window: its halo pairs oldest first, then itself
        float[] win = new float[(width / 2 + 1) * 2];
        float[] fin = new float[width - 1];
        int halo = width / 2;
        int rows = batch * dim;
        int pairs = seqlen / 2; // seqlen is even
        int span = GROUP * pairsPerItem;
        int items = ((pairs - 1) / span + 1) * GROUP;
        int local = ctx.localGroupSizeX;
        int bound = (items + local - 1) / local * local; // whole work-groups: the same iterations for all of a group
        int lane = ctx.laneId();
        for (int row = ctx.globalIdy; row < rows; row += ctx.globalGroupSizeY) {
            int d = row % dim;
            long rowBase = (long) row * seqlen; // even: pair loads stay 4-byte aligned
            for (int k = 0; k < width; k++) {
                w[k] = weight.get((long) d * width + k);
            }
            float b = (flags & HAS_BIAS) != 0 ? bias.get(d) : 0f;
            for (int c = ctx.globalIdx; c < bound; c += ctx.globalGroupSizeX) {
                int first = c / GROUP * span + lane; // lane == c % GROUP: the local size is a multiple of 32
                // all loads of new data first, so that they are in flight together
                for (int i = 0; i < pairsPerItem; i++) {
                    int p = first + GROUP * i;
                    raw[i] = p < pairs ? x.getPair(rowBase + 2L * p) : 0;
                }
                for (int h = 1; h <= halo; h++) {
                    edge[h - 1] = 0;
                    if (lane < h) {
                        // x before the first pair, the initial states before x, zeros before those
                        float lo = 0f;
                        float hi = 0f;
                        for (int e = 0; e < 2; e++) {
                            long j = 2L * (first - h) + e;
                            float v = 0f;
                            if (j >= 0) {
                                v = x.get(rowBase + j);
                            } else if ((flags & HAS_INITIAL_STATES) != 0 && j >= 1 - width) {
                                v = initialStates.get((long) row * (width - 1) + (width - 1) + j);
                            }
                            if (e == 0) {
                                lo = v;
                            } else {
                                hi = v;
                            }
                        }
                        edge[h - 1] = KernelMath.packBf16x2(lo, hi); // exact: both are bf16 values
                    }
                }
                boolean writesFinal = (flags & WRITE_FINAL_STATES) != 0 && c == 0;
                if (writesFinal) {
                    readFinalStates(x, initialStates, fin, rowBase, row, seqlen, width, flags);
                }
                for (int i = 0; i < pairsPerItem; i++) {
                    for (int h = 1; h <= halo; h++) {
                        // pair p - h is lane l - h's pair i; for lanes below h it is lane 32 - h + l's pair i - 1,
                        // which the same shuffle of pair i - 1 delivered
                        int s = ctx.shuffle(raw[i], lane + GROUP - h);
                        int pr = lane >= h ? s : (i == 0 ? edge[h - 1] : last[h - 1]);
                        last[h - 1] = s;
                        win[2 * (halo - h)] = KernelMath.bf16x2Lo(pr);
                        win[2 * (halo - h) + 1] = KernelMath.bf16x2Hi(pr);
                    }
                    win[2 * halo] = KernelMath.bf16x2Lo(raw[i]);
                    win[2 * halo + 1] = KernelMath.bf16x2Hi(raw[i]);
                    float acc0 = b;
                    float acc1 = b;
                    for (int k = 0; k < width; k++) {
                        // output 2p + e reads inputs 2p + e - (width - 1) + k, at window offset 2 halo + e - (width - 1) + k
                        acc0 = KernelMath.fma(w[k], win[2 * halo - (width - 1) + k], acc0);
                        acc1 = KernelMath.fma(w[k], win[2 * halo + 1 - (width - 1) + k], acc1);
                    }
                    if ((flags & SILU) != 0) {
                        acc0 = CausalConv1dVectorKernels.silu(acc0);
                        acc1 = CausalConv1dVectorKernels.silu(acc1);
                    }
                    long t = 2L * (first + GROUP * i);
                    if (t < seqlen) {
                        out.setPair(rowBase + t, KernelMath.packBf16x2(acc0, acc1));
                    }
                }
                if (writesFinal) {
                    writeFinalStates(finalStates, fin, row, width);
                }
            }
        }
    }

    /**
     * The final states alone, for when they overwrite the initial states (in place): one work-item per
     * row writing in ascending order, as {@link CausalConv1dKernels#finalStates}.
     */
    public static void finalStates(BFloat16Array x, BFloat16Array initialStates, BFloat16Array finalStates,
                                   int batch, int dim, int seqlen, @Specialize int width, int flags) {
        int rows = batch * dim;
        for (@Parallel int row = 0; row < rows; row++) {
            long sBase = (long) row * (width - 1);
            for (int i = 0; i < width - 1; i++) {
                int j = seqlen - (width - 1) + i;
                float v = 0f;
                if (j >= 0) {
                    v = x.get((long) row * seqlen + j);
                } else if ((flags & HAS_INITIAL_STATES) != 0) {
                    v = initialStates.get(sBase + (width - 1) + j);
                }
                finalStates.set(sBase + i, v);
            }
        }
    }

    /**
     * The row's final states (its last width - 1 inputs, from the initial states where the row is shorter),
     * read into {@code fin} with the inputs, before any store, so that their latency overlaps the rest.
     */
    static void readFinalStates(BFloat16Array x, BFloat16Array initialStates, float[] fin, long rowBase, int row, int seqlen, int width,
                                int flags) {
        for (int i = 0; i < width - 1; i++) {
            int j = seqlen - (width - 1) + i;
            float v = 0f;
            if (j >= 0) {
                v = x.get(rowBase + j);
            } else if ((flags & HAS_INITIAL_STATES) != 0) {
                v = initialStates.get((long) row * (width - 1) + (width - 1) + j);
            }
            fin[i] = v;
        }
    }

    /** Writes {@link #readFinalStates}' values to the row's final states. */
    static void writeFinalStates(BFloat16Array finalStates, float[] fin, int row, int width) {
        for (int i = 0; i < width - 1; i++) {
            finalStates.set((long) row * (width - 1) + i, fin[i]);
        }
    }
}
