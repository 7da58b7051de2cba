package io.jmamba.model.device;

import io.jmamba.model.config.ConfigParser;
import io.jmamba.model.config.ModelPresets;
import io.jmamba.model.testing.Golden;
import io.jmamba.model.weights.Checkpoint;
import io.jmamba.model.weights.ModelWeights;
import io.jmamba.model.weights.RandomWeights;
import io.jmamba.model.weights.WeightLoader;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceMatrix;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * {@code -Djmamba.decode.split=true}: a batch 1-2 fused decode step with bf16 weights runs each layer as
 * {@link io.jmamba.kernels.fused.SplitDecode}'s two launches. out_proj's partial sums meet through atomics, so the
 * logits agree with the plain fused step to fp32 rounding ({@link #TOL}, relative to 1 + |want|), step after step with
 * the states carried, and greedy steps pick the plain step's argmax (or, where its top two logits lie within the
 * tolerance, one of them).
 */
class SplitDecodeModelTest {
    private static final String SPLIT = "jmamba.decode.split";
    /** Relative tolerance of the logits (to 1 + |want|): reordered fp32 sums through a few layers and steps. */
    private static final float TOL = 1e-4f;

    @Test
    void layersTakeTwoLaunchesEachWhereTheyFit() throws Exception {
        ModelWeights w = RandomWeights.generate(ModelPresets.mamba2(2, 128, 300), 5);
        List<String> on = DecodeSwitches.with(SPLIT, "true", () -> DecodeSwitches.taskIds(w, 1, WeightPrecision.BF16));
        assertEquals(List.of("l0_split_sa", "l0_split_sb", "l1_split_sa", "l1_split_sb", "l1_split_comb"),
                on.stream().filter(id -> id.matches("l[0-9]+_.*")).toList());
        assertTrue(on.stream().noneMatch(id -> id.startsWith("embed")), "the first layer looks its rows up: " + on);
        List<String> noFold = DecodeSwitches.with("jmamba.decode.embedGemv", "false", () -> DecodeSwitches.with(SPLIT, "true",
                () -> DecodeSwitches.taskIds(w, 1, WeightPrecision.BF16)));
        assertTrue(noFold.stream().anyMatch(id -> id.startsWith("embed")), "-Djmamba.decode.embedGemv=false: " + noFold);
        // the split form wins over the persistent one
        assertEquals(on, DecodeSwitches.with("jmamba.decode.persistent", "true", () -> DecodeSwitches.with(SPLIT, "true", () -> DecodeSwitches.taskIds(w, 1, WeightPrecision.BF16))));
        // fp32 weights and batch 5 keep today's kernels
        assertTrue(DecodeSwitches.with(SPLIT, "true", () -> DecodeSwitches.taskIds(w, 1, WeightPrecision.FP32)).stream().noneMatch(id -> id.contains("split")));
        assertTrue(DecodeSwitches.with(SPLIT, "true", () -> DecodeSwitches.taskIds(w, 5, WeightPrecision.BF16)).stream().noneMatch(id -> id.contains("split")));
    }

    @TestFactory
    List<DynamicTest> logitsAgreeWithThePlainFusedStep() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ComputeDevice d : DeviceMatrix.devices()) {
            boolean jvm = d.backendName().equals("jvm");
            for (int batch : jvm ? new int[] {1} : new int[] {1, 2}) {
                tests.add(dynamicTest("mamba2-tiny batch " + batch + ", split on " + d.id(), () -> {
                    Golden g = Golden.load("mamba2-tiny");
                    check(WeightLoader.load(ConfigParser.read(g.modelDir()), Checkpoint.open(g.modelDir())), d, batch, jvm ? 2 : 3);
                }));
            }
            if (!jvm) {
                // d_state 128 in 16-byte quads over 8 lanes, 16 channels per work-group (the 130M layer's blocks)
                tests.add(dynamicTest("random mamba2 (d_model 128) batch 1, split on " + d.id(),
                        () -> check(RandomWeights.generate(ModelPresets.mamba2(2, 128, 300), 6), d, 1, 3)));
            }
        }
        return tests;
    }

    private static void check(ModelWeights w, ComputeDevice d, int batch, int steps) throws Exception {
        int vocab = w.config().vocabSize();
        try (SwitchedDecode pair = SwitchedDecode.prefilled(w, d, batch, SPLIT, "true")) {
            pair.logitSteps(steps, (step, b, want, got) -> {
                for (int v = 0; v < vocab; v++) {
                    assertEquals(want[v], got[v], TOL * (1 + Math.abs(want[v])), "step " + step + " row " + b + " logit " + v);
                }
            });
            assertTrue(pair.switched.forwardTaskIds().contains("l0_split_sb"), pair.switched.forwardTaskIds().toString());
            assertTrue(pair.plain.forwardTaskIds().stream().noneMatch(id -> id.contains("split")), pair.plain.forwardTaskIds().toString());
            // greedy steps (another plan): the plain step's argmax, unless its top two are within the tolerance
            int[] token = new int[batch];
            for (int step = 0; step < (d.backendName().equals("jvm") ? 0 : 2); step++) {
                float[][] want = pair.plain.decode(pair.plainState, token);
                int[] got = pair.underSwitch(() -> pair.switched.decodeGreedy(pair.switchedState, token));
                for (int b = 0; b < batch; b++) {
                    int best = argmax(want[b]);
                    float margin = want[b][best] - want[b][got[b]];
                    assertTrue(got[b] == best || margin <= TOL * (1 + Math.abs(want[b][best])),
                            "greedy step " + step + " row " + b + ": " + got[b] + " against the plain argmax " + best + " (margin " + margin + ")");
                    token[b] = best;
                }
            }
        }
    }

    private static int argmax(float[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) {
            if (x[i] > x[best]) {
                best = i;
            }
        }
        return best;
    }
}
