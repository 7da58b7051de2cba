package io.jmamba.model.generate;

import io.jmamba.model.config.Architecture;
import io.jmamba.model.config.ModelPresets;
import io.jmamba.model.device.DeviceEngine;
import io.jmamba.model.device.KernelSet;
import io.jmamba.model.inference.InferenceState;
import io.jmamba.model.reference.ReferenceEngine;
import io.jmamba.model.testing.Golden;
import io.jmamba.model.weights.ModelWeights;
import io.jmamba.model.weights.RandomWeights;
import io.jmamba.runtime.backend.Devices;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelSpeedCommandTest {
    @Test
    void printsPrefillAndDecodeForASmallRandomModel() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int status = ModelSpeedCommand.run(new String[] {"--arch", "mamba1", "--layers", "2", "--d-model", "32",
                "--vocab", "64", "--device", "jvm", "--kernels", "portable", "--prefill", "16", "--decode-batch", "2", "--steps", "3"},
                new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, out);
        assertTrue(out.contains("prefill     16 tokens") && out.contains("decode batch   2"), out);
    }

    @Test
    void bf16WeightsAndFusedDecodeRunAndAreNamed() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int status = ModelSpeedCommand.run(new String[] {"--arch", "mamba2", "--layers", "1", "--d-model", "64",
                "--vocab", "64", "--device", "jvm", "--weights", "bf16", "--decode", "fused", "--prefill", "8",
                "--decode-batch", "1", "--steps", "2"}, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, out);
        assertTrue(out.contains("bf16 weights, fused decode") && out.contains("(to last-token logits)")
                && out.contains("decode batch   1"), out);
    }

    @Test
    void bf16PrefillActivationsRunAndAreNamed() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int status = ModelSpeedCommand.run(new String[] {"--arch", "mamba2", "--layers", "1", "--d-model", "64",
                "--vocab", "64", "--device", "jvm", "--weights", "bf16", "--activations", "bf16", "--prefill", "8",
                "--decode-batch", "1", "--steps", "1"}, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, out);
        assertTrue(out.contains("bf16 prefill activations") && out.contains("prefill      8 tokens"), out);
    }

    @Test
    void unknownActivationPrecisionIsRefusedByName() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int status = ModelSpeedCommand.run(new String[] {"--arch", "mamba2", "--layers", "1", "--d-model", "32",
                "--vocab", "64", "--device", "jvm", "--activations", "fp16"}, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(2, status, out);
        assertTrue(out.contains("--activations must be fp32 or bf16, got \"fp16\""), out);
    }

    @Test
    void decodeBothTimesTheUnfusedAndTheFusedStepInOneRun() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int status = ModelSpeedCommand.run(new String[] {"--arch", "mamba2", "--layers", "1", "--d-model", "64",
                "--vocab", "64", "--device", "jvm", "--decode", "both", "--prefill", "4", "--decode-batch", "1", "--steps", "1"},
                new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, out);
        assertTrue(out.contains("decode batch   1 (unfused)") && out.contains("decode batch   1 (fused)"), out);
    }

    @Test
    void unknownWeightPrecisionIsRefusedByName() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int status = ModelSpeedCommand.run(new String[] {"--arch", "mamba2", "--layers", "1", "--d-model", "32",
                "--vocab", "64", "--device", "jvm", "--weights", "fp8"}, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(2, status, out);
        assertTrue(out.contains("weights must be fp32 or bf16, got \"fp8\""), out);
    }

    @Test
    void linearCublasOnANonCudaDeviceIsRefusedByName() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int status = ModelSpeedCommand.run(new String[] {"--arch", "mamba2", "--layers", "1", "--d-model", "32",
                "--vocab", "64", "--device", "jvm", "--linear", "cublas", "--prefill", "4", "--decode-batch", "1", "--steps", "1"},
                new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(2, status, out);
        assertTrue(out.contains("--linear cublas needs a CUDA device, not jvm"), out);
    }

    /** Random 130M-shaped weights scaled down: the device engine agrees with the reference, and logits are finite. */
    @ParameterizedTest
    @CsvSource({"MAMBA1, FAST", "MAMBA1, PORTABLE", "MAMBA2, FAST", "MAMBA2, PORTABLE"})
    void randomWeightsRunOnTheDeviceEngineLikeTheReference(Architecture arch, KernelSet kernels) {
        var c = arch == Architecture.MAMBA1 ? ModelPresets.mamba1(2, 64, 100) : ModelPresets.mamba2(2, 128, 100);
        ModelWeights w = RandomWeights.generate(c, 3);
        int[][] ids = {{1, 5, 7, 9, 11, 2, 3}};
        ReferenceEngine reference = new ReferenceEngine(w);
        float[][][] ref = reference.prefill(reference.newState(1), ids, true);
        try (DeviceEngine e = new DeviceEngine(w, Devices.find("jvm"), false, kernels)) {
            InferenceState s = e.newState(1);
            float[][][] got = e.prefill(s, ids, true);
            Golden.assertLogitsClose(arch + " " + kernels, ref, got);
        }
        for (float v : ref[0][6]) {
            assertTrue(Float.isFinite(v));
        }
    }
}
