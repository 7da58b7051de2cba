package io.jmamba.bench.cli;

import io.jmamba.bench.report.KernelsTable;
import io.jmamba.bench.scaling.SeriesCatalog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --dtype bf16}: plain ids map to their "-bf16" forms, missing forms are skipped with why, references follow the dtype. */
class BenchDtypeTest {
    private static final long K16 = 16L << 10;
    private static final long K64 = 64L << 10;

    @Test
    void bf16MapsEachPlainIdToItsBf16FormAndSkipsThoseWithout() {
        Set<String> known = Set.of("selective-scan", "selective-scan-bf16", "ssd", "copy");
        SeriesCatalog.DtypeSelection s = SeriesCatalog.forDtype(List.of("selective-scan", "ssd", "copy"), known, "bf16");
        // copy is a bandwidth probe: it runs as it is under any dtype
        assertEquals(List.of("selective-scan-bf16", "copy"), s.run());
        assertEquals(Set.of("ssd-bf16"), s.skipped().keySet());
        assertEquals("no bf16 form of ssd yet (no series ssd-bf16 in this build)", s.skipped().get("ssd-bf16"));
    }

    @Test
    void aBf16IdNamedDirectlyRunsUnderEitherDtypeAndPlainIdsStayFp32() {
        Set<String> known = Set.of("selective-scan", "selective-scan-bf16");
        assertEquals(List.of("selective-scan", "selective-scan-bf16"),
                SeriesCatalog.forDtype(List.of("selective-scan", "selective-scan-bf16"), known, "fp32").run());
        assertEquals(List.of("selective-scan-bf16"),
                SeriesCatalog.forDtype(List.of("selective-scan", "selective-scan-bf16"), known, "bf16").run());
        assertThrows(IllegalArgumentException.class, () -> SeriesCatalog.forDtype(List.of("ssd"), known, "fp16"));
    }

    @Test
    void theDtypeOfASeriesIsReadFromItsId() {
        assertEquals("bf16", SeriesCatalog.dtypeOf("attention-bf16"));
        assertEquals("fp32", SeriesCatalog.dtypeOf("attention"));
        assertEquals("attention", SeriesCatalog.baseId("attention-bf16"));
        assertEquals("ssd-bf16", SeriesCatalog.formFor("ssd", "bf16"));
        assertEquals("copy", SeriesCatalog.formFor("copy", "bf16"));
        // the default scaling set is fp32: --dtype bf16 maps it
        assertTrue(SeriesCatalog.scalingDefaults().stream().noneMatch(id -> id.endsWith(SeriesCatalog.BF16_SUFFIX)));
        for (var e : SeriesCatalog.all().entrySet()) {
            assertEquals(SeriesCatalog.dtypeOf(e.getKey()), e.getValue().get().dtype(), e.getKey());
        }
    }

    @Test
    void bf16SeriesAreComparedWithTheBf16OfficialNumbers() {
        var scan64 = KernelsCommand.reference("selective-scan-bf16", null, K64, null);
        assertEquals(2.24, scan64.ms());
        assertEquals("bf16", scan64.dtype());
        assertEquals(34.7, KernelsCommand.reference("selective-scan-bf16", null, 1L << 20, null).ms());
        assertEquals(3.95, KernelsCommand.reference("selective-scan", null, K64, null).ms());
        // no bf16 number at 16K: the fp32 one, labelled so
        var scan16 = KernelsCommand.reference("selective-scan-bf16", null, K16, null);
        assertEquals(0.99, scan16.ms());
        assertEquals("fp32", scan16.dtype());
        assertTrue(scan16.source().contains("no bf16 number at 16K"), scan16.source());
        assertEquals(1.33, KernelsCommand.reference("ssd-bf16", null, K64, null).ms());
        assertEquals(0.69, KernelsCommand.reference("ssd-bf16", null, K16, null).ms());
        assertEquals(22.2, KernelsCommand.reference("ssd-bf16", null, 1L << 20, null).ms());
        assertEquals(2.11, KernelsCommand.reference("ssd", null, K64, null).ms());
        assertEquals(0.93, KernelsCommand.reference("attention-bf16", null, K16, null).ms());
        assertEquals(14.2, KernelsCommand.reference("attention-bf16", null, K64, null).ms());
        assertEquals(4330, KernelsCommand.reference("attention-bf16", null, 1L << 20, null).ms());
        assertEquals(12.8, KernelsCommand.reference("attention", null, K16, null).ms());
        // an earlier layout of the scan in bf16 is held to the bf16 numbers of the scan
        assertEquals(2.24, KernelsCommand.reference("selective-scan-chunked-bf16", null, K64, null).ms());
        assertEquals(List.of(K16, K64, 1L << 20), KernelsCommand.shapeOf(KernelsCommand.fixedShapes(), "ssd-bf16"));
    }

