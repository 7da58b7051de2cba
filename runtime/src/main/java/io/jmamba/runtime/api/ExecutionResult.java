package io.jmamba.runtime.api;

import io.jmamba.runtime.graph.PlanExecutor;

/** What an execution returns: a way to fetch UNDER_DEMAND arrays and the profile. */
public final class ExecutionResult {
    private final PlanExecutor executor;
    private final ProfileReport profile;

    public ExecutionResult(PlanExecutor executor, ProfileReport profile) {
        this.executor = executor;
        this.profile = profile;
    }

    /** Copies these arrays from the device now (for arrays marked UNDER_DEMAND, or any array of the plan). */
    public ExecutionResult transferToHost(NativeArray... arrays) {
        executor.transferToHost(arrays);
        return this;
    }

    /** The times of this execution; all zero unless the plan has the profiler on. */
    public ProfileReport profile() {
        return profile;
    }
}
