package io.jmamba.runtime.backend;

import java.util.List;
import java.util.Optional;

/**
 * One way of running kernels (CUDA, OpenCL, the JVM). Discovery never throws: a backend whose
 * library or driver is missing reports no devices and says why.
 */
public interface Backend {
    /** "cuda", "opencl" or "jvm". */
    String name();

    /** The devices found; empty when the backend is unavailable. */
    List<ComputeDevice> devices();

    /** Why the backend has no devices (what was looked for and not found); empty when it has some. */
    Optional<String> unavailableReason();
}
