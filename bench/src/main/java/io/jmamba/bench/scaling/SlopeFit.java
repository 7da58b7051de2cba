package io.jmamba.bench.scaling;

import java.util.ArrayList;
import java.util.List;

/**
 * Least-squares line through (log L, log ms): the slope is the exponent the time grows with (about 1
 * for a scan, 2 for attention).
 *
 * <p>Small lengths are dominated by fixed costs (a kernel launch, a few microseconds on a GPU), which
 * flattens the line; points faster than the noise floor, {@code max(absoluteFloorMs, 4 x the series'
 * fastest time)}, are left out (a fixed cost of c and a slope-1 series from 1K to 1M with c at the
 * shortest length then still fits within 0.04). When fewer than three points are left, the three
 * longest are used.
 *
 * @param slope        fitted exponent (null with fewer than two measured points)
 * @param intercept    log(ms) at log(L) = 0, natural logarithms
 * @param pointsUsed   how many points the fit used
 * @param noiseFloorMs the floor applied
 * @param rSquared     goodness of fit on the points used
 */
public record SlopeFit(Double slope, Double intercept, int pointsUsed, double noiseFloorMs, Double rSquared) {
    /** Default absolute noise floor: a few kernel launches' worth of time. */
    public static final double DEFAULT_ABSOLUTE_FLOOR_MS = 0.02;
    /** Points must take this many times the series' fastest time to count. */
    static final double FLOOR_FACTOR = 4;

    public static SlopeFit of(List<Point> points) {
        return of(points, DEFAULT_ABSOLUTE_FLOOR_MS);
    }

    public static SlopeFit of(List<Point> points, double absoluteFloorMs) {
        List<Point> measured = points.stream().filter(Point::isMeasured).toList();
        double fastest = measured.stream().mapToDouble(Point::medianMs).min().orElse(0);
        double floor = Math.max(absoluteFloorMs, FLOOR_FACTOR * fastest);
        List<Point> used = new ArrayList<>(measured.stream().filter(p -> p.medianMs() >= floor).toList());
        if (used.size() < 3) {
            used = new ArrayList<>(measured.subList(Math.max(0, measured.size() - 3), measured.size()));
        }
        if (used.size() < 2) {
            return new SlopeFit(null, null, used.size(), floor, null);
        }
        double[] x = used.stream().mapToDouble(p -> Math.log(p.length())).toArray();
        double[] y = used.stream().mapToDouble(p -> Math.log(p.medianMs())).toArray();
        double[] line = leastSquares(x, y);
        return new SlopeFit(line[0], line[1], used.size(), floor, line[2]);
    }

    /** The fitted time in ms at {@code length}. */
    public double predictMs(double length) {
        return Math.exp(intercept + slope * Math.log(length));
    }

    /** Returns {slope, intercept, r^2} of the least-squares line y = slope x + intercept. */
    static double[] leastSquares(double[] x, double[] y) {
        int n = x.length;
        double mx = 0;
        double my = 0;
        for (int i = 0; i < n; i++) {
            mx += x[i];
            my += y[i];
        }
        mx /= n;
        my /= n;
        double sxx = 0;
        double sxy = 0;
        double syy = 0;
        for (int i = 0; i < n; i++) {
            sxx += (x[i] - mx) * (x[i] - mx);
            sxy += (x[i] - mx) * (y[i] - my);
            syy += (y[i] - my) * (y[i] - my);
        }
        if (sxx == 0) {
            return new double[] {Double.NaN, Double.NaN, Double.NaN};
        }
        double slope = sxy / sxx;
        double r2 = syy == 0 ? 1.0 : (sxy * sxy) / (sxx * syy);
        return new double[] {slope, my - slope * mx, r2};
    }
}
