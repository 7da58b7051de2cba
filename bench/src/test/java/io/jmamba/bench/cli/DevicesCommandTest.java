package io.jmamba.bench.cli;

import io.jmamba.runtime.backend.Devices;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DevicesCommandTest {
    @Test
    void listsTheJvmDeviceAndEveryBackend() {
        CliRun r = CliRun.of("devices");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("jvm: 1 device"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.trim().startsWith("jvm ") && l.contains(" jvm ")), r.out());
        for (var b : Devices.backends()) {
            assertTrue(r.out().contains(b.name() + ": "), "backend " + b.name() + " missing:\n" + r.out());
            b.unavailableReason().ifPresent(why -> assertTrue(r.out().contains(why), "reason for " + b.name() + " missing"));
        }
        assertTrue(r.out().contains("[default]"), r.out());
    }
}
