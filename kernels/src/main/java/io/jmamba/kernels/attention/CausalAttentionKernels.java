package io.jmamba.kernels.attention;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelMath;
import io.jmamba.runtime.api.Parallel;
import io.jmamba.runtime.api.Specialize;

/**
 * Softmax attention kernels; {@link CausalAttentionReference} is the specification. Layout q, k, v,
 * out {@code [batch*nheads, seqlen, headdim]} (row {@code r} = one (batch, head) pair).
 * <ul>
 *   <li>{@link #flash}: online softmax, one work-item per (row, query) looping over the keys; memory
 *       is linear in the length, so it runs at a million tokens (slowly: quadratic work).</li>
 *   <li>{@link #scores}, {@link #softmaxRows}, {@link #weightedSum}: the naive form that materialises the
 *       {@code [rows, seqlen, seqlen]} score matrix, for small lengths and as a cross-check.</li>
 * </ul>
 * {@code causal} is specialised (1 = keys {@code j <= i} only, 0 = all keys).
 */
public final class CausalAttentionKernels {
    /** Stands for minus infinity as the running maximum's start: exp(it - anything finite) is 0. */
    static final float NEG_LARGE = -3.0e38f;

    private CausalAttentionKernels() {
    }

    public static void flash(FloatArray q, FloatArray k, FloatArray v, FloatArray out, int rows, int seqlen, float scale,
                             @Specialize int headdim, @Specialize int causal) {
        float[] qi = new float[headdim];
        float[] acc = new float[headdim];
        for (@Parallel int r = 0; r < rows; r++) {
            for (@Parallel int i = 0; i < seqlen; i++) {
                long base = (long) r * seqlen * headdim;
                long qBase = base + (long) i * headdim;
                for (int d = 0; d < headdim; d++) {
                    qi[d] = q.get(qBase + d) * scale;
                    acc[d] = 0f;
                }
                float max = NEG_LARGE;
                float sum = 0f;
                int end = causal != 0 ? i + 1 : seqlen;
                for (int j = 0; j < end; j++) {
                    long kBase = base + (long) j * headdim;
                    float s = 0f;
                    for (int d = 0; d < headdim; d++) {
                        s += qi[d] * k.get(kBase + d);
                    }
                    float p;
                    if (s > max) {
                        // a new maximum: rescale what has been summed so far
                        float correction = KernelMath.exp(max - s);
                        sum *= correction;
                        for (int d = 0; d < headdim; d++) {
                            acc[d] *= correction;
                        }
                        max = s;
                        p = 1f;
                    } else {
                        p = KernelMath.exp(s - max);
                    }
                    sum += p;
                    for (int d = 0; d < headdim; d++) {
                        acc[d] += p * v.get(kBase + d);
                    }
                }
                float inv = 1f / sum;
                for (int d = 0; d < headdim; d++) {
                    out.set(qBase + d, acc[d] * inv);
                }
            }
        }
    }

    /** Naive pass 1: {@code scores[r, i, j] = scale * q[r,i] . k[r,j]} (masked entries are left alone). */
    public static void scores(FloatArray q, FloatArray k, FloatArray scores, int rows, int seqlen, float scale,
                              @Specialize int headdim, @Specialize int causal) {
        int queries = rows * seqlen; // the host caps rows * seqlen * seqlen, so this fits
        for (@Parallel int ri = 0; ri < queries; ri++) {
            for (@Parallel int j = 0; j < seqlen; j++) {
                int r = ri / seqlen;
                int i = ri - r * seqlen;
                if (causal == 0 || j <= i) {
                    long qBase = (long) ri * headdim;
                    long kBase = ((long) r * seqlen + j) * headdim;
                    float s = 0f;
                    for (int d = 0; d < headdim; d++) {
                        s += q.get(qBase + d) * k.get(kBase + d);
                    }
                    scores.set((long) ri * seqlen + j, s * scale);
                }
            }
        }
    }

    /** Naive pass 2: each score row becomes its softmax, in place; masked entries become 0. */
    public static void softmaxRows(FloatArray scores, int rows, int seqlen, @Specialize int causal) {
        int queries = rows * seqlen;
        for (@Parallel int ri = 0; ri < queries; ri++) {
            int i = ri % seqlen;
            int end = causal != 0 ? i + 1 : seqlen;
            long base = (long) ri * seqlen;
            float max = NEG_LARGE;
            for (int j = 0; j < end; j++) {
                max = Math.max(max, scores.get(base + j));
            }
            float sum = 0f;
            for (int j = 0; j < end; j++) {
                float e = KernelMath.exp(scores.get(base + j) - max);
                scores.set(base + j, e);
                sum += e;
            }
            float inv = 1f / sum;
            for (int j = 0; j < seqlen; j++) {
                scores.set(base + j, j < end ? scores.get(base + j) * inv : 0f);
            }
        }
    }

    /** Naive pass 3: {@code out[r, i, d] = sum_j p[r, i, j] * v[r, j, d]}. */
    public static void weightedSum(FloatArray probs, FloatArray v, FloatArray out, int rows, int seqlen,
                                   @Specialize int headdim, @Specialize int causal) {
        int queries = rows * seqlen;
        for (@Parallel int ri = 0; ri < queries; ri++) {
            for (@Parallel int d = 0; d < headdim; d++) {
                int r = ri / seqlen;
                int i = ri - r * seqlen;
                int end = causal != 0 ? i + 1 : seqlen;
                long pBase = (long) ri * seqlen;
                long vBase = (long) r * seqlen * headdim + d;
                float acc = 0f;
                for (int j = 0; j < end; j++) {
                    acc += probs.get(pBase + j) * v.get(vBase + (long) j * headdim);
                }
                out.set((long) ri * headdim + d, acc);
            }
        }
    }
}
