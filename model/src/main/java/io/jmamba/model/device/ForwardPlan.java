package io.jmamba.model.device;

import io.jmamba.model.config.MambaConfig;
import io.jmamba.runtime.api.DataTransferMode;
import io.jmamba.runtime.api.ExecutionPlan;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.ImmutableTaskGraph;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.backend.ComputeDevice;

/**
 * An execution plan for one forward shape (batch x seqlen, and what comes back) with five graphs:
 * {@code load} copies a state to the device, {@code ids} copies token ids (greedy plans only; the
 * others copy them inside {@code forward}), {@code forward} runs the stack (states updated in place
 * on the device), {@code store} copies the state back, and {@code weights}, run once when the plan is
 * made, copies the weights in; they stay on the device for the plan's life. A state that keeps using
 * the same plan (decode steps) stays on the device between calls; only ids go in and logits (or ids)
 * come out.
 */
final class ForwardPlan implements AutoCloseable {
    static final int LOAD = 0;
    static final int IDS = 1;
    static final int FORWARD = 2;
    static final int STORE = 3;
    static final int WEIGHTS = 4;

    final Activations arrays;
    final ExecutionPlan plan;
    /** The forward graph as built (tests look at what a step transfers). */
    final ImmutableTaskGraph forwardGraph;
    /** The state whose latest values are in this plan's device state buffers, or null. */
    DeviceState owner;
    /** Greedy plans: the ids the device holds (the last step's argmax), or null when unknown. */
    int[] deviceIds;

    ForwardPlan(StackTasks stack, MambaConfig config, ComputeDevice device, int batch, int seqlen, Output output,
                boolean cudaGraph) {
        arrays = new Activations(config, batch, seqlen, output);
        String tag = "b" + batch + "_l" + seqlen + "_" + output.name().toLowerCase(java.util.Locale.ROOT);
        TaskGraph load = new TaskGraph("load_" + tag).transferToDevice(DataTransferMode.EVERY_EXECUTION, (Object[]) arrays.states());
        TaskGraph ids = new TaskGraph("ids_" + tag).transferToDevice(DataTransferMode.EVERY_EXECUTION, arrays.ids);
        TaskGraph forward = new TaskGraph("forward_" + tag);
        GridScheduler grids = new GridScheduler();
        stack.addTo(forward, grids, arrays);
        TaskGraph store = new TaskGraph("store_" + tag).transferToHost(DataTransferMode.EVERY_EXECUTION, (Object[]) arrays.states());
        TaskGraph weights = new TaskGraph("weights_" + tag).transferToDevice(DataTransferMode.FIRST_EXECUTION,
                stack.weightArrays().toArray());
        forwardGraph = forward.snapshot();
        plan = new ExecutionPlan(load.snapshot(), ids.snapshot(), forwardGraph, store.snapshot(), weights.snapshot());
        plan.withDevice(device).withGridScheduler(grids);
        if (cudaGraph) {
            plan.withCudaGraph(true);
        }
        try {
            run(WEIGHTS);
        } catch (RuntimeException e) {
            plan.close();
            throw e;
        }
    }

    void run(int graph) {
        plan.withGraph(graph).execute();
    }

    @Override
    public void close() {
        plan.close();
    }
}
