package io.jmamba.model.inference;

import io.jmamba.model.MambaModel;
import io.jmamba.model.device.KernelSet;
import io.jmamba.model.testing.Golden;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * The device engine moves each state between the host and the plans' device buffers (a plan per
 * shape, a bounded cache of plans). A seeded random mix of prefills of many lengths, logits steps and
 * greedy steps over three interleaved states, with more shapes than the cache holds, must give what
 * the reference gives for the same calls.
 */
class StateJugglingTest {
    @Test
    void interleavedStatesAndEvictedPlansMatchTheReference() {
        Golden g = Golden.load("mamba2-tiny");
        SplittableRandom rnd = new SplittableRandom(17);
        try (MambaModel ref = MambaModel.load(g.modelDir(), "reference");
             MambaModel dev = MambaModel.load(g.modelDir(), "jvm", KernelSet.PORTABLE)) {
            InferenceEngine r = ref.engine();
            InferenceEngine e = dev.engine();
            int[] batches = {1, 2, 1};
            InferenceState[] rs = new InferenceState[3];
            InferenceState[] es = new InferenceState[3];
            for (int i = 0; i < 3; i++) {
                rs[i] = r.newState(batches[i]);
                es[i] = e.newState(batches[i]);
            }
            for (int op = 0; op < 40; op++) {
                int i = rnd.nextInt(3);
                int b = batches[i];
                String what = "op " + op + " on state " + i;
                switch (rnd.nextInt(3)) {
                    case 0 -> {
                        int len = 1 + rnd.nextInt(6);
                        int[][] ids = new int[b][len];
                        for (int[] row : ids) {
                            for (int t = 0; t < len; t++) {
                                row[t] = rnd.nextInt(512);
                            }
                        }
                        boolean all = rnd.nextBoolean();
                        Golden.assertLogitsClose(what + " prefill " + len, r.prefill(rs[i], ids, all), e.prefill(es[i], ids, all));
                    }
                    case 1 -> {
                        int[] ids = rnd.ints(b, 0, 512).toArray();
                        Golden.assertLogitsClose(what + " decode", new float[][][] {r.decode(rs[i], ids)},
                                new float[][][] {e.decode(es[i], ids)});
                    }
                    default -> {
                        int[] ids = rnd.ints(b, 0, 512).toArray();
                        int[] want = r.decodeGreedy(rs[i], ids);
                        assertArrayEquals(want, e.decodeGreedy(es[i], ids), what + " greedy");
                        // and once more from the ids the step returned (already on the device)
                        assertArrayEquals(r.decodeGreedy(rs[i], want), e.decodeGreedy(es[i], want), what + " greedy again");
                    }
                }
            }
        }
    }
}
