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

/** Contexts and command queues: clCreateContext, clCreateCommandQueue, clFinish and their releases. */
final class ClContextApi {
    private final MethodHandle createContext;
    private final MethodHandle createCommandQueue;
    private final MethodHandle finish;
    private final MethodHandle releaseCommandQueue;
    private final MethodHandle releaseContext;

    ClContextApi(NativeLibrary lib) {
        createContext = lib.downcall("clCreateContext",
                FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        // clCreateCommandQueue is deprecated in OpenCL 2.0 but every platform still exports it (PoCL,
        // NVIDIA's 3.0 platform), and unlike clCreateCommandQueueWithProperties it exists on 1.2 platforms too.
        createCommandQueue = lib.downcall("clCreateCommandQueue",
                FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
        finish = lib.downcall("clFinish", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        releaseCommandQueue = lib.downcall("clReleaseCommandQueue", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        releaseContext = lib.downcall("clReleaseContext", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    }

    /** A context holding one device of one platform. */
    MemorySegment createContext(MemorySegment platform, MemorySegment device) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment props = arena.allocate(JAVA_LONG, 3);
            props.setAtIndex(JAVA_LONG, 0, ClConstants.CL_CONTEXT_PLATFORM);
            props.setAtIndex(JAVA_LONG, 1, platform.address());
            props.setAtIndex(JAVA_LONG, 2, 0L);
            MemorySegment devices = arena.allocate(ADDRESS);
            devices.set(ADDRESS, 0, device);
            MemorySegment err = arena.allocate(JAVA_INT);
            MemorySegment ctx = (MemorySegment) createContext.invokeExact(props, 1, devices, MemorySegment.NULL,
                    MemorySegment.NULL, err);
            ClStatus.check(err.get(JAVA_INT, 0), "clCreateContext");
            return ctx;
        } catch (Throwable t) {
            throw NativeCall.rethrow(t);
        }
    }

    /** An in-order queue; with {@code profiling} its events carry start and end times. */
    MemorySegment createQueue(MemorySegment context, MemorySegment device, boolean profiling) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment err = arena.allocate(JAVA_INT);
            MemorySegment q = (MemorySegment) createCommandQueue.invokeExact(context, device,
                    profiling ? ClConstants.CL_QUEUE_PROFILING_ENABLE : 0L, err);
            ClStatus.check(err.get(JAVA_INT, 0), "clCreateCommandQueue");
            return q;
        } catch (Throwable t) {
            throw NativeCall.rethrow(t);
        }
    }

    void finish(MemorySegment queue) {
        try {
            ClStatus.check((int) finish.invokeExact(queue), "clFinish");
        } catch (Throwable t) {
            throw NativeCall.rethrow(t);
        }
    }

    void releaseQueue(MemorySegment queue) {
        try {
            ClStatus.check((int) releaseCommandQueue.invokeExact(queue), "clReleaseCommandQueue");
        } catch (Throwable t) {
            throw NativeCall.rethrow(t);
        }
    }

    void releaseContext(MemorySegment context) {
        try {
            ClStatus.check((int) releaseContext.invokeExact(context), "clReleaseContext");
        } catch (Throwable t) {
            throw NativeCall.rethrow(t);
        }
    }
}
