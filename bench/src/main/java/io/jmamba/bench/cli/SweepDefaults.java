package io.jmamba.bench.cli;

import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceKind;

/**
 * Defaults sized for the device, so that {@code jmamba bench} with no options finishes in a few
 * minutes: a GPU sweeps 1K..1M tokens in x4 steps within about 2 minutes; a CPU (PoCL or the JVM, possibly two
 * cores) sweeps 256..16K within about 5, starting shorter so that even the slow whole-block series
 * get the three points a slope needs. Every point's preparation already runs the layer once
 * (compiling it and copying the inputs), so the CPU needs no further warm-up.
 */
record SweepDefaults(long minLength, long maxLength, int step, int warmup, int runs, double timeBudgetSeconds) {

    static SweepDefaults forDevice(ComputeDevice device) {
        if (device.kind() == DeviceKind.GPU || device.kind() == DeviceKind.ACCELERATOR) {
            // x4 steps (1K, 4K, ..., 1M): at 1M a point's set-up (gigabytes to copy in) outweighs its runs
            return new SweepDefaults(1L << 10, 1L << 20, 4, 2, 5, 100);
        }
        return new SweepDefaults(256, 1L << 14, 2, 0, 3, 240);
    }
}
