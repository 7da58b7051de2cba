package io.jmamba.model.inference;

import io.jmamba.model.config.ConfigParser;
import io.jmamba.model.config.MambaConfig;
import io.jmamba.model.device.DeviceEngine;
import io.jmamba.model.device.KernelSet;
import io.jmamba.model.testing.Golden;
import io.jmamba.model.weights.Checkpoint;
import io.jmamba.model.weights.ModelWeights;
import io.jmamba.model.weights.WeightLoader;
import io.jmamba.runtime.backend.Devices;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A prompt longer than the engine's prefill bound runs in pieces with the state carried: same logits. */
class PrefillPiecesTest {
    @ParameterizedTest
    @ValueSource(strings = {"mamba-tiny", "mamba2-tiny"})
    void piecesGiveTheGoldenLogits(String model) {
        Golden g = Golden.load(model);
        MambaConfig c = ConfigParser.read(g.modelDir());
        ModelWeights w = WeightLoader.load(c, Checkpoint.open(g.modelDir()));
        // 7 tokens per graph for a batch of 2: pieces of 3 tokens, 8 pieces for 24
        try (DeviceEngine e = new DeviceEngine(w, Devices.find("jvm"), false, KernelSet.PORTABLE).withMaxPrefillTokens(7)) {
            Golden.assertLogitsClose(model + " all positions", g.logits(), e.prefill(e.newState(2), g.inputIds(), true));
            float[][][] last = e.prefill(e.newState(2), g.inputIds(), false);
            Golden.assertLogitsClose(model + " last position",
                    new float[][][] {{g.logits()[0][23]}, {g.logits()[1][23]}}, last);
        }
    }
}
