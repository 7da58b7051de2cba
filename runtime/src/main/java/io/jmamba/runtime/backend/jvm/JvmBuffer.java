package io.jmamba.runtime.backend.jvm;

import io.jmamba.runtime.backend.DeviceBuffer;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * "Device" memory of the JVM backend: a separate off-heap segment, so that transfers between the
 * host arrays and the plan's buffers behave exactly as on a GPU (an array not copied back is not
 * updated on the host).
 */
final class JvmBuffer implements DeviceBuffer {
    private final Arena arena = Arena.ofShared();
    private final MemorySegment segment;
    private boolean freed;

    JvmBuffer(long bytes) {
        this.segment = arena.allocate(Math.max(1, bytes), 64).asSlice(0, bytes);
    }

    MemorySegment segment() {
        if (freed) {
            throw new IllegalStateException("buffer of " + segment.byteSize() + " bytes used after it was freed");
        }
        return segment;
    }

    @Override
    public long byteSize() {
        return segment.byteSize();
    }

    @Override
    public synchronized void free() {
        if (!freed) {
            freed = true;
            arena.close();
        }
    }

    boolean isFreed() {
        return freed;
    }
}
