package io.jmamba.model.device;

import io.jmamba.model.config.ConfigParser;
import io.jmamba.model.config.MambaConfig;
import io.jmamba.model.config.ModelPresets;
import io.jmamba.model.inference.InferenceState;
import io.jmamba.model.reference.ReferenceEngine;
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
 * The fused Mamba-2 decode step ({@link KernelChoices#fusedDecode}) against the reference, on every
 * device: several decode steps after a prompt, so that a wrong conv-state shift or SSM state update shows
 * in the later steps' logits. fp32 weights against the reference on the same weights, bf16 weights
 * against the reference on the rounded weights (see {@link Bf16WeightsDeviceTest}); both within the
 * fixtures' fp32 tolerance. Batch 1, 2 and 5 (a step beyond the GEMV's rows, where the linear layers are GEMMs).
 */
class FusedDecodeTest {
    @TestFactory
    List<DynamicTest> fusedDecodeMatchesTheReference() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ComputeDevice d : DeviceMatrix.devices()) {
            for (WeightPrecision precision : WeightPrecision.values()) {
                tests.add(dynamicTest("mamba2-tiny " + precision + " on " + d.id(), () -> {
                    Golden g = Golden.load("mamba2-tiny");
                    ModelWeights w = WeightLoader.load(ConfigParser.read(g.modelDir()), Checkpoint.open(g.modelDir()));
                    check(w, precision, d, 2, 6);
                }));
            }
            if (!d.backendName().equals("jvm")) {
                MambaConfig c = ModelPresets.mamba2(2, 128, 300);
                tests.add(dynamicTest("random 130M-shaped mamba2 batch 5 on " + d.id(), () ->
                        check(RandomWeights.generate(c, 5), WeightPrecision.BF16, d, 5, 3)));
                // batch 1: d_state 128 over 32 lanes per state row, the fused GEMVs at the 130M head shapes
                tests.add(dynamicTest("random 130M-shaped mamba2 batch 1 on " + d.id(), () ->
                        check(RandomWeights.generate(c, 6), WeightPrecision.BF16, d, 1, 3)));
            }
        }
        return tests;
    }

    /**
     * Task ids of decode graphs: at batch 1 three launches per layer (norm + in_proj, conv + SSM, gated norm +
     * out_proj), the head with its own norm; at batch 5 (beyond the GEMV's rows) the two middle kernels
     * between the unfused norm and linear layers.
     */
    @Test
    void fusedDecodeGraphsHaveTheFusedKernels() {
        ModelWeights w = RandomWeights.generate(ModelPresets.mamba2(2, 128, 40), 5);
        List<String> one = taskIds(w, true, 1);
        assertEquals(List.of("l0_in_normgemv", "l0_f_convssm", "l0_out_gngemv", "l1_in_normgemv", "l1_f_convssm",
                "l1_out_gngemv"), one.stream().filter(id -> id.matches("l[0-9]+_.*")).toList());
        assertTrue(one.contains("lm_head_gemv") && one.stream().anyMatch(id -> id.startsWith("norm_f")), one.toString());
        List<String> unfused = taskIds(w, false, 5);
        List<String> five = taskIds(w, true, 5);
        assertTrue(five.contains("l0_f_convssm") && five.contains("l0_f_gnshift") && five.contains("l0_norm_rms")
                || five.contains("l0_f_convssm") && five.contains("l0_f_gnshift"), five.toString());
        assertTrue(five.stream().noneMatch(id -> id.startsWith("l0_split") || id.startsWith("l0_ssm") || id.startsWith("l0_gn")),
                five.toString());
        assertEquals(unfused.size() - 2 * 3, five.size(), "per layer five tasks become two: " + unfused + " vs " + five);
    }

    /**
     * Beyond the fused GEMVs' rows with bf16 weights on cuBLAS (graph only: no GPU needed to build it), the norms
     * before in_proj and out_proj write bf16 for the GEMMs: no cast launches.
     */
    @Test
    void decodeBeyondTheFusedRowsFeedsTheBf16GemmsWithoutCasts() {
        ModelWeights w = RandomWeights.generate(ModelPresets.mamba2(2, 128, 40), 5);
        KernelChoices k = new KernelChoices(io.jmamba.kernels.nn.Linear.Path.AUTO_CUBLAS, true, WeightPrecision.BF16, true);
        List<String> ids = taskIds(new StackTasks(w, KernelSet.FAST, k, Bf16Weights.of(w)), w, 8);
        List<String> layer0 = ids.stream().filter(id -> id.startsWith("l0_")).toList();
        assertEquals(List.of("l0_norm_rmsnorm", "l0_in_cublas", "l0_f_convssm", "l0_f_gnshift", "l0_out_cublas"), layer0,
                ids.toString());
        // the head likewise, and one position per sequence needs no last-position copy
        assertTrue(ids.contains("norm_f_rmsnorm") && ids.contains("lm_head_cublas"), ids.toString());
        assertTrue(ids.stream().noneMatch(id -> id.endsWith("_tobf16") || id.equals("last")), ids.toString());
    }

    private static List<String> taskIds(ModelWeights w, boolean fused, int batch) {
        KernelChoices k = KernelChoices.PORTABLE_DEFAULT.withFusedDecode(fused);
        return taskIds(new StackTasks(w, KernelSet.FAST, k), w, batch);
    }

    private static List<String> taskIds(StackTasks tasks, ModelWeights w, int batch) {
        return DecodeSwitches.taskIds(tasks, w, batch);
    }

    private static void check(ModelWeights w, WeightPrecision precision, ComputeDevice d, int batch, int steps) {
        int vocab = w.config().vocabSize();
        int[][] prompt = new int[batch][7];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < 7; t++) {
                prompt[b][t] = (b * 37 + t * 11 + 3) % vocab;
            }
        }
        ReferenceEngine ref = new ReferenceEngine(precision == WeightPrecision.BF16 ? Bf16WeightsDeviceTest.rounded(w) : w);
        InferenceState rs = ref.newState(batch);
        ref.prefill(rs, prompt, false);
        // the JIT linear path (x stays fp32 in every product, so the rounded-weight reference is exact up to
        // summation order); CUDA's cuBLAS bf16 path rounds x as well: Bf16FusedEngineGpuTest compares it with itself
        try (DeviceEngine e = new DeviceEngine(w, d, true, KernelSet.FAST).withLinear(io.jmamba.kernels.nn.Linear.Path.AUTO)
                .withWeights(precision).withFusedDecode(true)) {
            InferenceState ds = e.newState(batch);
            e.prefill(ds, prompt, false);
            int[] next = new int[batch];
            for (int step = 0; step < steps; step++) {
                for (int b = 0; b < batch; b++) {
                    next[b] = (step * 13 + b * 5 + 2) % vocab;
                }
                float[][] r = ref.decode(rs, next);
                float[][] got = e.decode(ds, next);
                float[][][] r3 = new float[batch][1][], g3 = new float[batch][1][];
                for (int b = 0; b < batch; b++) {
                    r3[b][0] = r[b];
                    g3[b][0] = got[b];
                }
                Golden.assertLogitsClose("fused decode " + precision + " step " + step, r3, g3);
            }
        }
    }
}
