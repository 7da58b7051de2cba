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

    private CausalConv1dKernels() {
    }

    /** Forward: one work-item per (row, token). */
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
