package io.jmamba.bench.cli;

import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.Devices;

/** Resolves --device: an id or backend name, or the best device found. */
final class DeviceChoice {
    private DeviceChoice() {
    }

    static ComputeDevice resolve(BenchOptions o) {
        if (o.device() == null) {
            return Devices.best();
        }
        try {
            return Devices.find(o.device());
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new UsageException("--device " + o.device() + ": " + e.getMessage(), o.usage());
        }
    }
}
