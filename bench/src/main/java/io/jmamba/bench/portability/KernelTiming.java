package io.jmamba.bench.portability;

/**
 * A kernel's time on a device at the portability check's fixed shape.
 *
 * @param kernel   series id
 * @param length   sequence length
 * @param medianMs median of the timed runs; null when skipped or failed
 * @param gbPerS   effective bandwidth
 * @param note     why there is no time; null otherwise
 */
public record KernelTiming(String kernel, long length, Double medianMs, Double gbPerS, String note) {
}
