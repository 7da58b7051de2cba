package io.jmamba.model.inference;

import io.jmamba.model.config.MambaConfig;

/**
 * Runs a loaded Mamba model on one device: prefill over prompts, then token-by-token decode from
 * the recurrent state (per layer and sequence: the last d_conv - 1 conv inputs and the SSM state).
 *
 * <p>Implementations: the plain-Java reference ({@code io.jmamba.model.reference.ReferenceEngine}),
 * which is the spec and test oracle, and the device engine built from task graphs of the kernels.
 * All return float32 logits over the (padded) vocabulary.
 */
public interface InferenceEngine extends AutoCloseable {
    MambaConfig config();

    /** Where it runs ("reference (plain Java)", "cuda:0 NVIDIA H100 ...", ...). */
    String deviceDescription();

    /** Zero state for {@code batch} sequences. */
    InferenceState newState(int batch);

    /**
     * Feeds {@code tokens[b]} (one row per sequence of {@code state}; rows may differ in length, each
     * at least one token) after whatever the state already holds, and advances the state.
     *
     * @param allPositions true: logits for every fed position, [b][len_b][vocab]; false: only the
     *                     last position's, [b][1][vocab]
     */
    float[][][] prefill(InferenceState state, int[][] tokens, boolean allPositions);

    /** One token per sequence; returns the next-token logits, [b][vocab]. */
    float[][] decode(InferenceState state, int[] tokens);

    /**
     * One token per sequence; returns each sequence's most likely next token (the first on ties, as
     * torch.argmax). Engines that can take the argmax where the logits are override this so that only
     * token ids cross to the host.
     */
    default int[] decodeGreedy(InferenceState state, int[] tokens) {
        float[][] logits = decode(state, tokens);
        int[] next = new int[logits.length];
        for (int b = 0; b < next.length; b++) {
            int best = 0;
            for (int v = 1; v < logits[b].length; v++) {
                if (logits[b][v] > logits[b][best]) {
                    best = v;
                }
            }
            next[b] = best;
        }
        return next;
    }

    @Override
    void close();
}
