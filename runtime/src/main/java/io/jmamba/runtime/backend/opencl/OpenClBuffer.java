package io.jmamba.runtime.backend.opencl;

import io.jmamba.runtime.backend.DeviceBuffer;

import java.lang.foreign.MemorySegment;

/**
 * A cl_mem owned by one {@link OpenClSession}. A zero-byte buffer has no cl_mem (OpenCL rejects empty
 * buffers); it is passed to kernels as a NULL pointer. Using a buffer after it was freed, or after its
 * session closed, throws IllegalStateException.
 */
final class OpenClBuffer implements DeviceBuffer {
    private final OpenClSession session;
    private final long byteSize;
    private MemorySegment mem;
    private boolean freed;

    OpenClBuffer(OpenClSession session, MemorySegment mem, long byteSize) {
        this.session = session;
        this.mem = mem;
        this.byteSize = byteSize;
    }

    @Override
    public long byteSize() {
        return byteSize;
    }

    @Override
    public void free() {
        session.free(this);
    }

    OpenClSession session() {
        return session;
    }

    /** The cl_mem (NULL for an empty buffer); throws when the buffer or its session is gone. */
    synchronized MemorySegment handle() {
        if (freed) {
            throw new IllegalStateException("device buffer of " + byteSize + " bytes on " + session.device().id()
                    + " was used after it was freed" + (session.isClosed() ? " (its session is closed)" : ""));
        }
        return mem;
    }

    synchronized boolean isFreed() {
        return freed;
    }

    /** Marks the buffer freed and hands back its cl_mem for release (null when already freed). */
    synchronized MemorySegment detach() {
        if (freed) {
            return null;
        }
        freed = true;
        MemorySegment m = mem;
        mem = MemorySegment.NULL;
        return m;
    }

    @Override
    public String toString() {
        return "OpenClBuffer[" + byteSize + " bytes on " + session.device().id() + (freed ? ", freed" : "") + "]";
    }
}
