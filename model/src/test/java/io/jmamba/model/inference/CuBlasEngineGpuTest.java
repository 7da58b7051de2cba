package io.jmamba.model.inference;

import io.jmamba.kernels.nn.Linear;
import io.jmamba.model.config.ModelPresets;
import io.jmamba.model.device.DeviceEngine;
import io.jmamba.model.device.KernelSet;
import io.jmamba.model.testing.Golden;
import io.jmamba.model.weights.ModelWeights;
import io.jmamba.model.weights.RandomWeights;
import io.jmamba.runtime.backend.ComputeDevice;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * On CUDA the engine's linear layers go to cuBLAS beyond a few rows: prefill and decode at batch 8 (so
 * every projection is a cuBLAS task, between captured kernel runs when CUDA graphs are on) agree with
 * the JIT kernels.
 */
@Tag("gpu")
class CuBlasEngineGpuTest {
    @ParameterizedTest
    @ValueSource(strings = {"mamba1", "mamba2"})
    void cuBlasEngineMatchesJitEngine(String arch) {
        Optional<ComputeDevice> device = Optional.of(CudaGraphDecodeTest.requiredCuda());
        var c = arch.equals("mamba1") ? ModelPresets.mamba1(2, 64, 100) : ModelPresets.mamba2(2, 128, 100);
        ModelWeights w = RandomWeights.generate(c, 9);
        int batch = 8;
        int[][] prompt = new int[batch][];
        for (int b = 0; b < batch; b++) {
            prompt[b] = new int[] {1 + b, 5, 7 + b, 9, 11, 2 + b};
        }
        try (DeviceEngine jit = new DeviceEngine(w, device.get(), true, KernelSet.FAST).withLinear(Linear.Path.AUTO);
             DeviceEngine cublas = new DeviceEngine(w, device.get(), true, KernelSet.FAST)) {
            assertEquals(Linear.Path.AUTO_CUBLAS, cublas.linear());
            InferenceState sj = jit.newState(batch), sc = cublas.newState(batch);
            Golden.assertLogitsClose(arch + " prefill", jit.prefill(sj, prompt, true), cublas.prefill(sc, prompt, true));
            int[] feed = new int[batch];
            for (int b = 0; b < batch; b++) {
                feed[b] = 3 + b;
            }
            for (int step = 0; step < 4; step++) {
                Golden.assertLogitsClose(arch + " decode step " + step, new float[][][] {jit.decode(sj, feed)},
                        new float[][][] {cublas.decode(sc, feed)});
            }
        }
    }
}
