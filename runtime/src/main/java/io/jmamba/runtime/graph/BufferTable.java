package io.jmamba.runtime.graph;

import io.jmamba.runtime.api.NativeArray;
import io.jmamba.runtime.backend.DeviceBuffer;
import io.jmamba.runtime.backend.DeviceSession;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The device buffer of each array a plan uses, made on first use and kept until the plan closes, so
 * that data stays on the device between tasks, executions and graphs of one plan.
 */
final class BufferTable {
    private final Map<NativeArray, DeviceBuffer> buffers = new IdentityHashMap<>();
    private long copyToDeviceNanos;
    private long copyToHostNanos;

    boolean has(NativeArray a) {
        return buffers.containsKey(a);
    }

    /**
     * The array's buffer; a new one is filled from the host array once, so that a task never reads
     * uninitialised device memory (an array that a graph names in transferToDevice is copied anyway).
     */
    DeviceBuffer bufferOf(DeviceSession session, NativeArray a) {
        DeviceBuffer b = buffers.get(a);
        if (b == null) {
            b = session.allocate(a.byteSize());
            buffers.put(a, b);
            toDevice(session, a);
        }
        return b;
    }

    void toDevice(DeviceSession session, NativeArray a) {
        DeviceBuffer b = buffers.get(a);
        if (b == null) {
            bufferOf(session, a); // allocating copies it in
            return;
        }
        long t = System.nanoTime();
        session.write(b, 0, a.getSegment());
        copyToDeviceNanos += System.nanoTime() - t;
    }

    void toHost(DeviceSession session, NativeArray a, String context) {
        DeviceBuffer b = buffers.get(a);
        if (b == null) {
            throw new IllegalStateException(context + ": " + a + " has no device copy in this plan (no task used it)");
        }
        long t = System.nanoTime();
        session.read(b, 0, a.getSegment());
        copyToHostNanos += System.nanoTime() - t;
    }

    long liveBytes() {
        return buffers.values().stream().mapToLong(DeviceBuffer::byteSize).sum();
    }

    long takeCopyToDeviceNanos() {
        long v = copyToDeviceNanos;
        copyToDeviceNanos = 0;
        return v;
    }

    long takeCopyToHostNanos() {
        long v = copyToHostNanos;
        copyToHostNanos = 0;
        return v;
    }

    void freeAll() {
        for (DeviceBuffer b : buffers.values()) {
            b.free();
        }
        buffers.clear();
    }
}
