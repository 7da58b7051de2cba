package io.jmamba.kernels.conv;

import io.jmamba.kernels.support.Activations;
import io.jmamba.runtime.api.FloatArray;
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
     * The vectorized forwards ({@link CausalConv1dVectorKernels}) also write the final states (so no second
     * launch is needed); only when they do not alias the initial states, which other work-items of the row
     * may still be reading.
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

    /** Work-items per group of the vectorized forwards ({@link CausalConv1dVectorKernels}): a warp on NVIDIA GPUs. */
    public static final int GROUP = 32;

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
