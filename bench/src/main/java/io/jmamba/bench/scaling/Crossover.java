package io.jmamba.bench.scaling;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The sequence length where an attention series becomes slower than a scan series.
 *
 * <p>Where both were measured at the same lengths and attention is faster at one and slower at the
 * next, the crossing is interpolated on the log-log line between them ({@code "measured"}). Where
 * attention is already slower at the shortest common length, that length is reported as an upper
 * bound ({@code "below-range"}). Where it never becomes slower within the measured range, the two
 * fitted lines are intersected ({@code "extrapolated"}) when attention grows faster; otherwise there
 * is no crossover ({@code "none"}).
 *
 * @param attention the attention series id
 * @param scan      the scan series id
 * @param length    the crossover length in tokens; null when there is none
 * @param method    measured, below-range, extrapolated or none
 * @param note      a sentence for the report
 */
public record Crossover(String attention, String scan, Double length, String method, String note) {
    /** Fitted lines whose slopes differ by less than this are treated as parallel (no extrapolated crossing). */
    static final double MIN_SLOPE_GAP = 0.1;

    public static Crossover between(String attentionId, List<Point> attention, SlopeFit attentionFit,
                                    String scanId, List<Point> scan, SlopeFit scanFit) {
        Map<Long, Double> a = measured(attention);
        Map<Long, Double> s = measured(scan);
        List<Long> common = new ArrayList<>(a.keySet());
        common.retainAll(s.keySet());
        for (int i = 0; i < common.size(); i++) {
            long len = common.get(i);
            double diff = Math.log(a.get(len)) - Math.log(s.get(len));
            if (diff > 0) {
                if (i == 0) {
                    return new Crossover(attentionId, scanId, (double) len, "below-range",
                            "attention is already slower than " + scanId + " at the shortest common length " + len);
                }
                long prev = common.get(i - 1);
                double prevDiff = Math.log(a.get(prev)) - Math.log(s.get(prev));
                double t = -prevDiff / (diff - prevDiff);
                double logLen = Math.log(prev) + t * (Math.log(len) - Math.log(prev));
                return new Crossover(attentionId, scanId, Math.exp(logLen), "measured",
                        "attention becomes slower than " + scanId + " between " + prev + " and " + len);
            }
        }
        if (attentionFit.slope() != null && scanFit.slope() != null && attentionFit.slope() > scanFit.slope() + MIN_SLOPE_GAP) {
            double x = (scanFit.intercept() - attentionFit.intercept()) / (attentionFit.slope() - scanFit.slope());
            String where = common.isEmpty() ? "no common length was measured"
                    : "attention is faster at every common length up to " + common.getLast();
            return new Crossover(attentionId, scanId, Math.exp(x), "extrapolated", where + "; fitted lines cross here");
        }
        return new Crossover(attentionId, scanId, null, "none",
                "attention was not slower than " + scanId + " at any measured length and does not grow faster");
    }

    private static Map<Long, Double> measured(List<Point> points) {
        Map<Long, Double> out = new TreeMap<>();
        for (Point p : points) {
            if (p.isMeasured()) {
                out.put(p.length(), p.medianMs());
            }
        }
        return out;
    }
}
