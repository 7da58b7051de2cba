package io.jmamba.bench.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.jmamba.bench.portability.PortabilityCatalog;
import io.jmamba.bench.report.JsonReport;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceMatrix;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The whole portability command: every Mamba kernel on every device; about a minute on 2 cores, hence slow. */
@Tag("slow")
class PortabilityCommandTest {
    @Test
    void everyDeviceConformsAndIsTimed(@TempDir Path dir) throws Exception {
        CliRun r = CliRun.of("portability", "--runs", "1", "--warmup", "0", "--max-len", "256", "--out", dir.toString());
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("all devices conform"), r.out());
        JsonNode json = JsonReport.mapper().readTree(dir.resolve("portability.json").toFile());
        List<ComputeDevice> devices = DeviceMatrix.devices();
        assertEquals(devices.size(), json.get("devices").size());
        assertTrue(json.get("allPassed").asBoolean());
        for (int i = 0; i < devices.size(); i++) {
            JsonNode d = json.get("devices").get(i);
            assertEquals(devices.get(i).id(), d.get("id").asText());
            assertEquals(devices.get(i).description(), d.get("description").asText());
            assertEquals(PortabilityCatalog.cases().size(), d.get("conformance").size());
            for (JsonNode c : d.get("conformance")) {
                assertTrue(c.get("pass").asBoolean(), c.toString());
                assertTrue(c.get("maxAbsError").asDouble() <= c.get("tolerance").asDouble());
            }
            for (JsonNode t : d.get("timings")) {
                assertEquals(256, t.get("length").asLong());
                assertTrue(t.get("medianMs").asDouble() > 0, t.toString());
            }
        }
    }
}
