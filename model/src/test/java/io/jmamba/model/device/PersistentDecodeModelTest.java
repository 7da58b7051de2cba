package io.jmamba.model.device;

import io.jmamba.kernels.fused.PersistentDecode;
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

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * {@code -Djmamba.decode.persistent=true|pair|quad|phases}: a batch 1-2 fused decode step with bf16 weights runs each layer
 * as {@link PersistentDecode}'s phases (on CUDA one launch per 1, 2 or 4 layers, three launches per layer elsewhere). Their arithmetic is the fused
 * kernels' operation for operation, so on every device the logits equal the plain fused step's bit for bit, step
 * after step (states carried), and greedy steps give the same ids.
 */
class PersistentDecodeModelTest {
    private static final String PERSISTENT = "jmamba.decode.persistent";

    @Test
    void layersTakeThePhasesWhereTheyFit() throws Exception {
        ModelWeights w = RandomWeights.generate(ModelPresets.mamba2(2, 128, 300), 5);
        List<String> off = DecodeSwitches.taskIds(w, 1, WeightPrecision.BF16);
        List<String> on = DecodeSwitches.with(PERSISTENT, "true", () -> DecodeSwitches.taskIds(w, 1, WeightPrecision.BF16));
        // no device given: the three-launch form
        assertEquals(List.of("l0_persist_pa", "l0_persist_pb", "l0_persist_pc", "l1_persist_pa", "l1_persist_pb",
                "l1_persist_pc"), on.stream().filter(id -> id.matches("l[0-9]+_.*")).toList());
        // the first layer looks its rows up: no embedding launch; the head as before
        assertTrue(off.stream().anyMatch(id -> id.startsWith("embed")), off.toString());
        assertEquals(off.stream().filter(id -> !id.matches("l[0-9]+_.*") && !id.startsWith("embed")).toList(),
                on.stream().filter(id -> !id.matches("l[0-9]+_.*")).toList(), "the head as before, no embedding launch");
        List<String> noFold = DecodeSwitches.with("jmamba.decode.embedGemv", "false", () -> DecodeSwitches.with(PERSISTENT, "true",
                () -> DecodeSwitches.taskIds(w, 1, WeightPrecision.BF16)));
        assertEquals(on.size() + 1, noFold.size(), "-Djmamba.decode.embedGemv=false keeps the embedding launch: " + noFold);
        // several layers per launch needs a device with grid barriers: without one, "pair" and "quad" are the phases too
        assertEquals(on, DecodeSwitches.with(PERSISTENT, "pair", () -> DecodeSwitches.taskIds(w, 1, WeightPrecision.BF16)));
        assertEquals(on, DecodeSwitches.with(PERSISTENT, "quad", () -> DecodeSwitches.taskIds(w, 1, WeightPrecision.BF16)));
        assertEquals(on, DecodeSwitches.with(PERSISTENT, "phases", () -> DecodeSwitches.taskIds(w, 1, WeightPrecision.BF16)));
        assertTrue(DecodeSwitches.with(PERSISTENT, "yes", () -> DecodeSwitches.taskIds(w, 1, WeightPrecision.BF16)).contains("l0_in_embgemv")
                || DecodeSwitches.with(PERSISTENT, "yes", () -> DecodeSwitches.taskIds(w, 1, WeightPrecision.BF16)).contains("l0_in_normgemv"),
                "an unknown value leaves the persistent decode off");
        // fp32 weights (no packed bf16 view) and batch 5 (beyond the few-row form) keep today's kernels
        assertTrue(DecodeSwitches.with(PERSISTENT, "true", () -> DecodeSwitches.taskIds(w, 1, WeightPrecision.FP32)).contains("l0_in_normgemv"));
        assertTrue(DecodeSwitches.with(PERSISTENT, "true", () -> DecodeSwitches.taskIds(w, 5, WeightPrecision.BF16)).stream()
                .noneMatch(id -> id.contains("persist")));
    }

    @TestFactory
    List<DynamicTest> logitsEqualThePlainFusedStep() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ComputeDevice d : DeviceMatrix.devices()) {
            // the JVM backend runs every work-item as Java (seconds per step): batch 1 there
            boolean jvm = d.backendName().equals("jvm");
            // two layers per launch only where layers take one launch each (GPUs); elsewhere "pair" is "true"
            // "phases": the three launches per layer although the device has grid barriers
            List<String> modes = PersistentDecode.formFor(d) == PersistentDecode.Form.LAYER ? List.of("true", "pair", "quad", "phases")
                    : List.of("true");
            for (String mode : modes) {
                for (int batch : jvm ? new int[] {1} : new int[] {1, 2}) {
                    tests.add(dynamicTest("mamba2-tiny batch " + batch + ", persistent=" + mode + " on " + d.id(), () -> {
                        Golden g = Golden.load("mamba2-tiny");
                        check(WeightLoader.load(ConfigParser.read(g.modelDir()), Checkpoint.open(g.modelDir())), d, batch,
                                jvm ? 2 : 3, mode);
                    }));
                }
                if (mode.equals("quad")) {
                    // five layers: four in one launch, the fifth alone
                    tests.add(dynamicTest("random mamba2 (5 layers) batch 1, persistent=quad on " + d.id(),
                            () -> check(RandomWeights.generate(ModelPresets.mamba2(5, 128, 300), 8), d, 1, 3, mode)));
                }
                if (!jvm) {
                    // d_state 128 over 32 lanes in 16-byte quads (the 130M layer's state rows)
                    tests.add(dynamicTest("random mamba2 (d_model 128) batch 1, persistent=" + mode + " on " + d.id(),
                            () -> check(RandomWeights.generate(ModelPresets.mamba2(2, 128, 300), 6), d, 1, 3, mode)));
                }
            }
        }
        return tests;
    }

    private static void check(ModelWeights w, ComputeDevice d, int batch, int steps, String mode) throws Exception {
        try (SwitchedDecode pair = SwitchedDecode.prefilled(w, d, batch, PERSISTENT, mode)) {
            pair.logitSteps(steps, (step, b, want, got) -> assertArrayEquals(want, got, 0f, "step " + step + " row " + b));
            // the steps above did run the persistent layers (one launch each where the device has grid barriers)
            // quad with fewer than four layers: a pair first
            int layers = w.config().nLayer();
            String form = PersistentDecode.formFor(d) != PersistentDecode.Form.LAYER || mode.equals("phases") ? "l0_persist_pb"
                    : mode.equals("quad") && layers >= 4 ? "l0_persist_quad"
                    : !mode.equals("true") && layers >= 2 ? "l0_persist_pair" : "l0_persist_layer";
            assertTrue(pair.switched.forwardTaskIds().contains(form), pair.switched.forwardTaskIds().toString());
            assertTrue(pair.plain.forwardTaskIds().stream().noneMatch(id -> id.contains("persist")), pair.plain.forwardTaskIds().toString());
            // greedy steps: another plan, the same layers (compiled devices: a JVM plan costs seconds)
            int[] token = new int[batch];
            for (int step = 0; step < (d.backendName().equals("jvm") ? 0 : 2); step++) {
                int[] want = pair.plain.decodeGreedy(pair.plainState, token);
                int[] got = pair.underSwitch(() -> pair.switched.decodeGreedy(pair.switchedState, token));
                assertArrayEquals(want, got, "greedy step " + step);
                System.arraycopy(got, 0, token, 0, batch);
            }
        }
    }
}
