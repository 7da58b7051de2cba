package io.jmamba.model.generate;

import io.jmamba.model.inference.InferenceEngine;
import io.jmamba.model.inference.InferenceState;

import java.util.Arrays;

/**
 * Prefill over the prompts, then decode one token per sequence per step until every sequence has
 * emitted a stop token or {@code maxNewTokens}. Sequences that finished early keep being fed their
 * last token so that the batch keeps its shape; their output is not extended.
 */
public final class Generator {
    private Generator() {
    }

    /**
     * Runs the shapes a generation will run (a prefill of these prompts, one decode step of the
     * options' kind) on a throwaway state, so that compiling kernels and uploading weights is not
     * counted in the speeds a generation reports.
     */
    public static void warmUp(InferenceEngine engine, int[][] prompts, GenerationOptions options) {
        InferenceState state = engine.newState(prompts.length);
        engine.prefill(state, prompts, false);
        int[] feed = new int[prompts.length];
        for (int b = 0; b < feed.length; b++) {
            feed[b] = prompts[b][prompts[b].length - 1];
        }
        if (options.isGreedy()) {
            engine.decodeGreedy(state, feed);
        } else {
            engine.decode(state, feed);
        }
    }

    public static GenerationResult generate(InferenceEngine engine, int[][] prompts, GenerationOptions options,
                                            TokenListener listener) {
        int batch = prompts.length;
        if (batch == 0) {
            throw new IllegalArgumentException("no prompts");
        }
        long promptTokens = 0;
        for (int b = 0; b < batch; b++) {
            if (prompts[b].length == 0) {
                throw new IllegalArgumentException("prompt " + b + " is empty: generation needs at least one token");
            }
            promptTokens += prompts[b].length;
        }
        Sampler[] samplers = new Sampler[batch];
        for (int b = 0; b < batch; b++) {
            // one generator per sequence, seeded apart, so that a sequence's tokens do not depend on the batch
            samplers[b] = new Sampler(new GenerationOptions(options.maxNewTokens(), options.temperature(),
                    options.topK(), options.topP(), options.seed() + b, options.stopTokens()));
        }
        int[][] out = new int[batch][options.maxNewTokens()];
        int[] count = new int[batch];
        boolean[] done = new boolean[batch];
        if (options.maxNewTokens() == 0) {
            return new GenerationResult(new int[batch][0], 0, 0, 0, 0, 0);
        }
        InferenceState state = engine.newState(batch);
        long t0 = System.nanoTime();
        float[][][] first = engine.prefill(state, prompts, false);
        long prefillNanos = System.nanoTime() - t0;
        float[][] logits = new float[batch][];
        for (int b = 0; b < batch; b++) {
            logits[b] = first[b][0];
        }
        long decodeNanos = 0;
        long decodeTokens = 0;
        long steps = 0;
        int[] feed = new int[batch];
        int[] greedyNext = null;
        while (true) {
            int active = 0;
            for (int b = 0; b < batch; b++) {
                if (done[b]) {
                    continue;
                }
                int token = greedyNext != null ? greedyNext[b] : samplers[b].next(logits[b]);
                out[b][count[b]++] = token;
                listener.onToken(b, token);
                feed[b] = token;
                if (options.stopTokens().contains(token) || count[b] == options.maxNewTokens()) {
                    done[b] = true;
                } else {
                    active++;
                }
            }
            if (active == 0) {
                break;
            }
            long t1 = System.nanoTime();
            // greedy: the argmax is taken by the engine (on the device), so only ids cross
            if (options.isGreedy()) {
                greedyNext = engine.decodeGreedy(state, feed);
            } else {
                logits = engine.decode(state, feed);
            }
            decodeNanos += System.nanoTime() - t1;
            decodeTokens += active;
            steps++;
        }
        int[][] tokens = new int[batch][];
        for (int b = 0; b < batch; b++) {
            tokens[b] = Arrays.copyOf(out[b], count[b]);
        }
        return new GenerationResult(tokens, promptTokens, prefillNanos, decodeTokens, steps, decodeNanos);
    }
}
