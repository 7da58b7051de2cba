package io.jmamba.kernels.conv;

import io.jmamba.kernels.support.Activations;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.KernelMath;
import io.jmamba.runtime.api.Parallel;
import io.jmamba.runtime.api.Specialize;

/**
 * Depthwise causal conv1d kernels; {@link CausalConv1dReference} is the specification. Layout:
 * x, out {@code [batch, dim, seqlen]} with {@code row = b * dim + d}; weight {@code [dim, width]};
 * states {@code [batch, dim, width-1]} (forward) or {@code [batch, dim, stateLen]} (update).
 * The width is specialised so the weight loop unrolls; the {@code HAS_*}/{@code SILU} bits of
 * {@code flags} switch the optional parts (absent inputs are placeholders that are never read).
 */
public final class CausalConv1dKernels {
    public static final int HAS_BIAS = 1;
    public static final int SILU = 2;
    public static final int HAS_INITIAL_STATES = 4;
    /**
     * {@link #forwardVectorized} also writes the final states (so no second launch is needed); only when
     * they do not alias the initial states, which other work-items of the row may still be reading.
     */
    public static final int WRITE_FINAL_STATES = 8;

    private CausalConv1dKernels() {
    }

    /**
     * Forward with the tokens in grid dimension 0: each work-item computes {@code perItem} consecutive
     * outputs of one row from a private window of {@code perItem + width - 1} inputs, with the row's
     * weights and bias in registers. Consecutive work-items take consecutive chunks of the same row, so
     * a warp reads and writes one contiguous stretch of {@code 32 * perItem} floats (layout
     * {@code [batch, dim, seqlen]}, seqlen contiguous); rows go to dimension 1. Launch
     * {@code (ceil(seqlen / perItem), batch * dim)} items (any smaller grid is correct: the loops stride).
     * A warp's load and store instructions each touch 32 floats {@code perItem} apart (the other
     * instructions' loads hit the same cache lines), so stores reach L2 as partial sectors.
     */
    public static void forwardChunked(FloatArray x, FloatArray weight, FloatArray bias, FloatArray initialStates, FloatArray out,
                                      int batch, int dim, int seqlen, @Specialize int width, int flags, @Specialize int perItem) {
        float[] w = new float[width];
        float[] window = new float[perItem + width - 1];
        int rows = batch * dim;
        int chunks = (seqlen - 1) / perItem + 1; // seqlen >= 1; this form cannot overflow
        for (@Parallel int c = 0; c < chunks; c++) {
            for (@Parallel int row = 0; row < rows; row++) {
                int d = row % dim;
                long rowBase = (long) row * seqlen;
                int t0 = c * perItem;
                for (int k = 0; k < width; k++) {
                    w[k] = weight.get((long) d * width + k);
                }
                float b = (flags & HAS_BIAS) != 0 ? bias.get(d) : 0f;
                // window[i] = xp[t0 + i], where xp = concat(initial states or zeros, x)
                for (int i = 0; i < perItem + width - 1; i++) {
                    int j = t0 - (width - 1) + i;
                    float v = 0f;
                    if (j >= 0) {
                        if (j < seqlen) {
                            v = x.get(rowBase + j);
                        }
                    } else if ((flags & HAS_INITIAL_STATES) != 0) {
                        v = initialStates.get((long) row * (width - 1) + (width - 1) + j);
                    }
                    window[i] = v;
                }
                for (int i = 0; i < perItem; i++) {
                    float acc = b;
                    for (int k = 0; k < width; k++) {
                        acc += w[k] * window[i + k];
                    }
                    if ((flags & SILU) != 0) {
                        acc = Activations.silu(acc);
                    }
                    if (t0 + i < seqlen) {
                        out.set(rowBase + t0 + i, acc);
                    }
                }
            }
        }
    }

    /** Work-items per group of {@link #forwardInterleaved}: a warp on NVIDIA GPUs. */
    public static final int GROUP = 32;

