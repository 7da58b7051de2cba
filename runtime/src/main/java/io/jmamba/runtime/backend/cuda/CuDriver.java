package io.jmamba.runtime.backend.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

import static io.jmamba.runtime.backend.cuda.Ffm.fd;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * FFM bindings to the CUDA driver API (libcuda.so.1). Symbol names are the ones cuda.h maps the API
 * names to (cuMemAlloc -> cuMemAlloc_v2, ...), since the un-suffixed symbols are the old ABI.
 *
 * <p>Loading this class loads the library: callers check {@link CudaLibraries#driver()} first. Every
 * wrapper checks the CUresult and throws {@link CudaException} naming the call and cuGetErrorName.
 * Handles (CUcontext, CUmodule, CUfunction, CUstream, CUevent, CUgraph, CUgraphExec) are pointers;
 * CUdeviceptr is a 64-bit integer; CUdevice is an int ordinal.
 */
final class CuDriver {
    static final int CUDA_SUCCESS = 0;
    static final int CUDA_ERROR_OUT_OF_MEMORY = 2;
    static final int CUDA_ERROR_NOT_READY = 600;
    static final int CUDA_ERROR_NOT_SUPPORTED = 801;

    static final int ATTR_MAX_THREADS_PER_BLOCK = 1;
    static final int ATTR_MAX_BLOCK_DIM_X = 2;
    static final int ATTR_MAX_GRID_DIM_X = 5;
    static final int ATTR_MAX_SHARED_MEMORY_PER_BLOCK = 8;
    static final int ATTR_CLOCK_RATE = 13;
    static final int ATTR_MULTIPROCESSOR_COUNT = 16;
    static final int ATTR_MEMORY_CLOCK_RATE = 36;
    static final int ATTR_GLOBAL_MEMORY_BUS_WIDTH = 37;
    static final int ATTR_L2_CACHE_SIZE = 38;
    static final int ATTR_COMPUTE_CAPABILITY_MAJOR = 75;
    static final int ATTR_COMPUTE_CAPABILITY_MINOR = 76;

    static final int FUNC_ATTR_MAX_THREADS_PER_BLOCK = 0;
    static final int FUNC_ATTR_NUM_REGS = 4;

    static final int STREAM_CAPTURE_MODE_RELAXED = 2;
    static final int MEMHOSTALLOC_PORTABLE = 1;

    private static final SymbolLookup LIB = CudaLibraries.driver().require().lookup();

    private static MethodHandle fn(FunctionDescriptor d, String... names) {
        return Ffm.fn(LIB, "libcuda", d, names);
    }

    private static final MethodHandle GET_ERROR_NAME = fn(fd(JAVA_INT, JAVA_INT, ADDRESS), "cuGetErrorName");
    private static final MethodHandle GET_ERROR_STRING = fn(fd(JAVA_INT, JAVA_INT, ADDRESS), "cuGetErrorString");
    private static final MethodHandle INIT = fn(fd(JAVA_INT, JAVA_INT), "cuInit");
    private static final MethodHandle DRIVER_GET_VERSION = fn(fd(JAVA_INT, ADDRESS), "cuDriverGetVersion");
    private static final MethodHandle DEVICE_GET_COUNT = fn(fd(JAVA_INT, ADDRESS), "cuDeviceGetCount");
    private static final MethodHandle DEVICE_GET = fn(fd(JAVA_INT, ADDRESS, JAVA_INT), "cuDeviceGet");
    private static final MethodHandle DEVICE_GET_NAME = fn(fd(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), "cuDeviceGetName");
    private static final MethodHandle DEVICE_GET_ATTRIBUTE = fn(fd(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), "cuDeviceGetAttribute");
    private static final MethodHandle DEVICE_TOTAL_MEM = fn(fd(JAVA_INT, ADDRESS, JAVA_INT), "cuDeviceTotalMem_v2");
    private static final MethodHandle PRIMARY_CTX_RETAIN = fn(fd(JAVA_INT, ADDRESS, JAVA_INT), "cuDevicePrimaryCtxRetain");
    private static final MethodHandle PRIMARY_CTX_RELEASE = fn(fd(JAVA_INT, JAVA_INT), "cuDevicePrimaryCtxRelease_v2");
    private static final MethodHandle CTX_SET_CURRENT = fn(fd(JAVA_INT, ADDRESS), "cuCtxSetCurrent");
    private static final MethodHandle MEM_ALLOC = fn(fd(JAVA_INT, ADDRESS, JAVA_LONG), "cuMemAlloc_v2");
    private static final MethodHandle MEM_FREE = fn(fd(JAVA_INT, JAVA_LONG), "cuMemFree_v2");
    private static final MethodHandle MEM_GET_INFO = fn(fd(JAVA_INT, ADDRESS, ADDRESS), "cuMemGetInfo_v2");
    private static final MethodHandle MEM_HOST_ALLOC = fn(fd(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT), "cuMemHostAlloc");
    private static final MethodHandle MEM_FREE_HOST = fn(fd(JAVA_INT, ADDRESS), "cuMemFreeHost");
    private static final MethodHandle MEMCPY_HTOD = fn(fd(JAVA_INT, JAVA_LONG, ADDRESS, JAVA_LONG), "cuMemcpyHtoD_v2");
    private static final MethodHandle MEMCPY_DTOH = fn(fd(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG), "cuMemcpyDtoH_v2");
    private static final MethodHandle MEMCPY_DTOD = fn(fd(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG), "cuMemcpyDtoD_v2");
    private static final MethodHandle MEMCPY_HTOD_ASYNC = fn(fd(JAVA_INT, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS), "cuMemcpyHtoDAsync_v2");
    private static final MethodHandle MEMCPY_DTOH_ASYNC = fn(fd(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS), "cuMemcpyDtoHAsync_v2");
    private static final MethodHandle MEMCPY_DTOD_ASYNC = fn(fd(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS), "cuMemcpyDtoDAsync_v2");
    private static final MethodHandle MEMSET_D8_ASYNC = fn(fd(JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG, ADDRESS), "cuMemsetD8Async");
    private static final MethodHandle MODULE_LOAD_DATA = fn(fd(JAVA_INT, ADDRESS, ADDRESS), "cuModuleLoadData");
    private static final MethodHandle MODULE_GET_FUNCTION = fn(fd(JAVA_INT, ADDRESS, ADDRESS, ADDRESS), "cuModuleGetFunction");
    private static final MethodHandle MODULE_UNLOAD = fn(fd(JAVA_INT, ADDRESS), "cuModuleUnload");
    private static final MethodHandle FUNC_GET_ATTRIBUTE = fn(fd(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS), "cuFuncGetAttribute");
    private static final MethodHandle LAUNCH_KERNEL = fn(fd(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT,
            JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS), "cuLaunchKernel");
    /** cuLaunchKernelEx (CUDA 11.8+); null where the driver lacks it (then every launch is plain). */
    private static final MethodHandle LAUNCH_KERNEL_EX = LIB.find("cuLaunchKernelEx").map(s ->
            java.lang.foreign.Linker.nativeLinker().downcallHandle(s, fd(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS))).orElse(null);
    /** cuLaunchCooperativeKernel (CUDA 9+): grid barriers where cuLaunchKernelEx is missing; null where absent. */
    private static final MethodHandle LAUNCH_COOPERATIVE_KERNEL = LIB.find("cuLaunchCooperativeKernel").map(s ->
            java.lang.foreign.Linker.nativeLinker().downcallHandle(s, fd(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT,
                    JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS))).orElse(null);
    /** cuOccupancyMaxActiveBlocksPerMultiprocessor (CUDA 6.5+); looked up softly, so that its absence only fails grid barriers. */
    private static final MethodHandle OCCUPANCY_MAX_ACTIVE_BLOCKS = LIB.find("cuOccupancyMaxActiveBlocksPerMultiprocessor").map(s ->
            java.lang.foreign.Linker.nativeLinker().downcallHandle(s, fd(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG)))
            .orElse(null);
    private static final MethodHandle STREAM_CREATE = fn(fd(JAVA_INT, ADDRESS, JAVA_INT), "cuStreamCreate");
    private static final MethodHandle STREAM_DESTROY = fn(fd(JAVA_INT, ADDRESS), "cuStreamDestroy_v2");
    private static final MethodHandle STREAM_SYNCHRONIZE = fn(fd(JAVA_INT, ADDRESS), "cuStreamSynchronize");
    private static final MethodHandle EVENT_CREATE = fn(fd(JAVA_INT, ADDRESS, JAVA_INT), "cuEventCreate");
    private static final MethodHandle EVENT_DESTROY = fn(fd(JAVA_INT, ADDRESS), "cuEventDestroy_v2");
    private static final MethodHandle EVENT_RECORD = fn(fd(JAVA_INT, ADDRESS, ADDRESS), "cuEventRecord");
    private static final MethodHandle EVENT_SYNCHRONIZE = fn(fd(JAVA_INT, ADDRESS), "cuEventSynchronize");
    private static final MethodHandle EVENT_ELAPSED_TIME = fn(fd(JAVA_INT, ADDRESS, ADDRESS, ADDRESS),
            "cuEventElapsedTime_v2", "cuEventElapsedTime");
    private static final MethodHandle STREAM_BEGIN_CAPTURE = fn(fd(JAVA_INT, ADDRESS, JAVA_INT), "cuStreamBeginCapture_v2");
    private static final MethodHandle STREAM_END_CAPTURE = fn(fd(JAVA_INT, ADDRESS, ADDRESS), "cuStreamEndCapture");
    private static final MethodHandle GRAPH_INSTANTIATE = fn(fd(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG), "cuGraphInstantiateWithFlags");
    private static final MethodHandle GRAPH_LAUNCH = fn(fd(JAVA_INT, ADDRESS, ADDRESS), "cuGraphLaunch");
    private static final MethodHandle GRAPH_EXEC_DESTROY = fn(fd(JAVA_INT, ADDRESS), "cuGraphExecDestroy");
    private static final MethodHandle GRAPH_DESTROY = fn(fd(JAVA_INT, ADDRESS), "cuGraphDestroy");

    private CuDriver() {
    }

    /** Throws {@link CudaException} unless {@code rc} is CUDA_SUCCESS. */
    static void check(String call, int rc) {
        if (rc != CUDA_SUCCESS) {
            throw new CudaException(call, rc, errorName(rc));
        }
    }

    /** cuGetErrorName and cuGetErrorString of a CUresult ("CUDA_ERROR_OUT_OF_MEMORY: out of memory"). */
    static String errorName(int rc) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(ADDRESS);
            String name = (int) GET_ERROR_NAME.invokeExact(rc, p) == 0 ? Ffm.cString(p.get(ADDRESS, 0)) : "CUresult " + rc;
            String text = (int) GET_ERROR_STRING.invokeExact(rc, p) == 0 ? Ffm.cString(p.get(ADDRESS, 0)) : "";
            return text.isEmpty() ? name : name + ": " + text;
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    static void init() {
        try {
            check("cuInit", (int) INIT.invokeExact(0));
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    static int driverVersion() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check("cuDriverGetVersion", (int) DRIVER_GET_VERSION.invokeExact(v));
            return v.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    static int deviceCount() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check("cuDeviceGetCount", (int) DEVICE_GET_COUNT.invokeExact(v));
            return v.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    static int device(int ordinal) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check("cuDeviceGet(" + ordinal + ")", (int) DEVICE_GET.invokeExact(v, ordinal));
            return v.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    static String deviceName(int dev) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(256);
            check("cuDeviceGetName", (int) DEVICE_GET_NAME.invokeExact(v, 256, dev));
            return v.getString(0);
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    static int deviceAttribute(int dev, int attribute) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check("cuDeviceGetAttribute(" + attribute + ")", (int) DEVICE_GET_ATTRIBUTE.invokeExact(v, attribute, dev));
            return v.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    static long deviceTotalMem(int dev) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_LONG);
            check("cuDeviceTotalMem_v2", (int) DEVICE_TOTAL_MEM.invokeExact(v, dev));
            return v.get(JAVA_LONG, 0);
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    static MemorySegment primaryCtxRetain(int dev) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ADDRESS);
            check("cuDevicePrimaryCtxRetain", (int) PRIMARY_CTX_RETAIN.invokeExact(v, dev));
            return v.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    static void primaryCtxRelease(int dev) {
        try {
            check("cuDevicePrimaryCtxRelease_v2", (int) PRIMARY_CTX_RELEASE.invokeExact(dev));
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    static void ctxSetCurrent(MemorySegment ctx) {
        try {
            check("cuCtxSetCurrent", (int) CTX_SET_CURRENT.invokeExact(ctx));
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    /** cuMemAlloc_v2; returns the CUresult so that the caller can turn an out-of-memory into its own exception. */
    static int memAlloc(MemorySegment outPtr, long bytes) {
        try {
            return (int) MEM_ALLOC.invokeExact(outPtr, bytes);
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    static void memFree(long ptr) {
        try {
            check("cuMemFree_v2", (int) MEM_FREE.invokeExact(ptr));
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    /** {free, total} bytes of the current context's device. */
    static long[] memGetInfo() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment free = a.allocate(JAVA_LONG);
            MemorySegment total = a.allocate(JAVA_LONG);
            check("cuMemGetInfo_v2", (int) MEM_GET_INFO.invokeExact(free, total));
            return new long[]{free.get(JAVA_LONG, 0), total.get(JAVA_LONG, 0)};
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    /** Page-locked host memory, mapped for the device's DMA engines; free with {@link #memFreeHost}. */
    static MemorySegment memHostAlloc(long bytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ADDRESS);
            check("cuMemHostAlloc(" + bytes + " bytes)", (int) MEM_HOST_ALLOC.invokeExact(v, bytes, MEMHOSTALLOC_PORTABLE));
            return v.get(ADDRESS, 0).reinterpret(bytes);
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    static void memFreeHost(MemorySegment p) {
        try {
            check("cuMemFreeHost", (int) MEM_FREE_HOST.invokeExact(p));
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    static void memcpyHtoD(long dst, MemorySegment src, long bytes) {
        try {
            check("cuMemcpyHtoD_v2", (int) MEMCPY_HTOD.invokeExact(dst, src, bytes));
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    static void memcpyDtoH(MemorySegment dst, long src, long bytes) {
        try {
            check("cuMemcpyDtoH_v2", (int) MEMCPY_DTOH.invokeExact(dst, src, bytes));
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    static void memcpyDtoD(long dst, long src, long bytes) {
        try {
            check("cuMemcpyDtoD_v2", (int) MEMCPY_DTOD.invokeExact(dst, src, bytes));
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    static void memcpyHtoDAsync(long dst, MemorySegment src, long bytes, MemorySegment stream) {
        try {
            check("cuMemcpyHtoDAsync_v2", (int) MEMCPY_HTOD_ASYNC.invokeExact(dst, src, bytes, stream));
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    static void memcpyDtoHAsync(MemorySegment dst, long src, long bytes, MemorySegment stream) {
        try {
            check("cuMemcpyDtoHAsync_v2", (int) MEMCPY_DTOH_ASYNC.invokeExact(dst, src, bytes, stream));
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    static void memcpyDtoDAsync(long dst, long src, long bytes, MemorySegment stream) {
        try {
            check("cuMemcpyDtoDAsync_v2", (int) MEMCPY_DTOD_ASYNC.invokeExact(dst, src, bytes, stream));
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    static void memsetD8Async(long dst, int value, long bytes, MemorySegment stream) {
        try {
            check("cuMemsetD8Async", (int) MEMSET_D8_ASYNC.invokeExact(dst, value, bytes, stream));
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    /** Loads a module from a NUL-terminated PTX image (or a cubin); returns the CUresult and the module in {@code out}. */
    static int moduleLoadData(MemorySegment out, MemorySegment image) {
        try {
            return (int) MODULE_LOAD_DATA.invokeExact(out, image);
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    static MemorySegment moduleGetFunction(MemorySegment module, String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ADDRESS);
            check("cuModuleGetFunction(" + name + ")", (int) MODULE_GET_FUNCTION.invokeExact(v, module, a.allocateFrom(name)));
            return v.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    static void moduleUnload(MemorySegment module) {
        try {
            check("cuModuleUnload", (int) MODULE_UNLOAD.invokeExact(module));
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    static int funcAttribute(MemorySegment function, int attribute) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check("cuFuncGetAttribute(" + attribute + ")", (int) FUNC_GET_ATTRIBUTE.invokeExact(v, attribute, function));
            return v.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    /** cuLaunchKernel; returns the CUresult (the caller names the kernel in its exception). */
    static int launchKernel(MemorySegment f, int gx, int gy, int gz, int bx, int by, int bz, int sharedBytes,
                            MemorySegment stream, MemorySegment params) {
        try {
            return (int) LAUNCH_KERNEL.invokeExact(f, gx, gy, gz, bx, by, bz, sharedBytes, stream, params, MemorySegment.NULL);
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    /** Whether the driver exports cuLaunchKernelEx. */
    static boolean hasLaunchKernelEx() {
        return LAUNCH_KERNEL_EX != null;
    }

    /**
     * cuLaunchKernelEx with the configuration {@code config} ({@link LaunchAttributes} wrote it); returns the
     * CUresult (the caller names the kernel in its exception).
     */
    static int launchKernelEx(MemorySegment config, MemorySegment f, MemorySegment params) {
        try {
            return (int) LAUNCH_KERNEL_EX.invokeExact(config, f, params, MemorySegment.NULL);
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    /** Whether the driver exports cuLaunchCooperativeKernel. */
    static boolean hasLaunchCooperativeKernel() {
        return LAUNCH_COOPERATIVE_KERNEL != null;
    }

    /** cuLaunchCooperativeKernel; returns the CUresult (the caller names the kernel in its exception). */
    static int launchCooperativeKernel(MemorySegment f, int gx, int gy, int gz, int bx, int by, int bz, int sharedBytes,
                                       MemorySegment stream, MemorySegment params) {
        try {
            return (int) LAUNCH_COOPERATIVE_KERNEL.invokeExact(f, gx, gy, gz, bx, by, bz, sharedBytes, stream, params);
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    /**
     * cuOccupancyMaxActiveBlocksPerMultiprocessor: how many blocks of {@code blockSize} threads of {@code f}
     * (with {@code dynamicSharedBytes} of dynamic shared memory) one multiprocessor holds at once.
     */
    static int occupancyMaxActiveBlocksPerMultiprocessor(MemorySegment f, int blockSize, long dynamicSharedBytes) {
        if (OCCUPANCY_MAX_ACTIVE_BLOCKS == null) {
            throw new UnsupportedOperationException("libcuda has no cuOccupancyMaxActiveBlocksPerMultiprocessor (driver too old "
                    + "for KernelContext.gridBarrier's co-residency check)");
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check("cuOccupancyMaxActiveBlocksPerMultiprocessor(block " + blockSize + ")",
                    (int) OCCUPANCY_MAX_ACTIVE_BLOCKS.invokeExact(v, f, blockSize, dynamicSharedBytes));
            return v.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    static MemorySegment streamCreate(int flags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ADDRESS);
            check("cuStreamCreate", (int) STREAM_CREATE.invokeExact(v, flags));
            return v.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    static void streamDestroy(MemorySegment s) {
        try {
            check("cuStreamDestroy_v2", (int) STREAM_DESTROY.invokeExact(s));
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    static void streamSynchronize(MemorySegment s) {
        try {
            check("cuStreamSynchronize", (int) STREAM_SYNCHRONIZE.invokeExact(s));
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    static MemorySegment eventCreate(int flags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ADDRESS);
            check("cuEventCreate", (int) EVENT_CREATE.invokeExact(v, flags));
            return v.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    static void eventDestroy(MemorySegment e) {
        try {
            check("cuEventDestroy_v2", (int) EVENT_DESTROY.invokeExact(e));
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    static void eventRecord(MemorySegment e, MemorySegment stream) {
        try {
            check("cuEventRecord", (int) EVENT_RECORD.invokeExact(e, stream));
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    static void eventSynchronize(MemorySegment e) {
        try {
            check("cuEventSynchronize", (int) EVENT_SYNCHRONIZE.invokeExact(e));
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    /** Milliseconds between two recorded events (resolution about 0.5 us). */
    static float eventElapsedMillis(MemorySegment out, MemorySegment start, MemorySegment end) {
        try {
            check("cuEventElapsedTime", (int) EVENT_ELAPSED_TIME.invokeExact(out, start, end));
            return out.get(JAVA_FLOAT, 0);
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    static void streamBeginCapture(MemorySegment stream, int mode) {
        try {
            check("cuStreamBeginCapture_v2", (int) STREAM_BEGIN_CAPTURE.invokeExact(stream, mode));
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    static MemorySegment streamEndCapture(MemorySegment stream) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ADDRESS);
            check("cuStreamEndCapture", (int) STREAM_END_CAPTURE.invokeExact(stream, v));
            return v.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    static MemorySegment graphInstantiate(MemorySegment graph) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ADDRESS);
            check("cuGraphInstantiateWithFlags", (int) GRAPH_INSTANTIATE.invokeExact(v, graph, 0L));
            return v.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    static void graphLaunch(MemorySegment exec, MemorySegment stream) {
        try {
            check("cuGraphLaunch", (int) GRAPH_LAUNCH.invokeExact(exec, stream));
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    static void graphExecDestroy(MemorySegment exec) {
        try {
            check("cuGraphExecDestroy", (int) GRAPH_EXEC_DESTROY.invokeExact(exec));
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    static void graphDestroy(MemorySegment graph) {
        try {
            check("cuGraphDestroy", (int) GRAPH_DESTROY.invokeExact(graph));
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }
}
