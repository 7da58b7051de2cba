package io.jmamba.runtime.graph;

import io.jmamba.runtime.backend.DeviceSession;

import java.util.List;

/**
 * A task implemented by a device library instead of a compiled kernel (a cuBLAS GEMM, say). It gets
 * the session and, per argument, the device buffer of each array (or the scalar itself).
 */
@FunctionalInterface
public interface LibraryCall {
    void run(DeviceSession session, List<Object> deviceArgs);
}