    /**
     * Forward with the tokens in grid dimension 0, fully coalesced: the work-items go in groups of
     * {@link #GROUP} consecutive ones, a group covers {@code GROUP * perItem} consecutive outputs of one
     * row, and item {@code l} of the group takes outputs {@code l, l + GROUP, l + 2 GROUP, ...} of them.
     * So each load and store instruction of a warp touches 32 consecutive floats, while the row's weights
     * and bias are read once per {@code perItem} outputs. All {@code perItem * width} inputs are loaded
     * before any is used, so a work-item has them all in flight at once. Rows go to dimension 1. Launch
     * {@code (ceil(seqlen / (GROUP * perItem)) * GROUP, batch * dim)} items (any grid is correct: the
     * loops stride, and the item-to-output mapping does not depend on the launch).
     */
    public static void forwardInterleaved(FloatArray x, FloatArray weight, FloatArray bias, FloatArray initialStates,
                                          FloatArray out, int batch, int dim, int seqlen, @Specialize int width, int flags,
                                          @Specialize int perItem) {
        float[] w = new float[width];
        float[] in = new float[perItem * width];
        int rows = batch * dim;
        int span = GROUP * perItem;
        int items = ((seqlen - 1) / span + 1) * GROUP; // seqlen >= 1
        for (@Parallel int c = 0; c < items; c++) {
            for (@Parallel int row = 0; row < rows; row++) {
                int d = row % dim;
                long rowBase = (long) row * seqlen;
                int first = c / GROUP * span + c % GROUP;
                for (int k = 0; k < width; k++) {
                    w[k] = weight.get((long) d * width + k);
                }
                float b = (flags & HAS_BIAS) != 0 ? bias.get(d) : 0f;
                if (first >= width - 1 && first + GROUP * (perItem - 1) < seqlen) {
                    // every input inside the row (all but the first and last groups): no bounds tests
                    long base = rowBase + first - (width - 1);
                    for (int i = 0; i < perItem; i++) {
                        for (int k = 0; k < width; k++) {
                            in[i * width + k] = x.get(base + GROUP * i + k);
                        }
                    }
                } else {
                    for (int i = 0; i < perItem; i++) {
                        int t = first + GROUP * i;
                        for (int k = 0; k < width; k++) {
                            int j = t - (width - 1) + k;
                            float v = 0f;
                            if (j >= 0) {
                                if (j < seqlen) {
                                    v = x.get(rowBase + j);
                                }
                            } else if ((flags & HAS_INITIAL_STATES) != 0) {
                                v = initialStates.get((long) row * (width - 1) + (width - 1) + j);
                            }
                            in[i * width + k] = v;
                        }
                    }
                }
                for (int i = 0; i < perItem; i++) {
                    int t = first + GROUP * i;
                    float acc = b;
                    for (int k = 0; k < width; k++) {
                        acc += w[k] * in[i * width + k];
                    }
                    if ((flags & SILU) != 0) {
                        acc = Activations.silu(acc);
                    }
                    if (t < seqlen) {
                        out.set(rowBase + t, acc);
                    }
                }
            }
        }
    }

    /** Elements of one vector access of {@link #forwardVectorized}: a float4 (16 bytes). */
    public static final int VECTOR = 4;

    /**
     * Forward with 16-byte loads and stores: the row is cut into vectors of {@link #VECTOR} outputs,
     * the work-items go in groups of {@link #GROUP}, a group covers {@code GROUP * vectorsPerItem}
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
                for (int i = 0; i < vectorsPerItem; i++) {
                    for (int e = 0; e < VECTOR; e++) {
                        // output t = 4 v + e reads inputs t - (width - 1) .. t, at window offset 4 halo + e - (width - 1) + k
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
                    for (int i = 0; i < width - 1; i++) {
                        finalStates.set((long) row * (width - 1) + i, fin[i]);
                    }
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
                for (int i = 0; i < vectorsPerItem; i++) {
                    for (int e = 0; e < VECTOR; e++) {
                        float acc = b;
                        for (int k = 0; k < width; k++) {
                            acc = KernelMath.fma(w[k], in[(2 * i + 1) * VECTOR + e - (width - 1) + k], acc);
                        }
                        if ((flags & SILU) != 0) {
                            acc = silu(acc);
                        }
                        res[i * VECTOR + e] = acc;
                    }
                }
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
                    for (int i = 0; i < width - 1; i++) {
                        finalStates.set((long) row * (width - 1) + i, fin[i]);
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
     * a few ulp from {@link Activations#silu}, and SiLU is most of a conv output's instructions. Very
     * negative x gives y = inf, rsqrt(inf) = 0 and x * 0 = -0, the limit.
     */
    static float silu(float x) {
        float r = KernelMath.rsqrt(1f + KernelMath.exp2Approx(-LOG2_E * x));
        return x * r * r;
    }

