package io.jmamba.bench.cli;

import io.jmamba.bench.scaling.MeasuredStep;
import io.jmamba.bench.scaling.Series;
import io.jmamba.bench.scaling.SeriesCatalog;
import io.jmamba.runtime.backend.DeviceMatrix;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bf16 conv1d series: bf16 bytes, the bf16 form of conv1d for --dtype bf16, and it runs on every device of the matrix. */
class Conv1dBf16SeriesTest {
    @Test
    void countsTwoBytesPerElementAndHasFixedShapes() {
        Series s = SeriesCatalog.select(List.of("conv1d-bf16")).getFirst();
        Series f = SeriesCatalog.select(List.of("conv1d")).getFirst();
        long len = 65536;
        assertEquals(2L * (2L * 1536 * len + 1536 * 4 + 1536), s.bytesMoved(len));
        assertEquals(f.bytesMoved(len), 2 * s.bytesMoved(len), "half the bytes of the float32 series");
        // bench kernels runs a bf16 form at its fp32 series' lengths
        assertEquals(List.of(65536L, 1L << 20), KernelsCommand.shapeOf(KernelsCommand.fixedShapes(), "conv1d-bf16"));
        assertEquals("conv1d-bf16", SeriesCatalog.formFor("conv1d", "bf16"));
        assertTrue(SeriesCatalog.scalingDefaults().stream().noneMatch(id -> id.equals("conv1d-bf16")));
        // the first bf16 kernel, beside it in one run: the bf16 form of conv1d-vector-8
        assertEquals("conv1d-vector-8-bf16", SeriesCatalog.formFor("conv1d-vector-8", "bf16"));
        assertEquals(s.bytesMoved(len), SeriesCatalog.select(List.of("conv1d-vector-8-bf16")).getFirst().bytesMoved(len));
        assertEquals(List.of(65536L, 1L << 20), KernelsCommand.shapeOf(KernelsCommand.fixedShapes(), "conv1d-vector-8-bf16"));
    }

    @TestFactory
    List<DynamicTest> preparesAndRunsAShortLength() {
        List<DynamicTest> tests = new java.util.ArrayList<>();
        for (var device : DeviceMatrix.devices()) {
            for (String id : List.of("conv1d-bf16", "conv1d-vector-8-bf16")) {
                tests.add(DynamicTest.dynamicTest(id + " L=100 on " + device.id(), () -> {
                    Series s = SeriesCatalog.select(List.of(id)).getFirst();
                    try (MeasuredStep step = s.prepare(device, 100)) {
                        step.run();
                        step.run();
                    }
                }));
            }
        }
        return tests;
    }
}
