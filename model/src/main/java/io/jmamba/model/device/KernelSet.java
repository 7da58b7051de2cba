package io.jmamba.model.device;

/** Which kernels the device engine builds its graphs from. */
public enum KernelSet {
    /**
     * The kernels module: tiled GEMM/GEMV, the chunked parallel selective scan and SSD for prefill,
     * the conv update and selective state update for decode.
     */
    FAST,
    /**
     * The model's own plain kernels ({@link RecurrentKernels}, {@link ModelKernels}): one work-item
     * per channel walking the sequence, the same graph for prefill and decode. Slow; a second
     * implementation to check the fast one against.
     */
    PORTABLE;

    /**
     * FAST on compiled devices; PORTABLE on the JVM backend, which runs the fast kernels' work-groups
     * as threads with real barriers (correct, but a decode step of even a tiny model takes seconds).
     */
    public static KernelSet defaultFor(io.jmamba.runtime.backend.ComputeDevice device) {
        return device.backendName().equals("jvm") ? PORTABLE : FAST;
    }
}
