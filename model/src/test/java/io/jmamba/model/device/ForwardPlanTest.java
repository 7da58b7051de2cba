package io.jmamba.model.device;

import io.jmamba.model.config.MambaConfig;
import io.jmamba.model.config.ModelPresets;
import io.jmamba.model.weights.ModelWeights;
import io.jmamba.model.weights.RandomWeights;
import io.jmamba.runtime.api.NativeArray;
import io.jmamba.runtime.backend.Devices;
import io.jmamba.runtime.graph.GraphAction;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a decode step's forward graph copies: ids in (unless greedy), nothing else; the weights went in once. */
class ForwardPlanTest {
    @Test
    void forwardGraphOfADecodeStepNamesNoWeights() {
        ModelWeights w = RandomWeights.generate(ModelPresets.mamba2(1, 128, 40), 5);
        MambaConfig c = w.config();
        StackTasks stack = new StackTasks(w, KernelSet.PORTABLE, KernelChoices.PORTABLE_DEFAULT);
        try (ForwardPlan greedy = new ForwardPlan(stack, c, Devices.find("jvm"), 2, 1, Output.GREEDY_IDS, false);
             ForwardPlan logits = new ForwardPlan(stack, c, Devices.find("jvm"), 2, 1, Output.LAST_LOGITS, false)) {
            assertTrue(toDevice(greedy).isEmpty(), "a greedy step reads the ids the last step left: " + toDevice(greedy));
            List<NativeArray> in = toDevice(logits);
            assertEquals(1, in.size(), "a logits step copies in only the ids: " + in);
            assertSame(logits.arrays.ids, in.getFirst());
            greedy.arrays.ids.set(0, 3);
            greedy.arrays.ids.set(1, 7);
            greedy.run(ForwardPlan.IDS);
            greedy.run(ForwardPlan.FORWARD); // weights are on the device from the plan's weights graph
            for (int b = 0; b < 2; b++) {
                int id = greedy.arrays.ids.get(b);
                assertTrue(id >= 0 && id < c.vocabSize(), "next id " + id);
            }
        }
    }

    private static List<NativeArray> toDevice(ForwardPlan p) {
        return p.forwardGraph.actions().stream().filter(a -> a instanceof GraphAction.ToDevice)
                .flatMap(a -> ((GraphAction.ToDevice) a).arrays().stream()).toList();
    }
}
