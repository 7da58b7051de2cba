package io.jmamba.runtime.backend.cuda;

import io.jmamba.runtime.backend.DeviceBuffer;

/** Device memory from cuMemAlloc, owned by one {@link CudaSession}. */
public final class CudaBuffer implements DeviceBuffer {
    private final CudaSession session;
    private final long pointer;
    private final long bytes;
    private volatile boolean freed;

    CudaBuffer(CudaSession session, long pointer, long bytes) {
        this.session = session;
        this.pointer = pointer;
        this.bytes = bytes;
    }

    /** The CUdeviceptr (what a kernel parameter {@code T*} or a cuBLAS matrix pointer takes). */
    public long devicePointer() {
        if (freed) {
            throw new IllegalStateException("device buffer of " + bytes + " bytes was freed");
        }
        return pointer;
    }

    /** The pointer even after free (for the session's own bookkeeping). */
    long devicePointerUnchecked() {
        return pointer;
    }

    @Override
    public long byteSize() {
        return bytes;
    }

    CudaSession session() {
        return session;
    }

    boolean isFreed() {
        return freed;
    }

    /** Marks the buffer freed; returns false when it already was (so the memory is freed once). */
    boolean markFreed() {
        synchronized (this) {
            if (freed) {
                return false;
            }
            freed = true;
            return true;
        }
    }

    @Override
    public void free() {
        session.free(this);
    }

    @Override
    public String toString() {
        return "CudaBuffer[" + bytes + " bytes at 0x" + Long.toHexString(pointer) + (freed ? ", freed]" : "]");
    }
}
