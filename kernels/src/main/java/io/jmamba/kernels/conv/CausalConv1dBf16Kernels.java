package io.jmamba.kernels.conv;

import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.KernelMath;
import io.jmamba.runtime.api.Parallel;
import io.jmamba.runtime.api.Specialize;

import static io.jmamba.kernels.conv.CausalConv1dKernels.GROUP;
import static io.jmamba.kernels.conv.CausalConv1dKernels.HAS_BIAS;
import static io.jmamba.kernels.conv.CausalConv1dKernels.HAS_INITIAL_STATES;
import static io.jmamba.kernels.conv.CausalConv1dKernels.SILU;
import static io.jmamba.kernels.conv.CausalConv1dKernels.VECTOR;
import static io.jmamba.kernels.conv.CausalConv1dKernels.WRITE_FINAL_STATES;

/**
 * The bf16 forward of the depthwise causal conv1d, as causal_conv1d's bf16 path computes it: x, weight,
 * bias, states and out in bf16, products summed in float32, the output rounded to bf16 once (nearest,
 * ties to even). Same layout and flags as {@link CausalConv1dKernels#forwardVectorized}; a vector is four
 * bf16 values, one 8-byte load or store.
 */
public final class CausalConv1dBf16Kernels {
    private CausalConv1dBf16Kernels() {
    }

    /**
     * {@link CausalConv1dKernels#forwardVectorized} on bf16 data: groups of {@link CausalConv1dKernels#GROUP}
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
                        float acc = b;
                        for (int k = 0; k < width; k++) {
                            acc = KernelMath.fma(w[k], in[i * window + VECTOR * halo + e - (width - 1) + k], acc);
                        }
                        if ((flags & SILU) != 0) {
                            acc = CausalConv1dKernels.silu(acc);
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
}
