package io.jmamba.model.inference;

import io.jmamba.model.config.MambaConfig;
import io.jmamba.model.config.ModelPresets;
import io.jmamba.model.device.DeviceEngine;
import io.jmamba.model.device.KernelSet;
import io.jmamba.model.reference.ReferenceEngine;
import io.jmamba.model.testing.Golden;
import io.jmamba.model.weights.ModelWeights;
import io.jmamba.model.weights.RandomWeights;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceMatrix;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * The 130M models' layer shapes (Mamba-1: d_state 16, dt_rank d/16; Mamba-2: headdim 64, d_state 128,
 * chunk 256) at a small width and depth, with random weights: the fast device path on every device of
 * the matrix matches the reference for a prefill that crosses a 256-token chunk and for decode steps
 * after it, at batch 2.
 */
class RandomModelDeviceTest {
    static MambaConfig[] configs() {
        return new MambaConfig[] {ModelPresets.mamba1(2, 64, 300), ModelPresets.mamba2(2, 128, 300)};
    }

    @TestFactory
    List<DynamicTest> fastPathMatchesReference() {
        List<DynamicTest> tests = new ArrayList<>();
        for (MambaConfig c : configs()) {
            for (ComputeDevice d : DeviceMatrix.devices()) {
                if (d.backendName().equals("jvm")) {
                    continue; // the fast kernels' work-groups run as threads there: covered by the slow JVM contract
                }
                tests.add(dynamicTest(c.architecture() + " on " + d.id(), () -> check(c, d)));
            }
        }
        return tests;
    }

    static void check(MambaConfig c, ComputeDevice device) {
        ModelWeights w = RandomWeights.generate(c, 5);
        SplittableRandom rnd = new SplittableRandom(9);
        int[][] prompt = new int[2][300];
        for (int[] row : prompt) {
            for (int t = 0; t < row.length; t++) {
                row[t] = rnd.nextInt(c.vocabSize());
            }
        }
        ReferenceEngine ref = new ReferenceEngine(w);
        InferenceState rs = ref.newState(2);
        float[][][] want = ref.prefill(rs, prompt, false);
        try (DeviceEngine e = new DeviceEngine(w, device, true, KernelSet.FAST)) {
            InferenceState ds = e.newState(2);
            Golden.assertLogitsClose(c.architecture() + " prefill", want, e.prefill(ds, prompt, false));
            for (int step = 0; step < 4; step++) {
                int[] next = {rnd.nextInt(c.vocabSize()), rnd.nextInt(c.vocabSize())};
                float[][] r = ref.decode(rs, next);
                float[][] g = e.decode(ds, next);
                Golden.assertLogitsClose(c.architecture() + " decode step " + step,
                        new float[][][] {{r[0]}, {r[1]}}, new float[][][] {{g[0]}, {g[1]}});
            }
        }
    }
}
