package io.jmamba.kernels.conv;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.KernelMath;
import io.jmamba.runtime.api.Parallel;
import io.jmamba.runtime.api.Specialize;

import static io.jmamba.kernels.conv.CausalConv1dKernels.GROUP;
import static io.jmamba.kernels.conv.CausalConv1dKernels.HAS_BIAS;
import static io.jmamba.kernels.conv.CausalConv1dKernels.HAS_INITIAL_STATES;
import static io.jmamba.kernels.conv.CausalConv1dKernels.SILU;
import static io.jmamba.kernels.conv.CausalConv1dKernels.WRITE_FINAL_STATES;

/**
 * The float32 forwards with vector (16-byte) loads and stores, {@link ConvForward#VECTOR_8},
 * {@link ConvForward#VECTOR_16} (the default) and {@link ConvForward#VECTOR_16_SHUFFLE}, and the SiLU the
 * vectorized kernels share (the bf16 ones in {@link CausalConv1dBf16Kernels} too). Layout and flags as
 * {@link CausalConv1dKernels}.
 */
public final class CausalConv1dVectorKernels {
    private CausalConv1dVectorKernels() {
    }

    /** Elements of one vector access of {@link #forwardVectorized}: a float4 (16 bytes). */
    public static final int VECTOR = 4;

