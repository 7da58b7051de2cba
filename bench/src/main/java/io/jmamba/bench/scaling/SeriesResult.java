package io.jmamba.bench.scaling;

import java.util.List;

/**
 * A series' points and fit, as written to the reports.
 *
 * @param id                series id
 * @param dtype             its element type (fp32, bf16)
 * @param label             what was measured, with its shape
 * @param kind              scan, attention or other
 * @param expectedExponent  1 or 2
 * @param bytesFormula      how the GB/s column counts bytes
 * @param points            one per length of the sweep, skipped ones included
 * @param fit               the log-log slope fit
 */
public record SeriesResult(String id, String dtype, String label, SeriesKind kind, double expectedExponent, String bytesFormula,
                           List<Point> points, SlopeFit fit) {
}
