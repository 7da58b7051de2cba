package io.jmamba.bench.cli;

import io.jmamba.bench.scaling.MeasuredStep;
import io.jmamba.bench.scaling.Series;
import io.jmamba.bench.scaling.SeriesCatalog;
import io.jmamba.runtime.backend.DeviceMatrix;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tensor-core SSD series "ssd-bf16" (bf16 inputs): its bytes,
 * its fixed shapes in bench kernels, and a short run on every device (slow: off CUDA
 * the tensor-core products are emulated with work-group barriers).
 */
class SsdTensorSeriesTest {
    @Test
    void bf16CountsTwoBytesPerActivationAndHasFixedShapes() {
        Series bf16 = SeriesCatalog.select(List.of("ssd-bf16")).getFirst();
        long len = 65536;
        assertEquals(2L * (2L * 24 * 64 * len + 24L * len + 2L * 128 * len) + 4L * 3 * 24, bf16.bytesMoved(len));
        assertEquals(List.of(16384L, 65536L, 1L << 20), KernelsCommand.shapeOf(KernelsCommand.fixedShapes(), "ssd-bf16"));
        assertTrue(SeriesCatalog.scalingDefaults().stream().noneMatch(id -> id.equals("ssd-bf16")));
    }

    @Tag("slow")
    @TestFactory
    List<DynamicTest> preparesAndRunsAShortLength() {
        List<DynamicTest> tests = new ArrayList<>();
        for (var device : DeviceMatrix.devices()) {
            for (String id : List.of("ssd-bf16")) {
                tests.add(DynamicTest.dynamicTest(id + " L=100 on " + device.id(), () -> {
                    Series s = SeriesCatalog.select(List.of(id)).getFirst();
                    try (MeasuredStep step = s.prepare(device, 100)) {
                        step.run();
                    }
                }));
            }
        }
        return tests;
    }
}
