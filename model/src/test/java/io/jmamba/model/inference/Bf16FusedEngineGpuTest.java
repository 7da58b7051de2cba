package io.jmamba.model.inference;

import io.jmamba.model.config.ModelPresets;
import io.jmamba.model.device.DeviceEngine;
import io.jmamba.model.device.KernelSet;
import io.jmamba.model.device.WeightPrecision;
import io.jmamba.model.testing.Golden;
import io.jmamba.model.weights.ModelWeights;
import io.jmamba.model.weights.RandomWeights;
import io.jmamba.runtime.backend.ComputeDevice;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Optional;


/**
 * On CUDA, with CUDA graphs: the bf16-weight engine with the fused decode step against the same engine with
 * the unfused step. Both prefill through the same kernels (cuBLAS bf16), and a decode step differs only in
 * summation order (fused GEMVs at batches 1 and 2; at batch 8 the conv + SSM and gated-norm kernels between
 * cuBLAS GEMMs), so the fixtures' fp32 tolerance holds.
 */
@Tag("gpu")
class Bf16FusedEngineGpuTest {
    @ParameterizedTest
    @CsvSource({"1", "2", "8"})
    void fusedBf16DecodeMatchesUnfusedBf16Decode(int batch) {
        Optional<ComputeDevice> device = Optional.of(CudaGraphDecodeTest.requiredCuda());
        ModelWeights w = RandomWeights.generate(ModelPresets.mamba2(3, 768, 1000), 9);
        int[][] prompt = new int[batch][];
        for (int b = 0; b < batch; b++) {
            prompt[b] = new int[] {1 + b, 5, 7 + b, 9, 11, 2 + b};
        }
        try (DeviceEngine unfused = new DeviceEngine(w, device.get(), true, KernelSet.FAST).withWeights(WeightPrecision.BF16);
             DeviceEngine fused = new DeviceEngine(w, device.get(), true, KernelSet.FAST).withWeights(WeightPrecision.BF16)
                     .withFusedDecode(true)) {
            InferenceState su = unfused.newState(batch), sf = fused.newState(batch);
            Golden.assertLogitsClose("bf16 prefill", unfused.prefill(su, prompt, false), fused.prefill(sf, prompt, false));
            int[] feed = new int[batch];
            for (int step = 0; step < 4; step++) {
                for (int b = 0; b < batch; b++) {
                    feed[b] = (3 + b + 7 * step) % 1000;
                }
                Golden.assertLogitsClose("bf16 decode step " + step + " batch " + batch,
                        new float[][][] {unfused.decode(su, feed)}, new float[][][] {fused.decode(sf, feed)});
            }
        }
    }
}
