package io.jmamba.model.device;

import io.jmamba.kernels.nn.Linear;
import io.jmamba.model.config.ModelPresets;
import io.jmamba.model.weights.ModelWeights;
import io.jmamba.model.weights.RandomWeights;
import io.jmamba.runtime.backend.Devices;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The device engine's linear-layer path: chosen by device, settable before the first forward pass only. */
class LinearChoiceTest {
    @Test
    void defaultIsTheJitPathOffCudaAndFixedAfterTheFirstForward() {
        ModelWeights w = RandomWeights.generate(ModelPresets.mamba2(1, 128, 40), 5);
        try (DeviceEngine e = new DeviceEngine(w, Devices.find("jvm"), false, KernelSet.PORTABLE)) {
            assertEquals(Linear.Path.AUTO, e.linear());
            assertEquals(Linear.Path.GEMM, e.withLinear(Linear.Path.GEMM).linear());
            assertTrue(e.deviceDescription().contains("portable kernels"), e.deviceDescription());
            e.prefill(e.newState(1), new int[][] {{1, 2, 3}}, false);
            IllegalStateException x = assertThrows(IllegalStateException.class, () -> e.withLinear(Linear.Path.AUTO));
            assertTrue(x.getMessage().contains("fixed once a forward pass has run"), x.getMessage());
        }
    }
}
