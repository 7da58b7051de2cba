package io.jmamba.runtime.api;

import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.Devices;
import io.jmamba.runtime.graph.PlanExecutor;

import java.util.List;

/**
 * Runs one or more task graphs on one device (TornadoVM's execution plan). It owns the device
 * buffers of every array its graphs use, so data stays on the device between executions and between
 * its graphs; closing it frees them.
 * <pre>{@code
 * try (ExecutionPlan plan = new ExecutionPlan(graph.snapshot())) {
 *     plan.withDevice(Devices.best()).withGridScheduler(grids).withProfiler(true);
 *     plan.execute();
 * }
 * }</pre>
 */
public final class ExecutionPlan implements AutoCloseable {
    private final PlanExecutor executor;

    public ExecutionPlan(ImmutableTaskGraph... graphs) {
        if (graphs.length == 0) {
            throw new IllegalArgumentException("an execution plan needs at least one task graph");
        }
        this.executor = new PlanExecutor(List.of(graphs));
    }

    /** Runs on {@code device} (default: {@link Devices#best()}). Only before the first execution. */
    public ExecutionPlan withDevice(ComputeDevice device) {
        executor.setDevice(device);
        return this;
    }

    /** Runs on the device with this id or backend name ("cuda:0", "opencl", "jvm"). */
    public ExecutionPlan withDevice(String idOrBackend) {
        return withDevice(Devices.find(idOrBackend));
    }

    public ExecutionPlan withGridScheduler(GridScheduler scheduler) {
        executor.setGridScheduler(scheduler);
        return this;
    }

    /** Times kernels and copies; each launch then waits for its kernel. */
    public ExecutionPlan withProfiler(boolean on) {
        executor.setProfiling(on);
        return this;
    }

    /**
     * On CUDA: record the launches of the first execution in a CUDA graph and replay it on later
     * executions, which saves the per-launch cost. Scalar arguments are frozen at capture: values
     * that change per call must travel in device arrays. Other backends ignore it.
     */
    public ExecutionPlan withCudaGraph(boolean on) {
        executor.setCudaGraph(on);
        return this;
    }

    /** Next executions run only the graph at {@code index} (in constructor order). */
    public ExecutionPlan withGraph(int index) {
        executor.selectGraph(index);
        return this;
    }

    /** Next executions run every graph, in order (the default). */
    public ExecutionPlan withAllGraphs() {
        executor.selectGraph(-1);
        return this;
    }

    /** Compiles every task now, so that the first execution is not slowed by the JIT. */
    public ExecutionPlan withWarmUp() {
        executor.warmUp();
        return this;
    }

    public ExecutionResult execute() {
        return executor.execute();
    }

    /** The device the plan runs on (chosen at the first execution or warm-up if not set). */
    public ComputeDevice device() {
        return executor.device();
    }

    /** The generated OpenCL C / CUDA C source of task {@code "graph.task"} for this plan's device. */
    public String generatedSource(String taskName) {
        return executor.generatedSource(taskName);
    }

    /** Bytes of device memory the plan's buffers hold now; 0 after {@link #close()}. */
    public long deviceBytes() {
        return executor.deviceBytes();
    }

    /** Frees every device buffer of the plan. */
    @Override
    public void close() {
        executor.close();
    }
}