    /**
     * The first forward: one work-item per (row, token) with the rows in grid dimension 0, so the 32
     * work-items of a warp touch 32 rows {@code seqlen} floats apart (uncoalesced: about 9% of the copy
     * bandwidth on an H100). Kept as {@link ConvForward#ROWS_IN_X} to time against.
     */
    public static void forward(FloatArray x, FloatArray weight, FloatArray bias, FloatArray initialStates, FloatArray out,
                               int batch, int dim, int seqlen, @Specialize int width, int flags) {
        int rows = batch * dim;
        for (@Parallel int row = 0; row < rows; row++) {
            for (@Parallel int t = 0; t < seqlen; t++) {
                int d = row % dim;
                long rowBase = (long) row * seqlen;
                float acc = (flags & HAS_BIAS) != 0 ? bias.get(d) : 0f;
                for (int k = 0; k < width; k++) {
                    int j = t - (width - 1) + k;
                    float v;
                    if (j >= 0) {
                        v = x.get(rowBase + j);
                    } else if ((flags & HAS_INITIAL_STATES) != 0) {
                        v = initialStates.get((long) row * (width - 1) + (width - 1) + j);
                    } else {
                        v = 0f;
                    }
                    acc += weight.get((long) d * width + k) * v;
                }
                if ((flags & SILU) != 0) {
                    acc = Activations.silu(acc);
                }
                out.set(rowBase + t, acc);
            }
        }
    }

    /**
     * The last width-1 inputs (reaching back into the initial states when seqlen < width-1). One
     * work-item per row writing in ascending order, so {@code finalStates} may be the
     * {@code initialStates} array itself: entry i reads entry {@code seqlen + i > i}, not yet overwritten.
     */
    public static void finalStates(FloatArray x, FloatArray initialStates, FloatArray finalStates,
                                   int batch, int dim, int seqlen, @Specialize int width, int flags) {
        int rows = batch * dim;
        for (@Parallel int row = 0; row < rows; row++) {
            long sBase = (long) row * (width - 1);
            for (int i = 0; i < width - 1; i++) {
                int j = seqlen - (width - 1) + i;
                float v;
                if (j >= 0) {
                    v = x.get((long) row * seqlen + j);
                } else if ((flags & HAS_INITIAL_STATES) != 0) {
                    v = initialStates.get(sBase + (width - 1) + j);
                } else {
                    v = 0f;
                }
                finalStates.set(sBase + i, v);
            }
        }
    }

    /**
     * Decode: {@code seqlen} new tokens per row against a rolling state of {@code stateLen >= width-1}
     * entries, updated in place. One work-item per row: the state shift needs every output first.
     */
    public static void update(FloatArray convState, FloatArray x, FloatArray weight, FloatArray bias, FloatArray out,
                              int batch, int dim, int seqlen, int stateLen, @Specialize int width, int flags) {
        int rows = batch * dim;
        for (@Parallel int row = 0; row < rows; row++) {
            int d = row % dim;
            long xBase = (long) row * seqlen;
            long sBase = (long) row * stateLen;
            for (int t = 0; t < seqlen; t++) {
                float acc = (flags & HAS_BIAS) != 0 ? bias.get(d) : 0f;
                for (int k = 0; k < width; k++) {
                    int j = stateLen + t - (width - 1) + k;
                    float v = j < stateLen ? convState.get(sBase + j) : x.get(xBase + j - stateLen);
                    acc += weight.get((long) d * width + k) * v;
                }
                if ((flags & SILU) != 0) {
                    acc = Activations.silu(acc);
                }
                out.set(xBase + t, acc);
            }
            // new state = the last stateLen entries of concat(state, x); ascending order reads each
            // source (at index i + seqlen > i) before it is overwritten
            for (int i = 0; i < stateLen; i++) {
                int j = i + seqlen;
                float v = j < stateLen ? convState.get(sBase + j) : x.get(xBase + j - stateLen);
                convState.set(sBase + i, v);
            }
        }
    }
}
