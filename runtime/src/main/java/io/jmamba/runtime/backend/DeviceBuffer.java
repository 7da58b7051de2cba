package io.jmamba.runtime.backend;

/** Memory on a device, owned by the session that allocated it. */
public interface DeviceBuffer {
    long byteSize();

    /** Frees the memory now; freeing twice is harmless. Closing the session frees what is left. */
    void free();
}
