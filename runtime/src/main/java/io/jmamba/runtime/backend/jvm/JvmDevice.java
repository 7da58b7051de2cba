package io.jmamba.runtime.backend.jvm;

import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceKind;
import io.jmamba.runtime.backend.DeviceSession;

/** The JVM as a device: host memory, {@code threads} worker threads. */
record JvmDevice(int threads) implements ComputeDevice {
    @Override
    public String id() {
        return "jvm";
    }

    @Override
    public String name() {
        return "JVM (" + threads + " threads)";
    }

    @Override
    public String backendName() {
        return "jvm";
    }

    @Override
    public DeviceKind kind() {
        return DeviceKind.JVM;
    }

    @Override
    public String description() {
        return "Java " + Runtime.version() + " on " + System.getProperty("os.arch") + ", " + threads
                + " threads, max heap " + (Runtime.getRuntime().maxMemory() >> 20) + " MiB; runs kernels as Java";
    }

    @Override
    public long globalMemoryBytes() {
        return Runtime.getRuntime().maxMemory();
    }

    @Override
    public long maxWorkGroupSize() {
        return 1024;
    }

    /** The processors the JVM may use (a kernel with a grid barrier still runs all its groups, on virtual threads). */
    @Override
    public int computeUnits() {
        return Math.max(1, threads);
    }

    @Override
    public DeviceSession openSession() {
        return new JvmSession(this);
    }
}
