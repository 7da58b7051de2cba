package io.jmamba.bench.report;

import io.jmamba.bench.scaling.Point;
import io.jmamba.bench.scaling.SeriesResult;
import io.jmamba.bench.scaling.SweepResult;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** One row per (series, length): the numbers of the plot, for a spreadsheet. */
public final class CsvReport {
    /** The header row; tests and readers rely on these names. */
    public static final List<String> COLUMNS = List.of("device", "dtype", "series", "length", "status", "median_ms",
            "min_ms", "max_ms", "runs", "tokens_per_s", "gb_per_s", "slope", "reason");

    private CsvReport() {
    }

    public static void write(SweepResult result, Path file) {
        List<String> lines = new ArrayList<>();
        lines.add(String.join(",", COLUMNS));
        for (SeriesResult s : result.series()) {
            for (Point p : s.points()) {
                lines.add(String.join(",",
                        field(result.device()), field(s.dtype()), field(s.id()), Long.toString(p.length()),
                        p.status().name().toLowerCase(Locale.ROOT), number(p.medianMs()), number(p.minMs()),
                        number(p.maxMs()), Integer.toString(p.runs()), number(p.tokensPerSecond()),
                        number(p.gbPerSecond()), number(s.fit().slope()), field(p.reason())));
            }
        }
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.write(file, lines);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static String number(Double v) {
        return v == null ? "" : String.format(Locale.ROOT, "%.6g", v);
    }

    /** Quotes a field that holds a comma, quote or newline (RFC 4180). */
    static String field(String s) {
        if (s == null) {
            return "";
        }
        if (s.contains(",") || s.contains("\"") || s.contains("\n")) {
            return "\"" + s.replace("\"", "\"\"") + "\"";
        }
        return s;
    }
}
