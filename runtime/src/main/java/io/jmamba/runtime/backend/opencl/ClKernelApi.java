package io.jmamba.runtime.backend.opencl;

import io.jmamba.runtime.backend.ffm.NativeCall;
import io.jmamba.runtime.backend.ffm.NativeLibrary;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** Kernels: clCreateKernel, clSetKernelArg, clEnqueueNDRangeKernel, clGetKernelWorkGroupInfo, clReleaseKernel. */
final class ClKernelApi {
    private final MethodHandle createKernel;
    private final MethodHandle setKernelArg;
    private final MethodHandle enqueueNDRangeKernel;
    private final MethodHandle getWorkGroupInfo;
    private final MethodHandle releaseKernel;

    ClKernelApi(NativeLibrary lib) {
        createKernel = lib.downcall("clCreateKernel", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        setKernelArg = lib.downcall("clSetKernelArg", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS));
        enqueueNDRangeKernel = lib.downcall("clEnqueueNDRangeKernel", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS,
                JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
        getWorkGroupInfo = lib.downcall("clGetKernelWorkGroupInfo",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS));
        releaseKernel = lib.downcall("clReleaseKernel", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    }

    MemorySegment create(MemorySegment program, String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment err = arena.allocate(JAVA_INT);
            MemorySegment kernel = (MemorySegment) createKernel.invokeExact(program, arena.allocateFrom(name), err);
            int rc = err.get(JAVA_INT, 0);
            if (rc != ClConstants.CL_SUCCESS) {
                throw new OpenClException("clCreateKernel", rc, "entry point \"" + name + "\"");
            }
            return kernel;
        } catch (Throwable t) {
            throw NativeCall.rethrow(t);
        }
    }

    /** Sets argument {@code index} to the {@code size} bytes at {@code value} (NULL for a null buffer); returns the status. */
    int setArg(MemorySegment kernel, int index, long size, MemorySegment value) {
        try {
            return (int) setKernelArg.invokeExact(kernel, index, size, value);
        } catch (Throwable t) {
            throw NativeCall.rethrow(t);
        }
    }

    /**
     * Enqueues the kernel over {@code dims} dimensions; {@code local} may be NULL, {@code event} NULL or
     * a slot that receives the launch's event. Returns the cl_int status.
     */
    int enqueue(MemorySegment queue, MemorySegment kernel, int dims, MemorySegment global, MemorySegment local,
                MemorySegment event) {
        try {
            return (int) enqueueNDRangeKernel.invokeExact(queue, kernel, dims, MemorySegment.NULL, global, local, 0,
                    MemorySegment.NULL, event);
        } catch (Throwable t) {
            throw NativeCall.rethrow(t);
        }
    }

    /** A size_t / cl_ulong work-group property of the kernel on {@code device} (CL_KERNEL_WORK_GROUP_SIZE, ...). */
    long workGroupInfo(MemorySegment kernel, MemorySegment device, int param) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_LONG);
            ClStatus.check((int) getWorkGroupInfo.invokeExact(kernel, device, param, 8L, out, MemorySegment.NULL),
                    "clGetKernelWorkGroupInfo");
            return out.get(JAVA_LONG, 0);
        } catch (Throwable t) {
            throw NativeCall.rethrow(t);
        }
    }

    void release(MemorySegment kernel) {
        try {
            ClStatus.check((int) releaseKernel.invokeExact(kernel), "clReleaseKernel");
        } catch (Throwable t) {
            throw NativeCall.rethrow(t);
        }
    }
}