    @Test
    void aSeriesWithoutABf16FormIsReportedSkippedNotAnError(@TempDir Path dir) throws Exception {
        // the earlier CHUNKED scan layout has no bf16 form (and is not meant to get one)
        CliRun r = CliRun.of("bench", "kernels", "--device", "jvm", "--dtype", "bf16", "--series", "selective-scan-chunked",
                "--max-len", "1K", "--out", dir.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.err().contains("series selective-scan-chunked-bf16 skipped: no bf16 form of selective-scan-chunked yet"), r.err());
        List<String> csv = Files.readAllLines(dir.resolve("kernels.csv"));
        assertEquals(String.join(",", KernelsTable.COLUMNS), csv.getFirst());
        assertEquals(4, csv.size(), String.join("\n", csv));
        assertTrue(csv.get(2).startsWith("jvm,selective-scan-chunked-bf16,bf16,65536,not_run,,,2.24000,bf16,,mamba_ssm CUDA,"), csv.get(2));
        assertTrue(csv.get(2).endsWith("no bf16 form of selective-scan-chunked yet (no series selective-scan-chunked-bf16 in this build)"), csv.get(2));
        assertTrue(r.out().contains("selective-scan-chunked-bf16  bf16"), r.out());
    }

    @Test
    void scalingUnderBf16PrintsTheSkippedSeries(@TempDir Path dir) {
        CliRun r = CliRun.of("bench", "scaling", "--device", "jvm", "--dtype", "bf16", "--series", "selective-scan-chunked",
                "--min-len", "128", "--max-len", "128", "--out", dir.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("skipped selective-scan-chunked-bf16: no bf16 form of selective-scan-chunked yet"), r.out());
    }

    @Test
    void bf16ScalingRunsTheBf16ScanAndLabelsItsRows(@TempDir Path dir) throws Exception {
        CliRun r = CliRun.of("bench", "scaling", "--device", "jvm", "--dtype", "bf16", "--series", "selective-scan",
                "--min-len", "128", "--max-len", "128", "--runs", "1", "--warmup", "0", "--out", dir.toString());
        assertEquals(0, r.status(), r.err() + r.out());
        var json = io.jmamba.bench.report.JsonReport.mapper().readTree(dir.resolve("scaling.json").toFile());
        assertEquals("bf16", json.get("dtype").asText());
        var series = json.get("series").get(0);
        assertEquals("selective-scan-bf16", series.get("id").asText());
        assertEquals("bf16", series.get("dtype").asText());
        assertEquals("MEASURED", series.get("points").get(0).get("status").asText(), series.toString());
        List<String> csv = Files.readAllLines(dir.resolve("scaling.csv"));
        assertTrue(csv.get(1).startsWith("jvm,bf16,selective-scan-bf16,128,measured,"), csv.get(1));
        assertTrue(r.out().matches("(?s).*selective-scan-bf16 +bf16 +128 .*"), r.out());
    }
}
