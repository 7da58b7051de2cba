package io.jmamba.bench.scaling;

import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceKind;
import io.jmamba.runtime.backend.DeviceSession;

/**
 * Stands for "the device" in harness tests whose series run on the host; it has a memory size (to
 * test skipping) and refuses sessions, so a series that tried to use it would fail loudly.
 */
record TestDevice(long globalMemoryBytes) implements ComputeDevice {
    @Override
    public String id() {
        return "test";
    }

    @Override
    public String name() {
        return "harness test device";
    }

    @Override
    public String backendName() {
        return "test";
    }

    @Override
    public DeviceKind kind() {
        return DeviceKind.GPU;
    }

    @Override
    public String description() {
        return "host-side series only";
    }

    @Override
    public long maxWorkGroupSize() {
        return 1;
    }

    @Override
    public DeviceSession openSession() {
        throw new UnsupportedOperationException("the harness test device runs no kernels");
    }
}
