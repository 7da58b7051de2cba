package io.jmamba.bench.scaling;

import io.jmamba.runtime.backend.ComputeDevice;

/**
 * One curve of the scaling plot: a layer or kernel whose time is measured against sequence length.
 *
 * <p>An implementation allocates its inputs for one length in {@link #prepare}, puts them on the device
 * (first execution) and hands back a step that the harness runs and times repeatedly. The harness
 * uses {@link #deviceBytes} to skip lengths that cannot fit and {@link #expectedExponent} to predict
 * the next length's time from the last one, so that it skips what would overrun the time budget.
 */
public interface Series {
    /** A short stable id for the command line, CSV and JSON ("selective-scan"). */
    String id();

    /**
     * The element type of its inputs and outputs, for the reports and the official comparison: read from
     * the id by default ({@link SeriesCatalog#dtypeOf}: a "-bf16" id is bf16).
     */
    default String dtype() {
        return SeriesCatalog.dtypeOf(id());
    }

    /** What it is, with its shape ("selective scan, d_inner 1536, d_state 16"). */
    String label();

    /** Its role in crossover computation. */
    SeriesKind kind();

    /** The exponent of L the time should follow: 1 for scans, 2 for attention. */
    double expectedExponent();

    /**
     * The bytes the kernels must move at length {@code length} (each input read once, each output
     * written once; intermediates that must round-trip through memory counted too). The effective
     * GB/s of a point is this over its time.
     */
    long bytesMoved(long length);

    /** How {@link #bytesMoved} is counted, in words and symbols, for the report. */
    String bytesFormula();

    /** Device memory the step needs at {@code length}: all its buffers together. */
    long deviceBytes(long length);

    /**
     * Why the series cannot run at {@code length} whatever the device (a size its kernel refuses, such
     * as naive attention's score matrix beyond its element limit), or null when it can.
     */
    default String refusal(long length) {
        return null;
    }

    /**
     * Allocates and fills the inputs for {@code length} and readies the step on {@code device}
     * (compiling its kernels and copying inputs once), so that timing sees only the kernels.
     */
    MeasuredStep prepare(ComputeDevice device, long length);
}
