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

/** Device memory: clCreateBuffer, clReleaseMemObject, clEnqueueWriteBuffer, clEnqueueReadBuffer. */
final class ClBufferApi {
    private final MethodHandle createBuffer;
    private final MethodHandle releaseMemObject;
    private final MethodHandle enqueueWriteBuffer;
    private final MethodHandle enqueueReadBuffer;

    ClBufferApi(NativeLibrary lib) {
        createBuffer = lib.downcall("clCreateBuffer",
                FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS));
        releaseMemObject = lib.downcall("clReleaseMemObject", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        FunctionDescriptor transfer = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG, JAVA_LONG,
                ADDRESS, JAVA_INT, ADDRESS, ADDRESS);
        enqueueWriteBuffer = lib.downcall("clEnqueueWriteBuffer", transfer);
        enqueueReadBuffer = lib.downcall("clEnqueueReadBuffer", transfer);
    }

    /**
     * Creates a read-write buffer. Returns the error code in {@code errOut[0]} instead of throwing, so
     * that the session can turn allocation failures into DeviceOutOfMemoryException.
     */
    MemorySegment create(MemorySegment context, long bytes, int[] errOut) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment err = arena.allocate(JAVA_INT);
            MemorySegment mem = (MemorySegment) createBuffer.invokeExact(context, ClConstants.CL_MEM_READ_WRITE, bytes,
                    MemorySegment.NULL, err);
            errOut[0] = err.get(JAVA_INT, 0);
            return mem;
        } catch (Throwable t) {
            throw NativeCall.rethrow(t);
        }
    }

    void release(MemorySegment mem) {
        try {
            ClStatus.check((int) releaseMemObject.invokeExact(mem), "clReleaseMemObject");
        } catch (Throwable t) {
            throw NativeCall.rethrow(t);
        }
    }

    /** Blocking write of {@code bytes} from {@code host} to {@code mem} at {@code offset}; returns the cl_int status. */
    int write(MemorySegment queue, MemorySegment mem, long offset, long bytes, MemorySegment host) {
        try {
            return (int) enqueueWriteBuffer.invokeExact(queue, mem, ClConstants.CL_TRUE, offset, bytes, host, 0,
                    MemorySegment.NULL, MemorySegment.NULL);
        } catch (Throwable t) {
            throw NativeCall.rethrow(t);
        }
    }

    /** Blocking read of {@code bytes} from {@code mem} at {@code offset} into {@code host}; returns the cl_int status. */
    int read(MemorySegment queue, MemorySegment mem, long offset, long bytes, MemorySegment host) {
        try {
            return (int) enqueueReadBuffer.invokeExact(queue, mem, ClConstants.CL_TRUE, offset, bytes, host, 0,
                    MemorySegment.NULL, MemorySegment.NULL);
        } catch (Throwable t) {
            throw NativeCall.rethrow(t);
        }
    }
}
