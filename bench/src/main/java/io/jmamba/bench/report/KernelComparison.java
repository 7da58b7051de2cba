package io.jmamba.bench.report;

/**
 * One of our fixed-shape kernel times beside the official one.
 *
 * @param series        our series id
 * @param dtype         the dtype our series runs in
 * @param length        sequence length
 * @param oursMs        our median (null when the point was skipped or failed)
 * @param oursGbPerS    our effective bandwidth
 * @param referenceMs   the official time
 * @param referenceDtype the dtype of the official time
 * @param referenceSource who measured it, on which device
 * @param ratio         ours / official: below 1 is faster than the official kernel
 * @param note          why there is no time of ours (skipped, failed, not run); null when there is
 */
public record KernelComparison(String series, String dtype, long length, Double oursMs, Double oursGbPerS, double referenceMs,
                               String referenceDtype, String referenceSource, Double ratio, String note) {
}
