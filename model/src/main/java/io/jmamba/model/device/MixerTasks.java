package io.jmamba.model.device;

import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.TaskGraph;

/** Adds one layer's mixer to a forward graph. */
public interface MixerTasks {
    /** Task ids start with {@code prefix}; launch grids of kernels that need one go to {@code grids}. */
    void add(TaskGraph g, GridScheduler grids, String prefix, LayerIo io);
}
