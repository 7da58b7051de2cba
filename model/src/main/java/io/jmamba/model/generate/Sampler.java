package io.jmamba.model.generate;

import java.util.Arrays;
import java.util.Random;

/**
 * Picks a token from next-token logits: argmax when greedy, otherwise softmax(logits / temperature)
 * restricted to the top-k tokens and then to the top-p nucleus, drawn with a seeded generator.
 */
public final class Sampler {
    private final GenerationOptions options;
    private final Random random;

    public Sampler(GenerationOptions options) {
        this.options = options;
        this.random = new Random(options.seed());
    }

    public int next(float[] logits) {
        if (options.isGreedy()) {
            return argmax(logits);
        }
        int n = logits.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        // most likely first; ties by lower id, so that a seed fixes the outcome
        Arrays.sort(order, (a, b) -> logits[a] != logits[b] ? Float.compare(logits[b], logits[a]) : Integer.compare(a, b));
        int keep = options.topK() > 0 ? Math.min(options.topK(), n) : n;
        double max = logits[order[0]] / options.temperature();
        double[] p = new double[keep];
        double sum = 0;
        for (int i = 0; i < keep; i++) {
            p[i] = Math.exp(logits[order[i]] / options.temperature() - max);
            sum += p[i];
        }
        if (options.topP() < 1) {
            double cum = 0;
            int nucleus = keep;
            for (int i = 0; i < keep; i++) {
                cum += p[i] / sum;
                if (cum >= options.topP()) {
                    nucleus = i + 1;
                    break;
                }
            }
            keep = nucleus;
            sum = 0;
            for (int i = 0; i < keep; i++) {
                sum += p[i];
            }
        }
        double u = random.nextDouble() * sum;
        for (int i = 0; i < keep; i++) {
            u -= p[i];
            if (u < 0) {
                return order[i];
            }
        }
        return order[keep - 1];
    }

    /** The index of the largest value (the first one on ties), as torch.argmax. */
    public static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
