package io.jmamba.model.inference;

import io.jmamba.model.config.Architecture;
import io.jmamba.model.config.MambaConfig;
import io.jmamba.model.device.DeviceEngine;
import io.jmamba.model.device.KernelSet;
import io.jmamba.model.reference.ReferenceEngine;
import io.jmamba.model.testing.Golden;
import io.jmamba.model.weights.ModelWeights;
import io.jmamba.model.weights.RandomWeights;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceMatrix;
import io.jmamba.runtime.backend.Devices;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * Config options the golden models do not use: biases on in_proj/out_proj, no conv bias, a separate
 * lm_head, and for Mamba-2 a finite dt_limit, norm_before_gate and 2 groups. The device engine (portable
 * kernels on the JVM backend, fast kernels on every compiled device) must agree with the reference.
 */
class ConfigVariantsDeviceTest {
    static List<MambaConfig> configs() {
        return List.of(
                new MambaConfig(Architecture.MAMBA1, 32, 2, 97, 8, 3, 64, 3, 0, 0, 1, 0, 0f, Float.POSITIVE_INFINITY,
                        false, true, false, 1e-5f, true, false, List.of()),
                new MambaConfig(Architecture.MAMBA2, 32, 2, 97, 8, 4, 64, 0, 16, 4, 2, 8, 0.01f, 0.05f,
                        true, true, false, 1e-5f, true, false, List.of()));
    }

    @TestFactory
    List<DynamicTest> variantsAgreeWithTheReference() {
        List<DynamicTest> tests = new ArrayList<>();
        for (MambaConfig c : configs()) {
            tests.add(dynamicTest(c.architecture() + " on jvm (portable)", () -> check(c, Devices.find("jvm"), KernelSet.PORTABLE)));
            for (ComputeDevice d : DeviceMatrix.compiledDevices()) {
                tests.add(dynamicTest(c.architecture() + " on " + d.id() + " (fast)", () -> check(c, d, KernelSet.FAST)));
            }
        }
        return tests;
    }

    static void check(MambaConfig c, ComputeDevice device, KernelSet kernels) {
        ModelWeights w = RandomWeights.generate(c, 21);
        int[][] prompt = {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}, {20, 19, 18, 17, 16, 15, 14,
                13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1}};
        ReferenceEngine ref = new ReferenceEngine(w);
        InferenceState rs = ref.newState(2);
        float[][][] want = ref.prefill(rs, prompt, true);
        try (DeviceEngine e = new DeviceEngine(w, device, true, kernels)) {
            InferenceState ds = e.newState(2);
            String what = c.architecture() + " on " + device.id() + " " + kernels;
            Golden.assertLogitsClose(what + " prefill", want, e.prefill(ds, prompt, true));
            int[] next = {42, 43};
            Golden.assertLogitsClose(what + " decode", new float[][][] {ref.decode(rs, next)},
                    new float[][][] {e.decode(ds, next)});
        }
    }
}
