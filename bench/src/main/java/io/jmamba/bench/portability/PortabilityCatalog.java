package io.jmamba.bench.portability;

import io.jmamba.bench.portability.cases.CopyCase;
import io.jmamba.bench.portability.cases.MambaCases;

import java.util.ArrayList;
import java.util.List;

/** The kernels the portability check runs: conformance cases and the series timed at a fixed shape. */
public final class PortabilityCatalog {
    /** The length every kernel is timed at: long enough to fill a GPU, short enough for a 2-core CPU. */
    public static final long TIMING_LENGTH = 4096;

    private PortabilityCatalog() {
    }

    public static List<ConformanceCase> cases() {
        List<ConformanceCase> out = new ArrayList<>(MambaCases.all());
        out.add(new CopyCase());
        return out;
    }

    /** Series ids timed at {@link #TIMING_LENGTH}: the Mamba kernels, where this build has them. */
    public static List<String> timedSeries() {
        return List.of("selective-scan", "ssd", "conv1d", "attention");
    }
}
