package io.jmamba.model.device;

import io.jmamba.kernels.nn.Linear;
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
import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.jmamba.model.device.Bf16WeightsDeviceTest.assertRelativelyClose;
import static io.jmamba.model.device.Bf16WeightsDeviceTest.rounded;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * The Mamba-2 prefill with bf16 activations ({@link KernelChoices#bf16Activations}: x, dt, B, C, z and the
 * SSD output rounded to bf16, the tensor-core SSD) and bf16 weights, against the fp32 reference.
 *
 * <p>Tolerance: 3e-2 of the largest |logit|, the bf16 bound of {@link Bf16WeightsDeviceTest}. Each rounding
 * to bf16 moves a value by at most 2^-9 of itself; a layer rounds its weights and five activations once
 * each (and the SSD's tensor-core products round their bf16 operands, accumulating in fp32), so the errors of
 * a few layers add up to a few tens of 2^-9 relative at worst and much less on average (the roundings are
 * independent): the same order as mamba_ssm's bf16 model against its fp32 one, which is what 3e-2 (about 15
 * units of 2^-9 of the logits' scale) is set for. The decode steps after the prefill check that the
 * prefill's final conv and SSM states (fp32) were handed on.
 */
class Bf16ActivationsPrefillTest {
    private static final double BF16_TOLERANCE = 3e-2;

    @TestFactory
    List<DynamicTest> bf16PrefillIsWithinBf16ToleranceOfTheReference() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ComputeDevice d : DeviceMatrix.devices()) {
            tests.add(dynamicTest("mamba2-tiny golden logits, the device's default linear path, on " + d.id(), () -> {
                Golden g = Golden.load("mamba2-tiny");
                ModelWeights w = WeightLoader.load(ConfigParser.read(g.modelDir()), Checkpoint.open(g.modelDir()));
                // on CUDA the default path is cuBLAS: the gated norm then writes out_proj's input in bf16
                try (DeviceEngine e = new DeviceEngine(w, d, true, KernelSet.FAST).withWeights(WeightPrecision.BF16)
                        .withBf16Activations(true)) {
                    float[][][] got = e.prefill(e.newState(g.inputIds().length), g.inputIds(), true);
                    assertRelativelyClose("mamba2-tiny bf16 activations", g.logits(), got, BF16_TOLERANCE);
                }
            }));
            tests.add(dynamicTest("mamba2-tiny against the reference on rounded weights, then decode, on " + d.id(), () -> {
                Golden g = Golden.load("mamba2-tiny");
                ModelWeights w = WeightLoader.load(ConfigParser.read(g.modelDir()), Checkpoint.open(g.modelDir()));
                checkPrefillThenDecode("mamba2-tiny", w, g.inputIds(), d);
            }));
            if (!d.backendName().equals("jvm")) {
                // the 130M layer shapes (headdim 64, d_state 128, chunk 256 crossed): PoCL and GPUs only
                MambaConfig c = ModelPresets.mamba2(2, 128, 300);
                tests.add(dynamicTest("random 130M-shaped mamba2 on " + d.id(), () -> {
                    int[][] ids = new int[2][300];
                    for (int b = 0; b < 2; b++) {
                        for (int t = 0; t < 300; t++) {
                            ids[b][t] = (b * 131 + t * 17) % c.vocabSize();
                        }
                    }
                    checkPrefillThenDecode("random mamba2", RandomWeights.generate(c, 5), ids, d);
                }));
            }
        }
        return tests;
    }

    @Test
    void outProjReadsBf16InputOnlyOnTheCublasPathWithABf16Weight() {
        FloatArray w = new FloatArray(8), other = new FloatArray(8);
        Map<FloatArray, BFloat16Array> twins = Map.of(w, new BFloat16Array(8));
        int many = Linear.GEMV_MAX_ROWS + 1;
        assertTrue(new LinearLayers(Linear.Path.AUTO_CUBLAS, twins).takesBf16Input(w, many));
        assertTrue(new LinearLayers(Linear.Path.CUBLAS, twins).takesBf16Input(w, 1));
        assertFalse(new LinearLayers(Linear.Path.AUTO_CUBLAS, twins).takesBf16Input(w, Linear.GEMV_MAX_ROWS), "GEMV rows");
        assertFalse(new LinearLayers(Linear.Path.AUTO_CUBLAS, twins).takesBf16Input(other, many), "fp32 weight");
        assertFalse(new LinearLayers(Linear.Path.AUTO, twins).takesBf16Input(w, many), "JIT GEMM reads fp32 x");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new LinearLayers(Linear.Path.AUTO, twins)
                .addBf16Input(new io.jmamba.runtime.api.TaskGraph("t"), new io.jmamba.runtime.api.GridScheduler(), "l0out",
                        many, 4, 2, new BFloat16Array(4L * many), w, null, new FloatArray(2L * many)));
        assertTrue(e.getMessage().contains("l0out") && e.getMessage().contains("AUTO"), e.getMessage());
    }

    private static DeviceEngine bf16Engine(ModelWeights w, ComputeDevice d) {
        return new DeviceEngine(w, d, true, KernelSet.FAST).withLinear(Linear.Path.AUTO).withWeights(WeightPrecision.BF16)
                .withBf16Activations(true);
    }

    private static void checkPrefillThenDecode(String what, ModelWeights w, int[][] ids, ComputeDevice d) {
        ReferenceEngine ref = new ReferenceEngine(rounded(w));
        InferenceState rs = ref.newState(ids.length);
        float[][][] want = ref.prefill(rs, ids, true);
        try (DeviceEngine e = bf16Engine(w, d);
             DeviceEngine fp32 = new DeviceEngine(w, d, true, KernelSet.FAST).withLinear(Linear.Path.AUTO)
                     .withWeights(WeightPrecision.BF16)) {
            InferenceState ds = e.newState(ids.length);
            float[][][] got = e.prefill(ds, ids, true);
            assertRelativelyClose(what + " bf16-activation prefill", want, got, BF16_TOLERANCE);
            // the choice is taken: rounding five activations per layer must move some logit off the fp32-activation engine's
            float[][][] fp32Got = fp32.prefill(fp32.newState(ids.length), ids, true);
            assertTrue(maxDifference(got, fp32Got) > 0, what + ": the bf16-activation prefill equals the fp32 one");
            int[] next = new int[ids.length];
            for (int step = 0; step < 3; step++) {
                for (int b = 0; b < next.length; b++) {
                    next[b] = (step * 7 + b * 3 + 1) % w.config().vocabSize();
                }
                float[][] r = ref.decode(rs, next), step1 = e.decode(ds, next);
                assertRelativelyClose(what + " decode step " + step + " after the bf16 prefill", rows(r), rows(step1),
                        BF16_TOLERANCE);
            }
        }
    }

    private static double maxDifference(float[][][] a, float[][][] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            for (int t = 0; t < a[i].length; t++) {
                for (int v = 0; v < a[i][t].length; v++) {
                    max = Math.max(max, Math.abs(a[i][t][v] - b[i][t][v]));
                }
            }
        }
        return max;
    }

    private static float[][][] rows(float[][] perSequence) {
        float[][][] out = new float[perSequence.length][1][];
        for (int b = 0; b < perSequence.length; b++) {
            out[b][0] = perSequence[b];
        }
        return out;
    }
}
