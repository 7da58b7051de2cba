package io.jmamba.kernels.attention;

import io.jmamba.kernels.support.Tensor;

/**
 * Softmax attention in double precision, the specification of {@link CausalAttentionKernels}: for
 * each (batch, head) and query i, {@code out[i] = sum_j softmax_j(scale * q[i].k[j]) v[j]} over
 * {@code j <= i} when causal, all j otherwise. Layout q, k, v, out {@code [batch, nheads, seqlen, headdim]}.
 */
public final class CausalAttentionReference {
    private CausalAttentionReference() {
    }

    public static Tensor forward(Tensor q, Tensor k, Tensor v, double scale, boolean causal) {
        AttentionShape s = AttentionShape.check(q, k, v);
        int n = s.seqlen();
        int hd = s.headdim();
        Tensor out = Tensor.zeros(q.shape());
        double[] scores = new double[n];
        for (long r = 0; r < (long) s.batch() * s.heads(); r++) {
            long base = r * n * hd;
            for (int i = 0; i < n; i++) {
                int end = causal ? i + 1 : n;
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < end; j++) {
                    double dot = 0;
                    for (int d = 0; d < hd; d++) {
                        dot += (double) q.data().get(base + (long) i * hd + d) * k.data().get(base + (long) j * hd + d);
                    }
                    scores[j] = dot * scale;
                    max = Math.max(max, scores[j]);
                }
                double sum = 0;
                for (int j = 0; j < end; j++) {
                    scores[j] = Math.exp(scores[j] - max);
                    sum += scores[j];
                }
                for (int d = 0; d < hd; d++) {
                    double acc = 0;
                    for (int j = 0; j < end; j++) {
                        acc += scores[j] * v.data().get(base + (long) j * hd + d);
                    }
                    out.data().set(base + (long) i * hd + d, (float) (acc / sum));
                }
            }
        }
        return out;
    }
}
