package io.jmamba.runtime.api;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Launch shapes for tasks, keyed by {@code "graphName.taskId"} as in TornadoVM. A task that reads
 * {@link KernelContext} ids needs an entry; a task made of {@link Parallel} loops gets a shape derived
 * from its loop bounds when it has none.
 */
public final class GridScheduler {
    private final Map<String, WorkerGrid> grids = new LinkedHashMap<>();

    public GridScheduler() {
    }

    public GridScheduler(String taskName, WorkerGrid grid) {
        addWorkerGrid(taskName, grid);
    }

    public GridScheduler addWorkerGrid(String taskName, WorkerGrid grid) {
        if (taskName == null || !taskName.contains(".")) {
            throw new IllegalArgumentException("task name must be \"graphName.taskId\", got " + taskName);
        }
        grids.put(taskName, grid);
        return this;
    }

    public Optional<WorkerGrid> get(String taskName) {
        return Optional.ofNullable(grids.get(taskName));
    }

    public Map<String, WorkerGrid> all() {
        return Map.copyOf(grids);
    }
}
