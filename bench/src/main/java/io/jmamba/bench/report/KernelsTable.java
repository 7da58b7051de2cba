package io.jmamba.bench.report;

import io.jmamba.bench.scaling.ScalingSweep;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** {@code bench kernels}' table and CSV: our time, the official one, and the ratio. */
public final class KernelsTable {
    public static final List<String> COLUMNS = List.of("device", "series", "dtype", "length", "status", "median_ms", "gb_per_s",
            "reference_ms", "reference_dtype", "ratio", "reference_source", "reason");

    private KernelsTable() {
    }

    public static String format(KernelsReport r) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "kernels on %s (%s), %s; reference: %s%n", r.sweep().device(),
                r.sweep().deviceName(), r.sweep().dtype(), ReferenceNumbers.DEVICE));
        sb.append(String.format(Locale.ROOT, "%-22s %5s %7s %11s %9s %12s %5s %8s  %s%n", "kernel", "dtype", "length",
                "ours ms", "GB/s", "official ms", "dtype", "ratio", "official"));
        for (KernelComparison c : r.comparisons()) {
            sb.append(String.format(Locale.ROOT, "%-22s %5s %7s %11s %9s %12s %5s %8s  %s%n", c.series(), c.dtype(),
                    ScalingSweep.lengthLabel(c.length()), c.oursMs() == null ? "-" : ScalingTable.ms(c.oursMs()),
                    c.oursGbPerS() == null ? "-" : String.format(Locale.ROOT, "%.4g", c.oursGbPerS()),
                    ScalingTable.ms(c.referenceMs()), c.referenceDtype(),
                    c.ratio() == null ? "-" : String.format(Locale.ROOT, "%.2fx", c.ratio()),
                    c.referenceSource() + (c.note() == null ? "" : "; ours: " + c.note())));
        }
        sb.append("ratio = ours / official: below 1 is faster than the official kernel.\n");
        return sb.toString();
    }

    public static void writeCsv(KernelsReport r, Path file) {
        List<String> lines = new ArrayList<>();
        lines.add(String.join(",", COLUMNS));
        for (KernelComparison c : r.comparisons()) {
            var point = r.sweep().series().stream().filter(s -> s.id().equals(c.series()))
                    .flatMap(s -> s.points().stream()).filter(p -> p.length() == c.length()).findFirst().orElse(null);
            String status = point == null ? "not_run" : point.status().name().toLowerCase(Locale.ROOT);
            lines.add(String.join(",", CsvReport.field(r.sweep().device()), CsvReport.field(c.series()),
                    CsvReport.field(c.dtype()), Long.toString(c.length()),
                    status,
                    num(c.oursMs()), num(c.oursGbPerS()), num(c.referenceMs()), c.referenceDtype(), num(c.ratio()),
                    CsvReport.field(c.referenceSource()), CsvReport.field(c.note())));
        }
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.write(file, lines);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static String num(Double v) {
        return v == null ? "" : String.format(Locale.ROOT, "%.6g", v);
    }
}
