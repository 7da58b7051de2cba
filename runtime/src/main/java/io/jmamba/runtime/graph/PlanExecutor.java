package io.jmamba.runtime.graph;

import io.jmamba.runtime.api.ExecutionResult;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.ImmutableTaskGraph;
import io.jmamba.runtime.api.NativeArray;
import io.jmamba.runtime.backend.ComputeDevice;

import java.util.List;

/** Schedules an execution plan's graphs on its device. */
public final class PlanExecutor implements AutoCloseable {
    public PlanExecutor(List<ImmutableTaskGraph> graphs) { }
    public void setDevice(ComputeDevice device) { }
    public void setGridScheduler(GridScheduler scheduler) { }
    public void setProfiling(boolean on) { }
    public void setCudaGraph(boolean on) { }
    public void selectGraph(int index) { }
    public void warmUp() { }
    public ExecutionResult execute() { return null; }
    public ComputeDevice device() { return null; }
    public String generatedSource(String taskName) { return null; }
    public void transferToHost(NativeArray... arrays) { }
    @Override public void close() { }
}
