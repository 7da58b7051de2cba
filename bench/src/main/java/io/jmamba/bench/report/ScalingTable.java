package io.jmamba.bench.report;

import io.jmamba.bench.scaling.Crossover;
import io.jmamba.bench.scaling.Point;
import io.jmamba.bench.scaling.ScalingSweep;
import io.jmamba.bench.scaling.SeriesResult;
import io.jmamba.bench.scaling.SweepResult;

import java.util.Locale;

/** The sweep as a plain-text table for the terminal: a row per point, then fits and crossovers. */
public final class ScalingTable {
    private ScalingTable() {
    }

    public static String format(SweepResult r) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%s on %s (%s), %s, %d warm-up + %d runs, %.1f s%n",
                r.benchmark(), r.device(), r.deviceName(), r.dtype(), r.warmup(), r.runs(), r.wallSeconds()));
        sb.append(String.format(Locale.ROOT, "%-22s %5s %8s %12s %14s %10s  %s%n", "series", "dtype", "length",
                "median ms", "tokens/s", "GB/s", "note"));
        for (SeriesResult s : r.series()) {
            for (Point p : s.points()) {
                if (p.isMeasured()) {
                    sb.append(String.format(Locale.ROOT, "%-22s %5s %8s %12s %14s %10s%n", s.id(), s.dtype(),
                            ScalingSweep.lengthLabel(p.length()), ms(p.medianMs()),
                            String.format(Locale.ROOT, "%.4g", p.tokensPerSecond()),
                            String.format(Locale.ROOT, "%.4g", p.gbPerSecond())));
                } else {
                    sb.append(String.format(Locale.ROOT, "%-22s %5s %8s %12s %14s %10s  %s: %s%n", s.id(), s.dtype(),
                            ScalingSweep.lengthLabel(p.length()), "-", "-", "-",
                            p.status().name().toLowerCase(Locale.ROOT), p.reason()));
                }
            }
        }
        sb.append(String.format(Locale.ROOT, "%nlog-log slopes (time ~ L^slope):%n"));
        for (SeriesResult s : r.series()) {
            sb.append(String.format(Locale.ROOT, "  %-16s %s   (expected %.0f; %d points above %.3g ms)  %s%n", s.id(),
                    s.fit().slope() == null ? "  n/a" : String.format(Locale.ROOT, "%5.2f", s.fit().slope()),
                    s.expectedExponent(), s.fit().pointsUsed(), s.fit().noiseFloorMs(), s.label()));
        }
        if (!r.crossovers().isEmpty()) {
            sb.append(String.format(Locale.ROOT, "%ncrossover (attention slower than the scan from this length on):%n"));
            for (Crossover c : r.crossovers()) {
                sb.append(String.format(Locale.ROOT, "  %-16s vs %-16s %10s  (%s)%n", c.attention(), c.scan(),
                        c.length() == null ? "none" : "L~" + Math.round(c.length()), c.method()));
            }
        }
        return sb.toString();
    }

    static String ms(double v) {
        return v >= 100 ? String.format(Locale.ROOT, "%.1f", v) : String.format(Locale.ROOT, "%.4g", v);
    }
}
