package io.jmamba.bench.cli;

import io.jmamba.bench.scaling.MeasuredStep;
import io.jmamba.bench.scaling.Series;
import io.jmamba.bench.scaling.SeriesCatalog;
import io.jmamba.kernels.ssd.SsdScan;
import io.jmamba.runtime.backend.DeviceMatrix;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fp32 SSD series: "ssd" runs the device's default kernels ({@link SsdScan#defaultFor}, the 3xTF32 tensor-core
 * kernels on CUDA), "ssd-blocked_wide" and "ssd-tensor_3xtf32" name theirs (outside the default sweep), and "ssd" and
 * "ssd-blocked_wide" run a length of several chunks on every device.
 */
class SsdSeriesTest {
    @Test
    void theCatalogsSsdIsTheDeviceDefaultAndANamedVariantSaysSo() {
        Series s = SeriesCatalog.select(List.of("ssd")).getFirst();
        assertEquals("ssd", s.id());
        assertFalse(s.label().contains("kernels"), "no variant named: " + s.label());
        Series wide = SeriesCatalog.select(List.of("ssd-blocked_wide")).getFirst();
        assertEquals("ssd-blocked_wide", wide.id());
        assertTrue(wide.label().contains("blocked_wide kernels"), wide.label());
        assertEquals("ssd-tensor_3xtf32", SeriesCatalog.select(List.of("ssd-tensor_3xtf32")).getFirst().id());
        // the named kernels are for timing against each other; a default sweep runs "ssd" once
        assertTrue(SeriesCatalog.scalingDefaults().contains("ssd"));
        assertTrue(SeriesCatalog.scalingDefaults().stream().noneMatch(id -> id.startsWith("ssd-")),
                SeriesCatalog.scalingDefaults().toString());
    }

    @TestFactory
    List<DynamicTest> preparesAndRunsSeveralChunks() {
        List<DynamicTest> tests = new ArrayList<>();
        for (var device : DeviceMatrix.devices()) {
            List<Series> series = SeriesCatalog.select(List.of("ssd", "ssd-blocked_wide"));
            for (Series s : series) {
                tests.add(DynamicTest.dynamicTest(s.id() + " L=600 on " + device.id(), () -> {
                    try (MeasuredStep step = s.prepare(device, 600)) {
                        step.run();
                        step.run();
                    }
                }));
            }
        }
        return tests;
    }
}
