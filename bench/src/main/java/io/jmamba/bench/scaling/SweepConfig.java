package io.jmamba.bench.scaling;

/**
 * How a sweep measures.
 *
 * @param warmup            untimed runs before timing each point
 * @param runs              timed runs per point (the median is reported)
 * @param timeBudgetSeconds the whole sweep's budget; each series gets an equal share of what is left
 *                          when it starts, and a length whose predicted cost exceeds its series' share
 *                          is skipped
 * @param memoryFraction    share of the device's memory a point may use (the rest is the runtime's)
 * @param dtype             element type name for the report
 * @param command           the command line, for the report
 * @param cudaGraphs        time each step as a replayed CUDA graph of its kernels where the step is a task graph on
 *                          CUDA ({@link MeasuredStep#useCudaGraph}): GPU time without the per-launch host cost
 */
public record SweepConfig(int warmup, int runs, double timeBudgetSeconds, double memoryFraction, String dtype,
                          String command, boolean cudaGraphs) {

    /** Eager launches (no CUDA graphs). */
    public SweepConfig(int warmup, int runs, double timeBudgetSeconds, double memoryFraction, String dtype, String command) {
        this(warmup, runs, timeBudgetSeconds, memoryFraction, dtype, command, false);
    }

    public SweepConfig {
        if (warmup < 0) {
            throw new IllegalArgumentException("warmup must be >= 0, got " + warmup);
        }
        if (runs < 1) {
            throw new IllegalArgumentException("runs must be >= 1, got " + runs);
        }
        if (!(timeBudgetSeconds > 0)) {
            throw new IllegalArgumentException("time budget must be > 0 seconds, got " + timeBudgetSeconds);
        }
        if (!(memoryFraction > 0 && memoryFraction <= 1)) {
            throw new IllegalArgumentException("memory fraction must be in (0, 1], got " + memoryFraction);
        }
    }
}
