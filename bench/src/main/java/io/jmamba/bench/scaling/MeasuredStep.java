package io.jmamba.bench.scaling;

/**
 * A prepared measurement: {@link #run()} executes the layer once on data already on the device and
 * returns only when the device has finished, so wall clock around it is the layer's time. Closing it
 * frees its device and host memory.
 */
public interface MeasuredStep extends AutoCloseable {
    void run();

    /**
     * From the next run on, replays the step's kernels as one CUDA graph where it is a task graph on CUDA (the
     * graph is captured in the next run); other steps and backends ignore it.
     */
    default void useCudaGraph() {
    }

    @Override
    void close();
}
