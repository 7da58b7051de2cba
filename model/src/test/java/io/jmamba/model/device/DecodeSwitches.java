package io.jmamba.model.device;

import io.jmamba.model.weights.ModelWeights;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.graph.GraphAction;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** What the decode-switch tests share: a system property set around a call, a step's task ids, the bf16 fused engine. */
final class DecodeSwitches {
    private DecodeSwitches() {
    }

    /** {@code body} with {@code property} set to {@code value} (cleared where it is null), the old value (or none) restored after. */
    static <T> T with(String property, String value, Callable<T> body) throws Exception {
        String old = System.getProperty(property);
        if (value == null) {
            System.clearProperty(property);
        } else {
            System.setProperty(property, value);
        }
        try {
            return body.call();
        } finally {
            if (old == null) {
                System.clearProperty(property);
            } else {
                System.setProperty(property, old);
            }
        }
    }

    /** The task ids (kernels and library calls, in order) of a greedy decode step at {@code batch} rows, fused decode. */
    static List<String> taskIds(ModelWeights w, int batch, WeightPrecision precision) {
        KernelChoices k = KernelChoices.PORTABLE_DEFAULT.withFusedDecode(true).withWeights(precision);
        return taskIds(precision == WeightPrecision.BF16 ? new StackTasks(w, KernelSet.FAST, k, Bf16Weights.of(w))
                : new StackTasks(w, KernelSet.FAST, k), w, batch);
    }

    /** The task ids (kernels and library calls, in order) of the greedy decode step {@code tasks} build at {@code batch} rows. */
    static List<String> taskIds(StackTasks tasks, ModelWeights w, int batch) {
        TaskGraph g = new TaskGraph("g");
        tasks.addTo(g, new GridScheduler(), new Activations(w.config(), batch, 1, Output.GREEDY_IDS));
        List<String> ids = new ArrayList<>();
        for (GraphAction a : g.snapshot().actions()) {
            if (a instanceof GraphAction.Task t) {
                ids.add(t.id());
            } else if (a instanceof GraphAction.LibraryTask t) {
                ids.add(t.id());
            }
        }
        return ids;
    }

    /** The engine these tests compare: fast kernels, bf16 weights, fused decode, CUDA graphs where the device has them. */
    static DeviceEngine bf16FusedEngine(ModelWeights w, ComputeDevice d) {
        return new DeviceEngine(w, d, true, KernelSet.FAST).withLinear(io.jmamba.kernels.nn.Linear.Path.AUTO)
                .withWeights(WeightPrecision.BF16).withFusedDecode(true);
    }
}
