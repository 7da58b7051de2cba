package io.jmamba.bench.portability;

import java.util.List;

/**
 * Everything the portability check found on one device.
 *
 * @param id          device id
 * @param name        device name
 * @param backend     backend name
 * @param kind        GPU, CPU, ...
 * @param description the device's own description (driver, memory, units)
 * @param conformance one per kernel
 * @param timings     one per timed kernel
 */
public record DeviceReport(String id, String name, String backend, String kind, String description,
                           List<ConformanceResult> conformance, List<KernelTiming> timings) {
    public long passed() {
        return conformance.stream().filter(ConformanceResult::pass).count();
    }
}
