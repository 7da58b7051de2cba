package io.jmamba.bench.scaling;

import io.jmamba.bench.scaling.series.AttentionBf16Series;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.Devices;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bf16 attention series: in the catalog under its bf16 id, sized in bf16 bytes, and runnable (JVM). */
class AttentionBf16SeriesTest {
    @Test
    void catalogHasItAndItRunsASmallLength() {
        Series s = SeriesCatalog.select(java.util.List.of("attention-bf16")).getFirst();
        assertEquals("attention-bf16", s.id());
        assertEquals(SeriesKind.ATTENTION, s.kind());
        assertEquals(2.0 * 4 * 12 * 64 * 1000, s.bytesMoved(1000));
        // the default staging (asynchronous copies) and its tiles
        assertTrue(s.label().contains("tiles 2x16 queries per warp, 64 keys, K/V by cp.async"), s.label());
        // the JVM device itself, not DeviceMatrix's, which JMAMBA_BACKENDS may filter (a GPU run leaves the JVM out)
        ComputeDevice jvm = Devices.find("jvm");
        try (MeasuredStep step = new AttentionBf16Series(1, 64).prepare(jvm, 70)) {
            step.run();
        }
    }
}
