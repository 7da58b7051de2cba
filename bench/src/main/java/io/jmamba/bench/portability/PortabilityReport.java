package io.jmamba.bench.portability;

import java.util.List;

/**
 * {@code jmamba portability}'s JSON.
 *
 * @param date     ISO-8601 instant
 * @param command  the command line
 * @param devices  one per device of the device matrix, the JVM first
 * @param unavailable backends with no device, and why
 * @param allPassed whether every kernel conformed on every device
 */
public record PortabilityReport(String date, String command, List<DeviceReport> devices, List<String> unavailable,
                                boolean allPassed) {
}
