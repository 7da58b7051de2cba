package io.jmamba.model.generate;

import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SamplerTest {
    static final float[] LOGITS = {0.1f, 2.0f, 1.9f, -3f, 0.5f};

    static GenerationOptions sampling(double t, int k, double p, long seed) {
        return new GenerationOptions(10, t, k, p, seed, Set.of());
    }

    @Test
    void greedyIsArgmaxFirstOnTies() {
        Sampler s = new Sampler(GenerationOptions.greedy(1));
        assertEquals(1, s.next(LOGITS));
        assertEquals(0, s.next(new float[] {3, 3, 1}));
    }

    @Test
    void topKOneAndTinyTopPAreGreedy() {
        Sampler k1 = new Sampler(sampling(5.0, 1, 1, 7));
        Sampler p = new Sampler(sampling(1.0, 0, 1e-6, 7));
        for (int i = 0; i < 50; i++) {
            assertEquals(1, k1.next(LOGITS));
            assertEquals(1, p.next(LOGITS));
        }
    }

    @Test
    void topKTwoOnlyEverPicksTheTwoBest() {
        Sampler s = new Sampler(sampling(10.0, 2, 1, 3));
        boolean sawOne = false;
        boolean sawTwo = false;
        for (int i = 0; i < 200; i++) {
            int t = s.next(LOGITS);
            assertTrue(t == 1 || t == 2, "picked " + t);
            sawOne |= t == 1;
            sawTwo |= t == 2;
        }
        assertTrue(sawOne && sawTwo, "a high temperature samples both");
    }

    @Test
    void frequenciesFollowTheSoftmax() {
        float[] two = {0f, (float) Math.log(3)}; // probabilities 1/4 and 3/4
        Sampler s = new Sampler(sampling(1.0, 0, 1, 11));
        int ones = 0;
        int n = 20000;
        for (int i = 0; i < n; i++) {
            ones += s.next(two);
        }
        assertEquals(0.75, ones / (double) n, 0.02);
    }

    @Test
    void sameSeedSameDrawsOtherSeedOtherDraws() {
        int[] a = draws(42);
        int[] b = draws(42);
        int[] c = draws(43);
        assertEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(b));
        assertNotEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(c));
    }

    static int[] draws(long seed) {
        Sampler s = new Sampler(sampling(2.0, 0, 1, seed));
        int[] out = new int[40];
        for (int i = 0; i < out.length; i++) {
            out[i] = s.next(LOGITS);
        }
        return out;
    }

    @Test
    void badOptionsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> sampling(1, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> sampling(1, -1, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new GenerationOptions(-1, 0, 0, 1, 0, Set.of()));
    }
}
