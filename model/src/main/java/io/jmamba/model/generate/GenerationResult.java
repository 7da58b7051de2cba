package io.jmamba.model.generate;

/**
 * What a generation produced and how fast.
 *
 * @param tokens         the new tokens of each sequence (the prompt excluded)
 * @param prefillTokens  prompt tokens fed in the prefill, all sequences together
 * @param prefillNanos   wall time of the prefill
 * @param decodeTokens   tokens fed through decode steps, all sequences together
 * @param decodeSteps    decode steps run (each feeds one token per sequence)
 * @param decodeNanos    wall time of all decode steps
 */
public record GenerationResult(int[][] tokens, long prefillTokens, long prefillNanos, long decodeTokens,
                               long decodeSteps, long decodeNanos) {
    public double prefillTokensPerSecond() {
        return prefillNanos == 0 ? 0 : prefillTokens * 1e9 / prefillNanos;
    }

    public double decodeTokensPerSecond() {
        return decodeNanos == 0 ? 0 : decodeTokens * 1e9 / decodeNanos;
    }

    /** Milliseconds per decode step (one token for every sequence of the batch). */
    public double decodeMillisPerStep() {
        return decodeSteps == 0 ? 0 : decodeNanos / 1e6 / decodeSteps;
    }

    /** Two lines for people: prefill and decode throughput. */
    public String speedReport() {
        return String.format(java.util.Locale.ROOT, "prefill: %d tokens in %.1f ms (%.1f tokens/s)%n"
                        + "decode: %d tokens in %d steps, %.1f ms (%.1f tokens/s, %.3f ms/step)",
                prefillTokens, prefillNanos / 1e6, prefillTokensPerSecond(), decodeTokens, decodeSteps,
                decodeNanos / 1e6, decodeTokensPerSecond(), decodeMillisPerStep());
    }
}
