package io.jmamba.bench.scaling;

/** What happened at one (series, length). */
public enum PointStatus {
    MEASURED,
    /** Its buffers would not fit in the device's memory. */
    SKIPPED_MEMORY,
    /** The series' kernel does not take this size (see {@link Series#refusal}). */
    SKIPPED_UNSUPPORTED,
    /** Extrapolated from the previous length, it would have overrun the sweep's time budget. */
    SKIPPED_TIME,
    /** Preparing or running it threw; the reason says what. */
    FAILED
}
