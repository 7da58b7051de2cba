package io.jmamba.runtime.backend.cuda;

import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceKind;
import io.jmamba.runtime.backend.DeviceSession;

import java.util.Locale;

/** One CUDA GPU as the driver reports it. Sessions on it share the device's primary context. */
public final class CudaDevice implements ComputeDevice {
    private final int ordinal;
    private final int handle;
    private final String name;
    private final int ccMajor;
    private final int ccMinor;
    private final int multiprocessors;
    private final long totalMemory;
    private final int maxThreadsPerBlock;
    private final int maxSharedMemoryPerBlock;
    private final int driverVersion;
    private final String libraryPath;

    private CudaDevice(int ordinal, int handle, String name, int ccMajor, int ccMinor, int multiprocessors,
                       long totalMemory, int maxThreadsPerBlock, int maxSharedMemoryPerBlock, int driverVersion,
                       String libraryPath) {
        this.ordinal = ordinal;
        this.handle = handle;
        this.name = name;
        this.ccMajor = ccMajor;
        this.ccMinor = ccMinor;
        this.multiprocessors = multiprocessors;
        this.totalMemory = totalMemory;
        this.maxThreadsPerBlock = maxThreadsPerBlock;
        this.maxSharedMemoryPerBlock = maxSharedMemoryPerBlock;
        this.driverVersion = driverVersion;
        this.libraryPath = libraryPath;
    }

    static CudaDevice probe(int ordinal, int driverVersion, String libraryPath) {
        int dev = CuDriver.device(ordinal);
        return new CudaDevice(ordinal, dev, CuDriver.deviceName(dev),
                CuDriver.deviceAttribute(dev, CuDriver.ATTR_COMPUTE_CAPABILITY_MAJOR),
                CuDriver.deviceAttribute(dev, CuDriver.ATTR_COMPUTE_CAPABILITY_MINOR),
                CuDriver.deviceAttribute(dev, CuDriver.ATTR_MULTIPROCESSOR_COUNT),
                CuDriver.deviceTotalMem(dev),
                CuDriver.deviceAttribute(dev, CuDriver.ATTR_MAX_THREADS_PER_BLOCK),
                CuDriver.deviceAttribute(dev, CuDriver.ATTR_MAX_SHARED_MEMORY_PER_BLOCK),
                driverVersion, libraryPath);
    }

    @Override
    public String id() {
        return "cuda:" + ordinal;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String backendName() {
        return "cuda";
    }

    @Override
    public DeviceKind kind() {
        return DeviceKind.GPU;
    }

    @Override
    public String description() {
        return String.format(Locale.ROOT, "%s, compute capability %d.%d, %d SMs, %.1f GiB, CUDA driver %d.%d (%s)",
                name, ccMajor, ccMinor, multiprocessors, totalMemory / (double) (1L << 30),
                driverVersion / 1000, (driverVersion % 1000) / 10, libraryPath);
    }

    @Override
    public long globalMemoryBytes() {
        return totalMemory;
    }

    @Override
    public long maxWorkGroupSize() {
        return maxThreadsPerBlock;
    }

    /** The multiprocessors (CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT). */
    @Override
    public int computeUnits() {
        return multiprocessors;
    }

    @Override
    public DeviceSession openSession() {
        return new CudaSession(this);
    }

    /** Opens a session with the CUDA-specific operations (pinned memory, device copies, cuBLAS, PTX). */
    public CudaSession openCudaSession() {
        return new CudaSession(this);
    }

    /** The CUdevice handle. */
    int handle() {
        return handle;
    }

    public int ordinal() {
        return ordinal;
    }

    public int computeCapabilityMajor() {
        return ccMajor;
    }

    public int computeCapabilityMinor() {
        return ccMinor;
    }

    /** The CUDA driver's version, as cuDriverGetVersion gives it (12030 for 12.3). */
    public int driverVersion() {
        return driverVersion;
    }

    /** "90" for compute capability 9.0: what NVRTC's --gpu-architecture=compute_XY wants. */
    public String architecture() {
        return ccMajor + "" + ccMinor;
    }

    public int multiprocessorCount() {
        return multiprocessors;
    }

    public int maxSharedMemoryPerBlock() {
        return maxSharedMemoryPerBlock;
    }

    @Override
    public String toString() {
        return id() + " (" + name + ")";
    }
}
