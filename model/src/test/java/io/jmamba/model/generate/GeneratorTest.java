package io.jmamba.model.generate;

import io.jmamba.model.MambaModel;
import io.jmamba.model.testing.Golden;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GeneratorTest {
    @Test
    void greedyMatchesGoldenAndStreamsEveryToken() {
        Golden g = Golden.load("mamba2-tiny");
        try (MambaModel m = MambaModel.load(g.modelDir(), "reference")) {
            List<Integer> streamed = new ArrayList<>();
            GenerationResult r = m.generate(g.inputIds()[0], GenerationOptions.greedy(g.greedyIds().length),
                    (seq, tok) -> streamed.add(tok));
            assertArrayEquals(g.greedyIds(), r.tokens()[0]);
            assertArrayEquals(g.greedyIds(), streamed.stream().mapToInt(Integer::intValue).toArray());
            assertEquals(24, r.prefillTokens());
            assertEquals(g.greedyIds().length - 1, r.decodeSteps(), "the first token comes from the prefill");
            assertTrue(r.prefillTokensPerSecond() > 0 && r.decodeTokensPerSecond() > 0);
        }
    }

    @Test
    void stopTokenEndsTheSequenceAndIsIncluded() {
        Golden g = Golden.load("mamba-tiny");
        int stop = g.greedyIds()[4];
        int firstAt = 0;
        while (g.greedyIds()[firstAt] != stop) {
            firstAt++;
        }
        try (MambaModel m = MambaModel.load(g.modelDir(), "reference")) {
            GenerationResult r = m.generate(g.inputIds()[0],
                    GenerationOptions.greedy(12).withStopTokens(Set.of(stop)), TokenListener.NONE);
            assertArrayEquals(java.util.Arrays.copyOf(g.greedyIds(), firstAt + 1), r.tokens()[0]);
        }
    }

    @Test
    void batchedGenerationEqualsEachSequenceAlone() {
        Golden g = Golden.load("mamba-tiny");
        GenerationOptions opts = new GenerationOptions(6, 0.8, 20, 0.9, 5, Set.of());
        try (MambaModel m = MambaModel.load(g.modelDir(), "reference")) {
            int[][] prompts = {g.inputIds()[0], java.util.Arrays.copyOf(g.inputIds()[1], 10)};
            GenerationResult both = m.generate(prompts, opts, TokenListener.NONE);
            // sequence b is seeded with seed + b, so alone it needs that seed
            GenerationResult first = m.generate(prompts[0], opts, TokenListener.NONE);
            GenerationResult second = m.generate(prompts[1],
                    new GenerationOptions(6, 0.8, 20, 0.9, 6, Set.of()), TokenListener.NONE);
            assertArrayEquals(first.tokens()[0], both.tokens()[0]);
            assertArrayEquals(second.tokens()[0], both.tokens()[1]);
        }
    }

    @Test
    void zeroNewTokensGivesNothing() {
        Golden g = Golden.load("mamba-tiny");
        try (MambaModel m = MambaModel.load(g.modelDir(), "reference")) {
            assertEquals(0, m.generate(g.inputIds()[0], GenerationOptions.greedy(0), TokenListener.NONE).tokens()[0].length);
        }
    }
}
