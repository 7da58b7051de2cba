package io.jmamba.model.generate;

import io.jmamba.model.inference.InferenceEngine;
import io.jmamba.model.inference.InferenceState;

import java.util.SplittableRandom;

/** Timings of an engine: prefill throughput and decode step time, after a warm-up run of each. */
public final class ModelSpeed {
    private ModelSpeed() {
    }

    /** One prefill measurement: {@code tokens} per sequence times {@code batch}. */
    public record Prefill(int batch, int tokens, long nanos) {
        public double tokensPerSecond() {
            return (double) batch * tokens * 1e9 / nanos;
        }
    }

    /** One decode measurement: {@code steps} steps of {@code batch} tokens. */
    public record Decode(int batch, int steps, long nanos) {
        public double millisPerStep() {
            return nanos / 1e6 / steps;
        }

        public double tokensPerSecond() {
            return (double) batch * steps * 1e9 / nanos;
        }
    }

    /** Best of {@code repeats} prefills of {@code tokens} random ids (after one untimed warm-up). */
    public static Prefill prefill(InferenceEngine e, int batch, int tokens, int repeats, long seed) {
        int[][] ids = randomIds(e, batch, tokens, seed);
        e.prefill(e.newState(batch), ids, false);
        long best = Long.MAX_VALUE;
        for (int r = 0; r < Math.max(1, repeats); r++) {
            InferenceState s = e.newState(batch);
            long t0 = System.nanoTime();
            e.prefill(s, ids, false);
            best = Math.min(best, System.nanoTime() - t0);
        }
        return new Prefill(batch, tokens, best);
    }

    /**
     * {@code steps} greedy decode steps at {@code batch} (each feeding back the tokens the last one
     * chose, as generation does) after a short prompt and {@code warmup} untimed steps.
     */
    public static Decode decode(InferenceEngine e, int batch, int steps, int warmup, long seed) {
        InferenceState s = e.newState(batch);
        e.prefill(s, randomIds(e, batch, 8, seed), false);
        int[] feed = randomIds(e, 1, batch, seed + 1)[0];
        for (int i = 0; i < warmup; i++) {
            feed = e.decodeGreedy(s, feed);
        }
        long t0 = System.nanoTime();
        for (int i = 0; i < steps; i++) {
            feed = e.decodeGreedy(s, feed);
        }
        return new Decode(batch, steps, System.nanoTime() - t0);
    }

    private static int[][] randomIds(InferenceEngine e, int batch, int tokens, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int[][] ids = new int[batch][tokens];
        for (int[] row : ids) {
            for (int t = 0; t < tokens; t++) {
                row[t] = rnd.nextInt(e.config().vocabSize());
            }
        }
        return ids;
    }
}