    /**
     * Forward with 16-byte loads and stores: the row is cut into vectors of {@link #VECTOR} outputs,
     * the work-items go in groups of {@link CausalConv1dKernels#GROUP}, a group covers {@code GROUP * vectorsPerItem}
     * consecutive vectors of one row, and item {@code l} of the group takes vectors
     * {@code l, l + GROUP, ...} of them. So each vector load or store of a warp moves 512 contiguous bytes,
     * and a work-item has {@code vectorsPerItem} independent 16-byte loads of new data in flight. The
     * {@code width - 1} inputs before a vector (the halo) come from loading the vector(s) just before it
     * as well: for all but lane 0 those are the bytes the neighbouring lane loads in the same instruction,
     * so they are served by L1 and DRAM reads each input once. Vectors that cross the start or the end of
     * the row take scalar loads with bounds tests. Rows go to dimension 1. With
     * {@link #WRITE_FINAL_STATES} in {@code flags}, the item that takes the row's first vector also writes
     * the row's final states. Launch {@code (ceil(ceil(seqlen / VECTOR) / (GROUP * vectorsPerItem)) * GROUP,
     * batch * dim)} items (any grid is correct: the loops stride, and the item-to-output mapping does not
     * depend on the launch). Multiply-adds are fused ({@link KernelMath#fma}), SiLU takes the one-instruction
     * exp2 ({@link #silu}).
     */
    public static void forwardVectorized(FloatArray x, FloatArray weight, FloatArray bias, FloatArray initialStates,
                                         FloatArray out, FloatArray finalStates, int batch, int dim, int seqlen,
                                         @Specialize int width, int flags, @Specialize int vectorsPerItem) {
        float[] w = new float[width];
        // per vector: its halo vectors ((width + 2) / 4 of them: one up to width 5) and itself
        float[] in = new float[vectorsPerItem * ((width + 2) / VECTOR + 1) * VECTOR];
        float[] res = new float[vectorsPerItem * VECTOR];
        float[] fin = new float[width - 1];
        int halo = (width + 2) / VECTOR;
        int window = (halo + 1) * VECTOR;
        int rows = batch * dim;
        int vectors = (seqlen - 1) / VECTOR + 1; // seqlen >= 1; the last vector may be partial
        int span = GROUP * vectorsPerItem;
        int items = ((vectors - 1) / span + 1) * GROUP;
        for (@Parallel int c = 0; c < items; c++) {
            for (@Parallel int row = 0; row < rows; row++) {
                int d = row % dim;
                long rowBase = (long) row * seqlen;
                int first = c / GROUP * span + c % GROUP; // this item's first vector
                for (int k = 0; k < width; k++) {
                    w[k] = weight.get((long) d * width + k);
                }
                float b = (flags & HAS_BIAS) != 0 ? bias.get(d) : 0f;
                long last = (long) first + GROUP * (vectorsPerItem - 1);
                if (first >= halo && VECTOR * last + VECTOR <= seqlen) {
                    // every vector and its halo inside the row: vector loads only, all issued before any use
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
                convolveVectors(w, in, res, b, window, halo, width, flags, vectorsPerItem);
                storeVectors(out, res, rowBase, first, seqlen, vectorsPerItem);
                if (writesFinal) {
                    writeFinalStates(finalStates, fin, row, width);
                }
            }
        }
    }

    /** Widest window {@link #forwardVectorizedShuffle} takes: one halo vector ({@code width - 1 <= VECTOR}). */
    public static final int SHUFFLE_MAX_WIDTH = VECTOR + 1;

    /**
     * {@link #forwardVectorized} with the halo passed between lanes instead of loaded again: lane
     * {@code l}'s vector {@code i} follows lane {@code l - 1}'s vector {@code i}, whose last
     * {@code width - 1} elements come over by {@link KernelContext#shuffle}; lane 0's vector {@code i}
     * follows lane 31's vector {@code i - 1}, and only lane 0's first vector loads its halo from memory
     * (or the initial states). So every input is loaded once, in 512-byte warp loads. For
     * {@code width <= SHUFFLE_MAX_WIDTH}. The warp operations need uniform control flow: the grid is
     * exact, {@code (ceil(items / local) * local, rows)} with a local size {@code (local, 1)} that is a
     * multiple of 32, and every item of a work-group runs the same loop iterations (items past the row
     * load nothing and store nothing but take part in the shuffles). On OpenCL and the JVM each shuffle
     * is a work-group barrier (slow there, but the same answer).
     */
    public static void forwardVectorizedShuffle(KernelContext ctx, FloatArray x, FloatArray weight, FloatArray bias,
                                                FloatArray initialStates, FloatArray out, FloatArray finalStates, int batch,
                                                int dim, int seqlen, @Specialize int width, int flags,
                                                @Specialize int vectorsPerItem) {
        float[] w = new float[width];
        // per vector: the vector before it (only its last width - 1 elements are used), then itself
        float[] in = new float[vectorsPerItem * 2 * VECTOR];
        float[] res = new float[vectorsPerItem * VECTOR];
        float[] fin = new float[width - 1];
        int rows = batch * dim;
        int vectors = (seqlen - 1) / VECTOR + 1;
        int span = GROUP * vectorsPerItem;
        int items = ((vectors - 1) / span + 1) * GROUP;
        int local = ctx.localGroupSizeX;
        int bound = (items + local - 1) / local * local; // whole work-groups: the same iterations for all of a group
        int lane = ctx.laneId();
        for (int row = ctx.globalIdy; row < rows; row += ctx.globalGroupSizeY) {
            int d = row % dim;
            long rowBase = (long) row * seqlen;
            for (int k = 0; k < width; k++) {
                w[k] = weight.get((long) d * width + k);
            }
            float b = (flags & HAS_BIAS) != 0 ? bias.get(d) : 0f;
            for (int c = ctx.globalIdx; c < bound; c += ctx.globalGroupSizeX) {
                int first = c / GROUP * span + lane; // lane == c % GROUP: the local size is a multiple of 32
                long last = (long) first + GROUP * (vectorsPerItem - 1);
                if (VECTOR * last + VECTOR <= seqlen) {
                    for (int i = 0; i < vectorsPerItem; i++) {
                        x.get4(rowBase + (long) VECTOR * (first + GROUP * i), in, (2 * i + 1) * VECTOR);
                    }
                } else {
                    for (int i = 0; i < vectorsPerItem; i++) {
                        long start = (long) VECTOR * (first + GROUP * i);
                        for (int e = 0; e < VECTOR; e++) {
                            in[(2 * i + 1) * VECTOR + e] = start + e < seqlen ? x.get(rowBase + start + e) : 0f;
                        }
                    }
                }
                boolean writesFinal = (flags & WRITE_FINAL_STATES) != 0 && c == 0;
                if (writesFinal) {
                    readFinalStates(x, initialStates, fin, rowBase, row, seqlen, width, flags);
                }
                // every lane, every vector: the previous lane's same vector (lane 0 gets lane 31's)
                for (int i = 0; i < vectorsPerItem; i++) {
                    for (int e = VECTOR - (width - 1); e < VECTOR; e++) {
                        in[2 * i * VECTOR + e] = ctx.shuffle(in[(2 * i + 1) * VECTOR + e], lane + GROUP - 1);
                    }
                }
                if (lane == 0) {
                    // lane 31's vector i - 1 comes before lane 0's vector i; before vector i = 0 is memory
                    for (int i = vectorsPerItem - 1; i > 0; i--) {
                        for (int e = VECTOR - (width - 1); e < VECTOR; e++) {
                            in[2 * i * VECTOR + e] = in[2 * (i - 1) * VECTOR + e];
                        }
                    }
                    long start = (long) VECTOR * first - VECTOR;
                    for (int e = VECTOR - (width - 1); e < VECTOR; e++) {
                        long j = start + e;
                        float v = 0f;
                        if (j >= 0) {
                            if (j < seqlen) {
                                v = x.get(rowBase + j);
                            }
                        } else if ((flags & HAS_INITIAL_STATES) != 0 && j >= 1 - width) {
                            v = initialStates.get((long) row * (width - 1) + (width - 1) + j);
                        }
                        in[e] = v;
                    }
                }
                convolveVectors(w, in, res, b, 2 * VECTOR, 1, width, flags, vectorsPerItem); // [halo, vector] per i
                storeVectors(out, res, rowBase, first, seqlen, vectorsPerItem);
                if (writesFinal) {
                    writeFinalStates(finalStates, fin, row, width);
                }
            }
        }
    }

    /**
     * The outputs of {@code vectorsPerItem} vectors from their windows in {@code in}: vector i's window is
     * {@code window} floats at {@code i * window}, its own VECTOR inputs after {@code halo} vectors, so output
     * t = VECTOR v + e reads inputs t - (width - 1) .. t at window offset VECTOR halo + e - (width - 1) + k;
     * plus bias {@code b}, SiLU when flagged, into {@code res[i * VECTOR + e]}. Shared by the vectorized
     * forwards (fp32 and bf16: bf16 inputs are widened into {@code in}).
     */
    static void convolveVectors(float[] w, float[] in, float[] res, float b, int window, int halo, int width, int flags,
                                int vectorsPerItem) {
        for (int i = 0; i < vectorsPerItem; i++) {
            for (int e = 0; e < VECTOR; e++) {
                float acc = b;
                for (int k = 0; k < width; k++) {
                    acc = KernelMath.fma(w[k], in[i * window + VECTOR * halo + e - (width - 1) + k], acc);
                }
                if ((flags & SILU) != 0) {
                    acc = silu(acc);
                }
                res[i * VECTOR + e] = acc;
            }
        }
    }

    /**
     * The row's final states (its last width - 1 inputs, from the initial states where the row is shorter),
     * read into {@code fin} with the inputs, before any store, so that their latency overlaps the rest.
     */
    static void readFinalStates(FloatArray x, FloatArray initialStates, float[] fin, long rowBase, int row, int seqlen, int width,
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
    static void writeFinalStates(FloatArray finalStates, float[] fin, int row, int width) {
        for (int i = 0; i < width - 1; i++) {
            finalStates.set((long) row * (width - 1) + i, fin[i]);
        }
    }

    /**
     * Stores {@code res}'s {@code vectorsPerItem} vectors: vector i at output VECTOR (first + GROUP i) of the row
     * at {@code rowBase}, a 16-byte store where it is whole, element by element where it crosses the end.
     */
    static void storeVectors(FloatArray out, float[] res, long rowBase, int first, int seqlen, int vectorsPerItem) {
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
    }

    private static final float LOG2_E = 1.4426950408889634f;

    /**
     * x * sigmoid(x) = x / y with y = 1 + 2^(-x log2 e), the exponential by {@link KernelMath#exp2Approx}
     * (one special-function instruction on CUDA instead of expf's range reduction) and 1 / y as
     * {@code rsqrt(y)^2} (one more, instead of the division's reciprocal, Newton steps and range check):
     * a few ulp from {@link io.jmamba.kernels.support.Activations#silu}, and SiLU is most of a conv output's instructions. Very
     * negative x gives y = inf, rsqrt(inf) = 0 and x * 0 = -0, the limit.
     */
    static float silu(float x) {
        float r = KernelMath.rsqrt(1f + KernelMath.exp2Approx(-LOG2_E * x));
        return x * r * r;
    }
}
