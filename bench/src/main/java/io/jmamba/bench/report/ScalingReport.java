package io.jmamba.bench.report;

import io.jmamba.bench.scaling.Point;
import io.jmamba.bench.scaling.SeriesResult;
import io.jmamba.bench.scaling.SweepResult;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Writes a sweep's three files, {@code NAME.json}, {@code NAME.csv} and {@code NAME.svg}, into a folder. */
public final class ScalingReport {
    private ScalingReport() {
    }

    /** Writes the files and returns their paths (json, csv, svg). */
    public static List<Path> write(SweepResult result, Path outDir, String name, List<Curve> extraCurves) {
        Path json = outDir.resolve(name + ".json");
        Path csv = outDir.resolve(name + ".csv");
        Path svg = outDir.resolve(name + ".svg");
        JsonReport.write(result, json);
        CsvReport.write(result, csv);
        List<Curve> curves = new ArrayList<>(curves(result));
        curves.addAll(extraCurves);
        SvgPlot.write(name + " on " + result.device() + " (" + result.deviceName() + "), " + result.dtype(),
                "sequence length (tokens)", "time per layer (ms)", curves, svg);
        return List.of(json, csv, svg);
    }

    /** One curve per series over its measured points. */
    public static List<Curve> curves(SweepResult result) {
        List<Curve> out = new ArrayList<>();
        for (SeriesResult s : result.series()) {
            List<Double> xs = new ArrayList<>();
            List<Double> ys = new ArrayList<>();
            for (Point p : s.points()) {
                if (p.isMeasured()) {
                    xs.add((double) p.length());
                    ys.add(p.medianMs());
                }
            }
            String slope = s.fit().slope() == null ? "" : String.format(java.util.Locale.ROOT, " (slope %.2f)", s.fit().slope());
            out.add(new Curve(s.id() + slope, xs, ys, false));
        }
        return out;
    }
}
