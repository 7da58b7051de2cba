package io.jmamba.bench.portability;

import io.jmamba.runtime.backend.ComputeDevice;

/**
 * A kernel at a small fixed shape with fixed inputs, run on a device to compare its outputs with the
 * JVM backend's (which runs the Java method itself: the reference).
 */
public interface ConformanceCase {
    /** The kernel's id ("selective-scan"). */
    String id();

    /** The shape, in words ("b2 d64 n16 L300"). */
    String shape();

    /** Runs the kernel on {@code device} and returns every output, flattened and concatenated. */
    float[] run(ComputeDevice device);

    /**
     * The largest absolute difference accepted: by default the project's float32 bound,
     * 1e-4 x max(1, max|reference|).
     */
    default double tolerance(float[] reference) {
        double max = 0;
        for (float v : reference) {
            max = Math.max(max, Math.abs(v));
        }
        return 1e-4 * Math.max(1, max);
    }
}
