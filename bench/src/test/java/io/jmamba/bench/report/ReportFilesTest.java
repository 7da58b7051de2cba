package io.jmamba.bench.report;

import com.fasterxml.jackson.databind.JsonNode;
import io.jmamba.bench.scaling.Lengths;
import io.jmamba.bench.scaling.Point;
import io.jmamba.bench.scaling.PointStatus;
import io.jmamba.bench.scaling.SeriesKind;
import io.jmamba.bench.scaling.SeriesResult;
import io.jmamba.bench.scaling.SlopeFit;
import io.jmamba.bench.scaling.SweepResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReportFilesTest {
    static SweepResult sample() {
        List<Point> scan = new ArrayList<>();
        List<Point> attn = new ArrayList<>();
        for (long l : Lengths.geometric(256, 16384, 2)) {
            scan.add(Point.measured(l, 1e-3 * l, 1e-3 * l, 1e-3 * l, 3, 16 * l));
            attn.add(l <= 8192 ? Point.measured(l, 1e-6 * l * l, 0, 0, 3, 4 * l)
                    : Point.skipped(l, PointStatus.SKIPPED_MEMORY, "needs 9 GiB, has 8, say"));
        }
        List<SeriesResult> series = List.of(
                new SeriesResult("scan", "fp32", "a scan", SeriesKind.SCAN, 1, "16 B x L", scan, SlopeFit.of(scan)),
                new SeriesResult("attention", "fp32", "an attention", SeriesKind.ATTENTION, 2, "4 B x L", attn, SlopeFit.of(attn)));
        var crossovers = io.jmamba.bench.scaling.Crossover.between("attention", attn, SlopeFit.of(attn), "scan", scan, SlopeFit.of(scan));
        return new SweepResult("scaling", "2026-11-24T12:00:00Z", "jvm", "JVM", "the JVM", "fp32", "jmamba bench scaling",
                1, 3, 60, 1.5, series, List.of(crossovers));
    }

    @Test
    void writesJsonCsvAndSvgWithTheExpectedContents(@TempDir Path dir) throws Exception {
        List<Path> files = ScalingReport.write(sample(), dir, "scaling", List.of());
        assertEquals(List.of(dir.resolve("scaling.json"), dir.resolve("scaling.csv"), dir.resolve("scaling.svg")), files);

        JsonNode json = JsonReport.mapper().readTree(dir.resolve("scaling.json").toFile());
        assertEquals("jvm", json.get("device").asText());
        JsonNode scan = json.get("series").get(0);
        assertEquals("scan", scan.get("id").asText());
        assertEquals(1.0, scan.get("fit").get("slope").asDouble(), 1e-9);
        assertEquals(7, scan.get("points").size());
        assertEquals("MEASURED", scan.get("points").get(0).get("status").asText());
        JsonNode skipped = json.get("series").get(1).get("points").get(6);
        assertEquals("SKIPPED_MEMORY", skipped.get("status").asText());
        assertTrue(skipped.get("medianMs").isNull());
        assertEquals(1000, json.get("crossovers").get(0).get("length").asDouble(), 1e-6);

        assertEquals(sample(), JsonReport.mapper().readValue(dir.resolve("scaling.json").toFile(), SweepResult.class),
                "the JSON reads back into the same result");

        List<String> csv = Files.readAllLines(dir.resolve("scaling.csv"));
        assertEquals(String.join(",", CsvReport.COLUMNS), csv.getFirst());
        assertEquals(1 + 14, csv.size());
        String[] first = csv.get(1).split(",", -1);
        assertEquals(CsvReport.COLUMNS.size(), first.length);
        assertEquals("scan", first[2]);
        assertEquals("256", first[3]);
        assertEquals("measured", first[4]);
        assertEquals(0.256, Double.parseDouble(first[5]), 1e-9);
        assertTrue(csv.getLast().contains("skipped_memory"));

        String svg = Files.readString(dir.resolve("scaling.svg"));
        assertTrue(svg.startsWith("<svg"));
        assertEquals(2, svg.split("<polyline", -1).length - 1, "one polyline per series");
        assertTrue(svg.contains(">scan (slope 1.00)</text>"), "legend names each series with its slope");
        assertTrue(svg.contains(">16K</text>") && svg.contains(">256</text>"), "length ticks");
        assertTrue(svg.trim().endsWith("</svg>"));
        assertEquals(2, svg.split("class=\"guide\"", -1).length - 1, "~L and ~L^2 guide lines");
    }

    @Test
    void tableShowsPointsSlopesAndCrossovers() {
        String table = ScalingTable.format(sample());
        assertTrue(table.contains("scan"));
        assertTrue(table.contains("skipped_memory: needs 9 GiB"));
        assertTrue(table.contains(" 1.00   (expected 1"), table);
        assertTrue(table.contains("L~1000  (measured)"), table);
    }

    @Test
    void csvQuotesFieldsWithCommas() {
        assertEquals("\"a, \"\"b\"\"\"", CsvReport.field("a, \"b\""));
    }
}
