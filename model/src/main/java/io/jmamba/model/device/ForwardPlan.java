package io.jmamba.model.device;

import io.jmamba.model.config.MambaConfig;
import io.jmamba.runtime.api.DataTransferMode;
import io.jmamba.runtime.api.ExecutionPlan;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.backend.ComputeDevice;

/**
 * An execution plan for one forward shape (batch x seqlen, all or last logits) with three graphs:
 * {@code load} copies a state to the device, {@code forward} runs the stack (states updated in
 * place on the device), {@code store} copies the state back. A state that keeps using the same plan
 * (decode steps) stays on the device between calls; only token ids go in and logits come out.
 */
final class ForwardPlan implements AutoCloseable {
    static final int LOAD = 0;
    static final int FORWARD = 1;
    static final int STORE = 2;

    final Activations arrays;
    final ExecutionPlan plan;
    /** The state whose latest values are in this plan's device state buffers, or null. */
    DeviceState owner;

    ForwardPlan(StackTasks stack, MambaConfig config, ComputeDevice device, int batch, int seqlen, boolean allPositions,
                boolean cudaGraph) {
        arrays = new Activations(config, batch, seqlen, allPositions);
        String tag = "b" + batch + "_l" + seqlen + (allPositions ? "_all" : "_last");
        TaskGraph load = new TaskGraph("load_" + tag).transferToDevice(DataTransferMode.EVERY_EXECUTION, (Object[]) arrays.states());
        TaskGraph forward = new TaskGraph("forward_" + tag);
        stack.addTo(forward, arrays);
        TaskGraph store = new TaskGraph("store_" + tag).transferToHost(DataTransferMode.EVERY_EXECUTION, (Object[]) arrays.states());
        plan = new ExecutionPlan(load.snapshot(), forward.snapshot(), store.snapshot());
        plan.withDevice(device);
        if (cudaGraph) {
            plan.withCudaGraph(true);
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
