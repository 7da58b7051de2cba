package io.jmamba.runtime.backend;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The device matrix and its backend filter (-Djmamba.backends / JMAMBA_BACKENDS). */
class DeviceMatrixTest {
    private final String before = System.getProperty("jmamba.backends");

    @AfterEach
    void restore() {
        if (before == null) {
            System.clearProperty("jmamba.backends");
        } else {
            System.setProperty("jmamba.backends", before);
        }
    }

    @Test
    void jvmComesFirst() {
        System.setProperty("jmamba.backends", "jvm,opencl,cuda"); // as no filter, whatever JMAMBA_BACKENDS says
        assertEquals("jvm", DeviceMatrix.devices().getFirst().backendName());
    }

    @Test
    void filterKeepsOnlyTheListedBackends() {
        System.setProperty("jmamba.backends", " JVM ");
        assertFalse(DeviceMatrix.devices().isEmpty());
        assertTrue(DeviceMatrix.devices().stream().allMatch(d -> d.backendName().equals("jvm")), DeviceMatrix.devices().toString());
        System.setProperty("jmamba.backends", "opencl,cuda");
        assertTrue(DeviceMatrix.devices().stream().noneMatch(d -> d.backendName().equals("jvm")), DeviceMatrix.devices().toString());
    }
}
