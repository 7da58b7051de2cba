package io.jmamba.model.inference;

import io.jmamba.model.config.ConfigParser;
import io.jmamba.model.config.MambaConfig;
import io.jmamba.model.device.DeviceEngine;
import io.jmamba.model.device.KernelSet;
import io.jmamba.model.reference.ReferenceEngine;
import io.jmamba.model.testing.Golden;
import io.jmamba.model.weights.Checkpoint;
import io.jmamba.model.weights.ModelWeights;
import io.jmamba.model.weights.WeightLoader;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.Devices;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Decode steps replayed from a CUDA graph give what launching each kernel gives, and what the
 * reference gives: greedy steps (ids fed back on the device), logits steps, and a switch between them.
 */
@Tag("gpu")
class CudaGraphDecodeTest {
    static Optional<ComputeDevice> cuda() {
        return Devices.backend("cuda").flatMap(b -> b.devices().stream().findFirst());
    }

    /**
     * The first CUDA device. Without one the test fails when JMAMBA_REQUIRE_BACKENDS names cuda and is
     * skipped, with the backend's reason, otherwise.
     */
    static ComputeDevice requiredCuda() {
        Optional<ComputeDevice> device = cuda();
        if (device.isEmpty() && io.jmamba.runtime.backend.DeviceMatrix.requiredBackends().contains("cuda")) {
            org.junit.jupiter.api.Assertions.fail("CUDA required (JMAMBA_REQUIRE_BACKENDS) but no CUDA device");
        }
        assumeTrue(device.isPresent(), () -> "no CUDA device: " + Devices.backend("cuda")
                .flatMap(b -> b.unavailableReason()).orElse("no cuda backend"));
        return device.get();
    }

    @ParameterizedTest
    @ValueSource(strings = {"mamba-tiny", "mamba2-tiny"})
    void graphReplayEqualsLaunchesAndReference(String model) {
        Optional<ComputeDevice> device = Optional.of(requiredCuda());
        Golden g = Golden.load(model);
        MambaConfig c = ConfigParser.read(g.modelDir());
        ModelWeights w = WeightLoader.load(c, Checkpoint.open(g.modelDir()));
        ReferenceEngine ref = new ReferenceEngine(w);
        try (DeviceEngine graphs = new DeviceEngine(w, device.get(), true, KernelSet.FAST);
             DeviceEngine launches = new DeviceEngine(w, device.get(), false, KernelSet.FAST)) {
            InferenceEngine[] engines = {ref, graphs, launches};
            InferenceState[] states = new InferenceState[3];
            int[][] prompt = {Arrays.copyOf(g.inputIds()[0], 12), Arrays.copyOf(g.inputIds()[1], 12)};
            for (int i = 0; i < 3; i++) {
                states[i] = engines[i].newState(2);
                engines[i].prefill(states[i], prompt, false);
            }
            int[] feed = {g.inputIds()[0][12], g.inputIds()[1][12]};
            for (int step = 0; step < 8; step++) {
                int[] want = engines[0].decodeGreedy(states[0], feed);
                assertArrayEquals(want, engines[1].decodeGreedy(states[1], feed), model + " greedy step " + step + " (graph)");
                assertArrayEquals(want, engines[2].decodeGreedy(states[2], feed), model + " greedy step " + step + " (launches)");
                feed = want;
            }
            for (int step = 0; step < 4; step++) {
                int[] ids = {g.inputIds()[0][13 + step], g.inputIds()[1][13 + step]};
                float[][][] want = {engines[0].decode(states[0], ids)};
                Golden.assertLogitsClose(model + " logits step " + step + " (graph)", want,
                        new float[][][] {engines[1].decode(states[1], ids)});
                Golden.assertLogitsClose(model + " logits step " + step + " (launches)", want,
                        new float[][][] {engines[2].decode(states[2], ids)});
            }
        }
    }
}
