package io.jmamba.bench.scaling.series;

import io.jmamba.bench.scaling.MeasuredStep;
import io.jmamba.runtime.api.ExecutionPlan;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.backend.ComputeDevice;

/**
 * A step that executes a task graph whose inputs are copied FIRST_EXECUTION and whose outputs stay on
 * the device: {@link #start} compiles and runs it once (so the copies and the JIT happen before
 * timing), and each {@link #run()} executes only the kernels.
 */
public final class PlanStep implements MeasuredStep {
    private final ExecutionPlan plan;

    private PlanStep(ExecutionPlan plan) {
        this.plan = plan;
    }

    public static PlanStep start(ComputeDevice device, TaskGraph graph, GridScheduler grids) {
        ExecutionPlan plan = new ExecutionPlan(graph.snapshot()).withDevice(device);
        try {
            if (grids != null) {
                plan.withGridScheduler(grids);
            }
            plan.withWarmUp();
            plan.execute();
            return new PlanStep(plan);
        } catch (RuntimeException | Error e) {
            plan.close();
            throw e;
        }
    }

    /** {@link ExecutionPlan#withCudaGraph}: the next execution captures the kernels, later ones replay them. */
    @Override
    public void useCudaGraph() {
        plan.withCudaGraph(true);
    }

    /** Executes the graph; the plan returns when its device work is done. */
    @Override
    public void run() {
        plan.execute();
    }

    @Override
    public void close() {
        plan.close();
    }
}
