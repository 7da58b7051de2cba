package io.jmamba.model.generate;

import java.util.Set;

/**
 * How to pick new tokens.
 *
 * @param maxNewTokens at most this many new tokens per sequence (&gt;= 0)
 * @param temperature  0 (or less) means greedy: always the most likely token
 * @param topK         keep only the k most likely tokens before sampling; 0 keeps all
 * @param topP         keep the smallest set of most likely tokens whose probability reaches p; 1 keeps all
 * @param seed         seeds the sampler, so a run repeats
 * @param stopTokens   a sequence ends after emitting one of these (the stop token is included)
 */
public record GenerationOptions(int maxNewTokens, double temperature, int topK, double topP, long seed,
                                Set<Integer> stopTokens) {
    public GenerationOptions {
        if (maxNewTokens < 0) {
            throw new IllegalArgumentException("max new tokens must be >= 0, got " + maxNewTokens);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top-k must be >= 0, got " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
        }
        if (Double.isNaN(temperature)) {
            throw new IllegalArgumentException("temperature is NaN");
        }
        stopTokens = Set.copyOf(stopTokens);
    }

    /** Greedy decoding of up to {@code maxNewTokens} tokens, no stop tokens. */
    public static GenerationOptions greedy(int maxNewTokens) {
        return new GenerationOptions(maxNewTokens, 0, 0, 1, 0, Set.of());
    }

    public GenerationOptions withStopTokens(Set<Integer> stop) {
        return new GenerationOptions(maxNewTokens, temperature, topK, topP, seed, stop);
    }

    public boolean isGreedy() {
        return temperature <= 0;
    }
}
