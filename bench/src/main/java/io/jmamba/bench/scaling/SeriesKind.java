package io.jmamba.bench.scaling;

/** How a series takes part in the crossover: attention is compared against every scan. */
public enum SeriesKind {
    /** A linear-time sequence mixer or block (selective scan, SSD, conv1d, Mamba blocks). */
    SCAN,
    /** A quadratic-time causal attention. */
    ATTENTION,
    /** Anything else (a bandwidth probe): plotted and fitted, not crossed. */
    OTHER
}
