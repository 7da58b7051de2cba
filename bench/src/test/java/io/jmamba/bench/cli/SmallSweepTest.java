package io.jmamba.bench.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.jmamba.bench.report.CsvReport;
import io.jmamba.bench.report.JsonReport;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceMatrix;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code jmamba bench scaling} end to end at tiny lengths on every device: the three files and their columns. */
class SmallSweepTest {
    /** Cheap series at short lengths: a 2-core CI machine runs this in seconds per device. */
    static final List<String> SERIES = List.of("conv1d", "copy", "attention");
    static final List<Long> LENGTHS = List.of(128L, 256L, 512L);

    @TempDir
    Path dir;

    @TestFactory
    Stream<DynamicTest> smallSweepWritesJsonCsvAndSvg() {
        return DeviceMatrix.devices().stream().map(d -> DynamicTest.dynamicTest(d.id(), () -> sweep(d)));
    }

    /** --cuda-graphs where no CUDA runs: the sweep still measures (eager) and says that the option did nothing. */
    @org.junit.jupiter.api.Test
    void cudaGraphsOnTheJvmIsNamedAsDoingNothing() {
        Path out = dir.resolve("graphs-jvm");
        CliRun r = CliRun.of("bench", "scaling", "--device", "jvm", "--series", "copy", "--min-len", "128", "--max-len", "128",
                "--runs", "1", "--warmup", "0", "--time-budget", "60", "--cuda-graphs", "--out", out.toString());
        assertEquals(0, r.status(), r.err() + r.out());
        assertTrue(r.err().contains("--cuda-graphs does nothing on jvm"), r.err());
        assertTrue(Files.exists(out.resolve("scaling.json")));
    }

    private void sweep(ComputeDevice device) throws Exception {
        Path out = dir.resolve(device.id().replace(':', '_'));
        CliRun r = CliRun.of("bench", "scaling", "--device", device.id(), "--series", String.join(",", SERIES), "--min-len", "128",
                "--max-len", "512", "--step", "2", "--runs", "2", "--warmup", "0", "--time-budget", "120", "--out", out.toString());
        assertEquals(0, r.status(), r.err() + r.out());
        assertTrue(r.out().contains("log-log slopes"), r.out());

        JsonNode json = JsonReport.mapper().readTree(out.resolve("scaling.json").toFile());
        assertEquals(device.id(), json.get("device").asText());
        assertEquals("fp32", json.get("dtype").asText());
        List<String> ids = SERIES;
        assertEquals(ids.size(), json.get("series").size());
        for (JsonNode s : json.get("series")) {
            assertEquals(LENGTHS.size(), s.get("points").size());
            for (int i = 0; i < LENGTHS.size(); i++) {
                JsonNode p = s.get("points").get(i);
                assertEquals(LENGTHS.get(i), p.get("length").asLong());
                assertEquals("MEASURED", p.get("status").asText(), p.toString());
                assertTrue(p.get("medianMs").asDouble() > 0);
                assertTrue(p.get("tokensPerSecond").asDouble() > 0);
                assertTrue(p.get("gbPerSecond").asDouble() > 0);
            }
            assertTrue(s.get("fit").has("slope"));
            assertFalse(s.get("bytesFormula").asText().isBlank());
        }

        // attention against each scan (conv1d); the copy probe takes no part
        assertEquals(1, json.get("crossovers").size());
        assertEquals("attention", json.get("crossovers").get(0).get("attention").asText());
        assertEquals("conv1d", json.get("crossovers").get(0).get("scan").asText());

        List<String> csv = Files.readAllLines(out.resolve("scaling.csv"));
        assertEquals(String.join(",", CsvReport.COLUMNS), csv.getFirst());
        assertEquals(1 + ids.size() * LENGTHS.size(), csv.size());
        for (String line : csv.subList(1, csv.size())) {
            assertEquals(CsvReport.COLUMNS.size(), line.split(",", -1).length, line);
            assertTrue(line.startsWith(device.id() + ",fp32,"), line);
        }

        String svg = Files.readString(out.resolve("scaling.svg"));
        assertTrue(svg.startsWith("<svg") && svg.trim().endsWith("</svg>"));
        assertEquals(ids.size(), svg.split("<polyline", -1).length - 1);
    }
}
