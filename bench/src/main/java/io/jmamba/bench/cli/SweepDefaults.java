package io.jmamba.bench.cli;

import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceKind;

/**
 * Defaults sized for the device, so that {@code jmamba bench} with no options finishes in a few
 * minutes: a GPU sweeps 1K..1M tokens within about 2 minutes; a CPU (PoCL or the JVM, possibly two
 * cores) sweeps 1K..16K within about 5.
 */
record SweepDefaults(long minLength, long maxLength, int step, int warmup, int runs, double timeBudgetSeconds) {

    static SweepDefaults forDevice(ComputeDevice device) {
        if (device.kind() == DeviceKind.GPU || device.kind() == DeviceKind.ACCELERATOR) {
            return new SweepDefaults(1L << 10, 1L << 20, 2, 3, 10, 100);
        }
        return new SweepDefaults(1L << 10, 1L << 14, 2, 1, 3, 240);
    }
}
