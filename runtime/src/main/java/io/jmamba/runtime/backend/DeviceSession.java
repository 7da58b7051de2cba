package io.jmamba.runtime.backend;

import io.jmamba.runtime.api.DeviceOutOfMemoryException;

import java.lang.foreign.MemorySegment;

/**
 * A context on one device: memory, compiled kernels, an in-order queue. Operations run in the order
 * they are issued; {@link #synchronize()} waits for all of them. Closing the session frees every
 * buffer and kernel it made.
 */
public interface DeviceSession extends AutoCloseable {
    ComputeDevice device();

    /** @throws DeviceOutOfMemoryException when the device has not got {@code bytes} free */
    DeviceBuffer allocate(long bytes);

    /** Copies {@code src.byteSize()} bytes from the host into {@code dst} at {@code dstOffset}. */
    void write(DeviceBuffer dst, long dstOffset, MemorySegment src);

    /** Copies {@code dst.byteSize()} bytes from {@code src} at {@code srcOffset} into host memory. */
    void read(DeviceBuffer src, long srcOffset, MemorySegment dst);

    /** Compiles (or takes from the cache) the kernel for this device. */
    CompiledKernel compile(KernelRequest request);

    /**
     * Enqueues a launch. {@code args} has one entry per Java parameter: a {@link DeviceBuffer} for an
     * array, a boxed value for a scalar (specialised ones included: the backend ignores those), and
     * null for the KernelContext.
     *
     * @return the kernel's device time in nanoseconds when {@code profile} is set (the call then waits
     *         for the kernel), else -1
     */
    long launch(CompiledKernel kernel, LaunchGrid grid, Object[] args, boolean profile);

    /** Waits until everything issued so far has finished. */
    void synchronize();

    /** Frees all buffers and kernels of this session. */
    @Override
    void close();
}
