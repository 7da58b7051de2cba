package io.jmamba.bench.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.jmamba.bench.report.JsonReport;
import io.jmamba.bench.report.KernelsTable;
import io.jmamba.bench.report.ReferenceNumbers;
import io.jmamba.bench.scaling.Point;
import io.jmamba.bench.scaling.PointStatus;
import io.jmamba.bench.scaling.Series;
import io.jmamba.bench.scaling.SeriesKind;
import io.jmamba.bench.scaling.SeriesResult;
import io.jmamba.bench.scaling.SweepResult;
import io.jmamba.bench.scaling.SeriesCatalog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KernelsCommandTest {
    @Test
    void copyAtItsFixedShapeIsComparedWithTheH100CopyBandwidth(@TempDir Path dir) throws Exception {
        // the copy probe's fixed shape is 256K tokens x 1024 floats (1 GiB): on the JVM that is 2 GiB of host memory
        // and a few seconds, so the test caps it with --max-len and checks the row is reported as not run
        CliRun r = CliRun.of("bench", "kernels", "--device", "jvm", "--series", "copy", "--max-len", "1K",
                "--runs", "1", "--warmup", "0", "--out", dir.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("ratio = ours / official"), r.out());
        JsonNode json = JsonReport.mapper().readTree(dir.resolve("kernels.json").toFile());
        assertEquals("kernels", json.get("sweep").get("benchmark").asText());
        List<String> csv = Files.readAllLines(dir.resolve("kernels.csv"));
        assertEquals(String.join(",", KernelsTable.COLUMNS), csv.getFirst());
        assertEquals(2, csv.size(), String.join("\n", csv));
        assertTrue(csv.get(1).startsWith("jvm,copy,fp32,262144,not_run,"), csv.get(1));
        assertTrue(csv.get(1).endsWith("longer than --max-len"), csv.get(1));
        JsonNode row = json.get("comparisons").get(0);
        assertEquals(ReferenceNumbers.copyBoundMs(2L << 30), row.get("referenceMs").asDouble(), 1e-12);
        assertTrue(row.get("ratio").isNull());
        assertTrue(Files.readString(dir.resolve("kernels.svg")).startsWith("<svg"));
    }

    @Test
    void referenceTimesAreDesignMdsAndBandwidthProbesUseTheCopyBandwidth() {
        var scan = ReferenceNumbers.times().stream()
                .filter(t -> t.series().equals("selective-scan") && t.length() == 1L << 20).findFirst().orElseThrow();
        assertEquals(64.5, scan.ms());
        assertEquals("fp32", scan.dtype());
        // 1 GiB read + 1 GiB written at 3.03 TB/s
        assertEquals(2.0 * (1L << 30) / 3.03e12 * 1e3, ReferenceNumbers.copyBoundMs(2L << 30), 1e-12);
    }

    @Test
    void conv1dIsHeldToTheCopyBandwidthOfTheSameRunWhenThereIsOne() {
        Series conv = SeriesCatalog.select(List.of("conv1d")).getFirst();
        long len = 64L << 10;
        var measured = KernelsCommand.reference("conv1d", conv, len, 2000.0);
        assertEquals(conv.bytesMoved(len) / 2.0e12 * 1e3, measured.ms(), 1e-12);
        assertTrue(measured.source().contains("this run's copy bandwidth (2000 GB/s)"), measured.source());
        var old = KernelsCommand.reference("conv1d-chunks-4", SeriesCatalog.select(List.of("conv1d-chunks-4")).getFirst(), len, 2000.0);
        assertEquals(measured.ms(), old.ms(), 1e-12); // the same bytes, whatever the layout
        var fallback = KernelsCommand.reference("conv1d", conv, len, null);
        assertEquals(ReferenceNumbers.copyBoundMs(conv.bytesMoved(len)), fallback.ms(), 1e-12);
        // the old layout is in bench kernels' fixed shapes, but not in the default scaling sweep
        assertTrue(KernelsCommand.fixedShapes().containsKey("conv1d-chunks-4"));
        assertTrue(SeriesCatalog.scalingDefaults().contains("conv1d"));
        assertTrue(SeriesCatalog.scalingDefaults().stream().noneMatch(id -> id.startsWith("conv1d-")));
    }

    @Test
    void theCopyBandwidthIsTakenFromTheCopySeriesLongestMeasuredPoint() {
        SeriesResult copy = new SeriesResult("copy", "fp32", "copy", SeriesKind.OTHER, 1, "", List.of(
                Point.measured(1L << 10, 1.0, 1.0, 1.0, 1, 1_000_000_000L),         // 1000 GB/s
                Point.measured(1L << 18, 0.5, 0.5, 0.5, 1, 1_000_000_000L),         // 2000 GB/s, the longest
                Point.skipped(1L << 20, PointStatus.SKIPPED_TIME, "budget")), null);
        SweepResult sweep = new SweepResult("kernels", "d", "cuda:0", "H100", "", "fp32", "", 0, 1, 1, 1, List.of(copy), List.of());
        assertEquals(2000.0, KernelsCommand.measuredCopyGbPerS(sweep), 1e-9);
        SweepResult noCopy = new SweepResult("kernels", "d", "cuda:0", "H100", "", "fp32", "", 0, 1, 1, 1, List.of(), List.of());
        assertNull(KernelsCommand.measuredCopyGbPerS(noCopy));
    }
}
