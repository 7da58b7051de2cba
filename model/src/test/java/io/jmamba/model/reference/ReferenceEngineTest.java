package io.jmamba.model.reference;

import io.jmamba.model.config.ConfigParser;
import io.jmamba.model.config.MambaConfig;
import io.jmamba.model.inference.InferenceState;
import io.jmamba.model.testing.Golden;
import io.jmamba.model.weights.Checkpoint;
import io.jmamba.model.weights.WeightLoader;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

class ReferenceEngineTest {
    static ReferenceEngine engine(Golden g) {
        MambaConfig c = ConfigParser.read(g.modelDir());
        return new ReferenceEngine(WeightLoader.load(c, Checkpoint.open(g.modelDir())));
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    @ParameterizedTest
    @ValueSource(strings = {"mamba-tiny", "mamba2-tiny"})
    void logitsMatchGolden(String model) {
        Golden g = Golden.load(model);
        ReferenceEngine e = engine(g);
        float[][][] logits = e.prefill(e.newState(2), g.inputIds(), true);
        Golden.assertLogitsClose(model, g.logits(), logits);
    }

    @ParameterizedTest
    @ValueSource(strings = {"mamba-tiny", "mamba2-tiny"})
    void greedyContinuationMatchesGolden(String model) {
        Golden g = Golden.load(model);
        ReferenceEngine e = engine(g);
        InferenceState s = e.newState(1);
        float[] last = e.prefill(s, new int[][] {g.inputIds()[0]}, false)[0][0];
        int[] got = new int[g.greedyIds().length];
        for (int i = 0; i < got.length; i++) {
            got[i] = argmax(last);
            last = e.decode(s, new int[] {got[i]})[0];
        }
        assertArrayEquals(g.greedyIds(), got);
    }
}
