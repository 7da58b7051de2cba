package io.jmamba.kernels.support;

import io.jmamba.runtime.api.DataTransferMode;
import io.jmamba.runtime.api.ExecutionPlan;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.backend.ComputeDevice;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * The one-call path of the host APIs: a fresh graph that copies the inputs in, runs the tasks a
 * host API adds, copies the outputs back, on one device, then frees the device memory.
 */
public final class GraphRuns {
    private GraphRuns() {
    }

    /**
     * Runs once on {@code device}.
     *
     * @param inputs  tensors copied to the device first (nulls are skipped)
     * @param addTasks adds the kernel tasks to the graph and their grids to the scheduler
     * @param outputs tensors copied back to the host afterwards
     */
    public static void runOnce(ComputeDevice device, String graphName, List<Tensor> inputs,
                               BiConsumer<TaskGraph, GridScheduler> addTasks, List<Tensor> outputs) {
        Objects.requireNonNull(device, "device");
        TaskGraph g = new TaskGraph(graphName);
        List<FloatArray> in = new ArrayList<>();
        for (Tensor t : inputs) {
            if (t != null) {
                in.add(t.data());
            }
        }
        if (!in.isEmpty()) {
            g.transferToDevice(DataTransferMode.EVERY_EXECUTION, in.toArray());
        }
        GridScheduler grids = new GridScheduler();
        addTasks.accept(g, grids);
        g.transferToHost(DataTransferMode.EVERY_EXECUTION, outputs.stream().map(Tensor::data).toArray());
        try (ExecutionPlan plan = new ExecutionPlan(g.snapshot())) {
            plan.withDevice(device).withGridScheduler(grids).execute();
        }
    }
}
