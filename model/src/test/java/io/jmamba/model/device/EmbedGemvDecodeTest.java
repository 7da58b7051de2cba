package io.jmamba.model.device;

import io.jmamba.model.config.ConfigParser;
import io.jmamba.model.config.MambaConfig;
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
 * {@code -Djmamba.decode.embedGemv=true}: the fused decode step's first in_proj looks its rows up in the embedding
 * ({@link io.jmamba.kernels.fused.FusedEmbedGemvKernels}). The graph loses its embedding task; on every device the
 * step's logits equal the plain fused step's bit for bit (the lookup is a copy and the GEMV's arithmetic is the
 * same), for batch 1 and 2, and greedy steps with the fused head as well ({@code headArgmax=norm}) give the same ids.
 */
class EmbedGemvDecodeTest {
    private static final String EMBED = "jmamba.decode.embedGemv";
    private static final String HEAD = "jmamba.decode.headArgmax";

    @Test
    void theFirstInProjTakesTheLookup() throws Exception {
        ModelWeights w = RandomWeights.generate(ModelPresets.mamba2(2, 128, 300), 5);
        List<String> off = DecodeSwitches.taskIds(w, 1, WeightPrecision.BF16);
        List<String> on = DecodeSwitches.with(EMBED, "true", () -> DecodeSwitches.taskIds(w, 1, WeightPrecision.BF16));
        assertTrue(off.contains("embed_embed") || off.stream().anyMatch(id -> id.startsWith("embed")), off.toString());
        assertTrue(on.stream().noneMatch(id -> id.startsWith("embed")) && on.contains("l0_in_embgemv")
                && on.contains("l1_in_normgemv"), on.toString());
        assertEquals(off.size() - 1, on.size(), "one launch fewer: " + off + " vs " + on);
        // beyond the staged form's rows the embedding launch stays
        List<String> five = DecodeSwitches.with(EMBED, "true", () -> DecodeSwitches.taskIds(w, 5, WeightPrecision.BF16));
        assertTrue(five.stream().anyMatch(id -> id.startsWith("embed")) && !five.contains("l0_in_embgemv"), five.toString());
    }

    @TestFactory
    List<DynamicTest> logitsEqualThePlainFusedStep() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ComputeDevice d : DeviceMatrix.devices()) {
            for (int batch : new int[] {1, 2}) {
                tests.add(dynamicTest("mamba2-tiny batch " + batch + " on " + d.id(), () -> {
                    Golden g = Golden.load("mamba2-tiny");
                    check(WeightLoader.load(ConfigParser.read(g.modelDir()), Checkpoint.open(g.modelDir())), d, batch, 4);
                }));
            }
            if (!d.backendName().equals("jvm")) {
                MambaConfig c = ModelPresets.mamba2(2, 128, 300);
                tests.add(dynamicTest("random mamba2 (d_model 128) batch 1 on " + d.id(),
                        () -> check(RandomWeights.generate(c, 6), d, 1, 3)));
            }
        }
        return tests;
    }

    private static void check(ModelWeights w, ComputeDevice d, int batch, int steps) throws Exception {
        int vocab = w.config().vocabSize();
        try (SwitchedDecode pair = SwitchedDecode.prefilled(w, d, batch, EMBED, "true")) {
            pair.logitSteps(steps, (step, b, want, got) -> assertArrayEquals(want, got, 0f, "step " + step + " row " + b));
            if (batch == 1) {
                // greedy with the fused head too: the same ids as the plain greedy step (the same hidden state)
                int[] token = {5 % vocab};
                for (int step = 0; step < steps; step++) {
                    int[] want = pair.plain.decodeGreedy(pair.plainState, token);
                    int[] got = pair.underSwitch(() -> DecodeSwitches.with(HEAD, "norm",
                            () -> pair.switched.decodeGreedy(pair.switchedState, token)));
                    assertArrayEquals(want, got, "greedy step " + step);
                    token[0] = got[0];
                }
            }
        }
    }
}
