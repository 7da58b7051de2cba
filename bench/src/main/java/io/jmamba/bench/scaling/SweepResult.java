package io.jmamba.bench.scaling;

import java.util.List;

/**
 * Everything one sweep produced: where and how it ran, each series, and the crossovers.
 *
 * @param benchmark     "scaling" or "kernels"
 * @param date          ISO-8601 instant the sweep started
 * @param device        the device's id
 * @param deviceName    the device's name
 * @param deviceDescription the device's own description (driver, memory, units)
 * @param dtype         element type of the inputs
 * @param command       the command line that produced it
 * @param warmup        untimed runs per point
 * @param runs          timed runs per point
 * @param timeBudgetSeconds the whole sweep's budget
 * @param wallSeconds   how long the sweep took
 * @param series        one per series
 * @param crossovers    attention vs each scan
 */
public record SweepResult(String benchmark, String date, String device, String deviceName, String deviceDescription,
                          String dtype, String command, int warmup, int runs, double timeBudgetSeconds,
                          double wallSeconds, List<SeriesResult> series, List<Crossover> crossovers) {
}
