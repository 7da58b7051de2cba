package io.jmamba.bench.scaling;

import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * One measured (or skipped) length of a series.
 *
 * @param length          sequence length in tokens
 * @param status          measured, skipped (and why) or failed
 * @param medianMs        median time of one run, ms (null unless measured)
 * @param minMs           fastest run, ms
 * @param maxMs           slowest run, ms
 * @param runs            timed runs after warm-up
 * @param tokensPerSecond length / median time
 * @param gbPerSecond     the series' bytes moved / median time, in 1e9 bytes per second
 * @param reason          why it was skipped or failed; null when measured
 */
public record Point(long length, PointStatus status, Double medianMs, Double minMs, Double maxMs, int runs,
                    Double tokensPerSecond, Double gbPerSecond, String reason) {

    public static Point measured(long length, double medianMs, double minMs, double maxMs, int runs, long bytesMoved) {
        double seconds = medianMs / 1e3;
        return new Point(length, PointStatus.MEASURED, medianMs, minMs, maxMs, runs,
                length / seconds, bytesMoved / seconds / 1e9, null);
    }

    public static Point skipped(long length, PointStatus status, String reason) {
        return new Point(length, status, null, null, null, 0, null, null, reason);
    }

    @JsonIgnore // derived from status; kept out so the JSON reads back into this record
    public boolean isMeasured() {
        return status == PointStatus.MEASURED;
    }
}
