package io.jmamba.bench.report;

import io.jmamba.bench.scaling.SweepResult;

import java.util.List;

/**
 * {@code bench kernels}' JSON: the sweep at the fixed shapes and the comparisons with DESIGN.md.
 *
 * @param sweep       the measurements
 * @param comparisons ours beside the official numbers
 */
public record KernelsReport(SweepResult sweep, List<KernelComparison> comparisons) {
}
