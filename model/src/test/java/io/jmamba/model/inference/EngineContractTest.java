package io.jmamba.model.inference;

import io.jmamba.model.MambaModel;
import io.jmamba.model.generate.GenerationOptions;
import io.jmamba.model.generate.TokenListener;
import io.jmamba.model.testing.Golden;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * What every engine must satisfy, checked on each engine the tests can make: golden logits,
 * greedy continuation, prefill-then-decode equal to the full forward at every position, and a batch
 * equal to each of its sequences alone (also with sequences of different lengths).
 */
class EngineContractTest {
    static List<String> devices() {
        return EngineDevices.forTests();
    }

    @TestFactory
    List<DynamicTest> contract() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String model : List.of("mamba-tiny", "mamba2-tiny")) {
            for (String device : devices()) {
                String n = model + " on " + device + ": ";
                tests.add(dynamicTest(n + "golden logits", () -> goldenLogits(model, device)));
                tests.add(dynamicTest(n + "prefill then decode equals full forward", () -> prefillThenDecode(model, device)));
                tests.add(dynamicTest(n + "batch equals each sequence alone", () -> batchEqualsAlone(model, device)));
                tests.add(dynamicTest(n + "greedy continuation", () -> greedy(model, device)));
            }
        }
        return tests;
    }

    static void goldenLogits(String model, String device) {
        Golden g = Golden.load(model);
        try (MambaModel m = MambaModel.load(g.modelDir(), device)) {
            Golden.assertLogitsClose(model + " on " + device, g.logits(), m.forward(g.inputIds()));
        }
    }

    static void greedy(String model, String device) {
        Golden g = Golden.load(model);
        try (MambaModel m = MambaModel.load(g.modelDir(), device)) {
            int[] got = m.generate(g.inputIds()[0], GenerationOptions.greedy(g.greedyIds().length), TokenListener.NONE)
                    .tokens()[0];
            assertArrayEquals(g.greedyIds(), got, model + " on " + device);
        }
    }

    static void prefillThenDecode(String model, String device) {
        Golden g = Golden.load(model);
        try (MambaModel m = MambaModel.load(g.modelDir(), device)) {
            InferenceEngine e = m.engine();
            int[] ids = g.inputIds()[1];
            float[][][] full = e.prefill(e.newState(1), new int[][] {ids}, true);
            for (int split : new int[] {1, 7, 17, ids.length - 1}) {
                InferenceState s = e.newState(1);
                float[][][] got = new float[1][ids.length][];
                float[][][] pre = e.prefill(s, new int[][] {Arrays.copyOf(ids, split)}, true);
                System.arraycopy(pre[0], 0, got[0], 0, split);
                for (int t = split; t < ids.length; t++) {
                    got[0][t] = e.decode(s, new int[] {ids[t]})[0];
                }
                Golden.assertLogitsClose(model + " split at " + split, full, got);
            }
            // a second prefill continues from the state like decode does
            InferenceState s = e.newState(1);
            e.prefill(s, new int[][] {Arrays.copyOf(ids, 10)}, false);
            float[][][] rest = e.prefill(s, new int[][] {Arrays.copyOfRange(ids, 10, ids.length)}, true);
            Golden.assertLogitsClose(model + " prefill in two parts",
                    new float[][][] {Arrays.copyOfRange(full[0], 10, ids.length)}, rest);
        }
    }

    static void batchEqualsAlone(String model, String device) {
        Golden g = Golden.load(model);
        try (MambaModel m = MambaModel.load(g.modelDir(), device)) {
            InferenceEngine e = m.engine();
            int[][] ragged = {g.inputIds()[0], Arrays.copyOf(g.inputIds()[1], 9), Arrays.copyOf(g.inputIds()[0], 24)};
            float[][][] batch = e.prefill(e.newState(3), ragged, true);
            for (int b = 0; b < ragged.length; b++) {
                float[][][] alone = e.prefill(e.newState(1), new int[][] {ragged[b]}, true);
                Golden.assertLogitsClose(model + " sequence " + b, alone, new float[][][] {batch[b]});
            }
            InferenceState s = e.newState(2);
            e.prefill(s, new int[][] {ragged[0], ragged[1]}, false);
            float[][] step = e.decode(s, new int[] {5, 6});
            InferenceState s0 = e.newState(1);
            e.prefill(s0, new int[][] {ragged[1]}, false);
            float[][] alone = e.decode(s0, new int[] {6});
            Golden.assertLogitsClose(model + " decode in a batch", new float[][][] {{alone[0]}}, new float[][][] {{step[1]}});
        }
    }
}
