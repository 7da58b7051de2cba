package io.jmamba.runtime.backend;

/** A device a backend found. Opening a session gives a context to allocate, compile and launch on it. */
public interface ComputeDevice {
    /** A stable id for the command line: "cuda:0", "opencl:0:1" (platform, device), "jvm". */
    String id();

    /** The device's own name ("NVIDIA H100 80GB HBM3", "cpu-haswell-...", "JVM (2 threads)"). */
    String name();

    /** The backend's name: "cuda", "opencl" or "jvm". */
    String backendName();

    DeviceKind kind();

    /** One line with the driver/platform version, compute units, memory. */
    String description();

    long globalMemoryBytes();

    /** The largest work-group size the device accepts. */
    long maxWorkGroupSize();

    /**
     * The device's compute units (CUDA multiprocessors, OpenCL compute units, the JVM's processors): what a
     * persistent kernel sizes its grid by.
     */
    default int computeUnits() {
        return 1;
    }

    /** Opens a context on the device; the caller closes it, which frees everything allocated in it. */
    DeviceSession openSession();
}
