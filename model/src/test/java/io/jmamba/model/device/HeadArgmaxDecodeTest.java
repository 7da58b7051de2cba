package io.jmamba.model.device;

import io.jmamba.model.config.ConfigParser;
import io.jmamba.model.config.MambaConfig;
import io.jmamba.model.config.ModelPresets;
import io.jmamba.model.inference.InferenceState;
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
import java.util.concurrent.Callable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * {@code -Djmamba.decode.headArgmax=true}: the greedy batch-1 fused decode step's lm_head GEMV writes the argmax
 * partials itself ({@link io.jmamba.kernels.nn.GemvArgmax}); {@code =norm}: the final norm folded in as well. The graph has its two head tasks instead of the GEMV and
 * the two argmax stages, and on every device each greedy id is the top of the logits that the plain step (the logits
 * output, which no head fusion touches) computes for the same tokens, within the logits' fp32 tolerance (the two GEMVs sum in different orders).
 */
class HeadArgmaxDecodeTest {
    private static final String PROPERTY = "jmamba.decode.headArgmax";

    @Test
    void greedyBatchOneHeadHasTheFusedArgmax() throws Exception {
        ModelWeights w = RandomWeights.generate(ModelPresets.mamba2(2, 128, 300), 5);
        List<String> on = withProperty(() -> taskIds(w, 1));
        assertTrue(on.contains("lm_head_gemvam") && on.contains("lm_head_argmax"), on.toString());
        assertTrue(on.stream().noneMatch(id -> id.startsWith("next") || id.equals("lm_head_gemvp")), on.toString());
        List<String> off = withProperty("false", () -> taskIds(w, 1));
        assertTrue(off.contains("lm_head_gemvp") && off.contains("next_argmax"), off.toString());
        assertEquals(off.size() - 1, on.size(), "one launch fewer: " + off + " vs " + on);
        Golden golden = Golden.load("mamba2-tiny");
        ModelWeights tiny = WeightLoader.load(ConfigParser.read(golden.modelDir()), Checkpoint.open(golden.modelDir()));
        List<String> tinyOn = withProperty(() -> taskIds(tiny, 1));
        assertTrue(tinyOn.contains("lm_head_gemvam"), "the device test's tiny model takes the fused head: " + tinyOn);
        // norm: the final norm folded in too
        List<String> norm = withProperty("norm", () -> taskIds(w, 1));
        assertTrue(norm.contains("lm_head_normgemvam") && norm.contains("lm_head_argmax"), norm.toString());
        assertTrue(norm.stream().noneMatch(id -> id.startsWith("norm_f") || id.startsWith("next")), norm.toString());
        assertEquals(off.size() - 2, norm.size(), "two launches fewer: " + off + " vs " + norm);
        // unset: the norm form, the default since session 5
        assertEquals(norm, withoutProperty(() -> taskIds(w, 1)));
        // batch 2 keeps the plain head
        List<String> two = withProperty(() -> taskIds(w, 2));
        assertTrue(two.contains("next_argmax") && !two.contains("lm_head_gemvam"), two.toString());
    }

    @TestFactory
    List<DynamicTest> greedyIdsAreTheTopOfThePlainLogits() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ComputeDevice d : DeviceMatrix.devices()) {
            for (String mode : List.of("true", "norm")) {
                tests.add(dynamicTest("mamba2-tiny, headArgmax=" + mode + " on " + d.id(), () -> {
                    Golden g = Golden.load("mamba2-tiny");
                    check(WeightLoader.load(ConfigParser.read(g.modelDir()), Checkpoint.open(g.modelDir())), d, 6, mode);
                }));
                if (!d.backendName().equals("jvm")) {
                    MambaConfig c = ModelPresets.mamba2(2, 128, 300);
                    tests.add(dynamicTest("random mamba2 (d_model 128, vocab 300), headArgmax=" + mode + " on " + d.id(),
                            () -> check(RandomWeights.generate(c, 6), d, 4, mode)));
                }
            }
        }
        return tests;
    }

    private static void check(ModelWeights w, ComputeDevice d, int steps, String mode) throws Exception {
        int vocab = w.config().vocabSize();
        int[][] prompt = {{3, 14, 25, 36 % vocab, 47 % vocab, 5, 9}};
        try (DeviceEngine plain = engine(w, d); DeviceEngine fused = engine(w, d)) {
            InferenceState ps = plain.newState(1);
            InferenceState fs = fused.newState(1);
            plain.prefill(ps, prompt, false);
            fused.prefill(fs, prompt, false);
            int[] token = {7 % vocab};
            for (int step = 0; step < steps; step++) {
                float[] logits = plain.decode(ps, token)[0];
                int[] id = withProperty(mode, () -> fused.decodeGreedy(fs, token));
                float top = Float.NEGATIVE_INFINITY;
                float mag = 0f;
                for (float v : logits) {
                    top = Math.max(top, v);
                    mag = Math.max(mag, Math.abs(v));
                }
                assertTrue(id[0] >= 0 && id[0] < vocab, "step " + step + ": id " + id[0]);
                assertEquals(top, logits[id[0]], 1e-4f * mag + 1e-5f,
                        "step " + step + ": greedy id " + id[0] + " is not the top of the plain step's logits");
                token[0] = id[0];
            }
        }
    }

    private static DeviceEngine engine(ModelWeights w, ComputeDevice d) {
        return DecodeSwitches.bf16FusedEngine(w, d);
    }

    private static <T> T withProperty(Callable<T> body) throws Exception {
        return withProperty("true", body);
    }

    private static <T> T withoutProperty(Callable<T> body) throws Exception {
        return withProperty(null, body);
    }

    /** Runs {@code body} with the property set to {@code mode} (cleared where {@code mode} is null), then restores it. */
    private static <T> T withProperty(String mode, Callable<T> body) throws Exception {
        return DecodeSwitches.with(PROPERTY, mode, body);
    }

    private static List<String> taskIds(ModelWeights w, int batch) {
        return DecodeSwitches.taskIds(w, batch, WeightPrecision.BF16);
    }
}
