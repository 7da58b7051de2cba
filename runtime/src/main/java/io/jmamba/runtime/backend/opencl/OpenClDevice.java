package io.jmamba.runtime.backend.opencl;

import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceKind;
import io.jmamba.runtime.backend.DeviceSession;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One OpenCL device of one platform, id "opencl:&lt;platform&gt;:&lt;device&gt;" (indices in the ICD loader's
 * order). It keeps a cache of built program binaries shared by all sessions opened on it.
 */
public final class OpenClDevice implements ComputeDevice {
    private final OpenCl cl;
    private final MemorySegment platform;
    private final MemorySegment device;
    private final String id;
    private final ClDeviceInfo info;
    private final ProgramBinaryCache binaries = new ProgramBinaryCache(256);
    /** Bytes held by all open sessions on this device (see {@link #reserve}). */
    private final AtomicLong reserved = new AtomicLong();

    OpenClDevice(OpenCl cl, MemorySegment platform, MemorySegment device, int platformIndex, int deviceIndex,
                 ClDeviceInfo info) {
        this.cl = cl;
        this.platform = platform;
        this.device = device;
        this.id = "opencl:" + platformIndex + ":" + deviceIndex;
        this.info = info;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public String name() {
        return info.name();
    }

    @Override
    public String backendName() {
        return "opencl";
    }

    @Override
    public DeviceKind kind() {
        return info.kind();
    }

    @Override
    public String description() {
        return info.describe();
    }

    @Override
    public long globalMemoryBytes() {
        return info.globalMemoryBytes();
    }

    @Override
    public long maxWorkGroupSize() {
        return info.maxWorkGroupSize();
    }

    /** CL_DEVICE_MAX_COMPUTE_UNITS (an NVIDIA GPU's multiprocessors, a CPU's hardware threads for PoCL). */
    @Override
    public int computeUnits() {
        return Math.max(1, info.computeUnits());
    }

    /** The largest single buffer the device accepts (CL_DEVICE_MAX_MEM_ALLOC_SIZE). */
    public long maxAllocationBytes() {
        return info.maxAllocationBytes();
    }

    /** Whether the device runs double-precision kernels. */
    public boolean supportsFp64() {
        return info.fp64();
    }

    /** The platform's name, e.g. "Portable Computing Language" or "NVIDIA CUDA". */
    public String platformName() {
        return info.platformName();
    }

    @Override
    public OpenClSession openSession() {
        return new OpenClSession(this);
    }

    OpenCl cl() {
        return cl;
    }

    MemorySegment platformHandle() {
        return platform;
    }

    MemorySegment deviceHandle() {
        return device;
    }

    ClDeviceInfo info() {
        return info;
    }

    /**
     * Counts {@code bytes} against the device's global memory; false when all sessions together would
     * hold more than it has. Drivers do not always refuse that themselves (PoCL overcommits host memory,
     * and the process is killed when the pages are touched), so the backend keeps the books.
     */
    boolean reserve(long bytes) {
        long limit = info.globalMemoryBytes();
        while (true) {
            long held = reserved.get();
            if (bytes > limit - held) {
                return false;
            }
            if (reserved.compareAndSet(held, held + bytes)) {
                return true;
            }
        }
    }

    void unreserve(long bytes) {
        reserved.addAndGet(-bytes);
    }

    /** Bytes all open sessions on this device hold now. */
    public long bytesReserved() {
        return reserved.get();
    }

    ProgramBinaryCache binaries() {
        return binaries;
    }

    @Override
    public String toString() {
        return id + " (" + info.name() + ")";
    }
}
