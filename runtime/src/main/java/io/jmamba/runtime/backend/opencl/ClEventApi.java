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

/** Events, for profiling: clWaitForEvents, clGetEventProfilingInfo, clReleaseEvent. */
final class ClEventApi {
    private final MethodHandle waitForEvents;
    private final MethodHandle getProfilingInfo;
    private final MethodHandle releaseEvent;

    ClEventApi(NativeLibrary lib) {
        waitForEvents = lib.downcall("clWaitForEvents", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
        getProfilingInfo = lib.downcall("clGetEventProfilingInfo",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS));
        releaseEvent = lib.downcall("clReleaseEvent", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    }

    /** Waits for the event; {@code slot} holds the cl_event (as written by an enqueue call). */
    void waitFor(MemorySegment slot) {
        try {
            ClStatus.check((int) waitForEvents.invokeExact(1, slot), "clWaitForEvents");
        } catch (Throwable t) {
            throw NativeCall.rethrow(t);
        }
    }

    /** A CL_PROFILING_COMMAND_* time stamp in nanoseconds. */
    long profilingTime(MemorySegment event, int param) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_LONG);
            ClStatus.check((int) getProfilingInfo.invokeExact(event, param, 8L, out, MemorySegment.NULL),
                    "clGetEventProfilingInfo");
            return out.get(JAVA_LONG, 0);
        } catch (Throwable t) {
            throw NativeCall.rethrow(t);
        }
    }

    void release(MemorySegment event) {
        try {
            ClStatus.check((int) releaseEvent.invokeExact(event), "clReleaseEvent");
        } catch (Throwable t) {
            throw NativeCall.rethrow(t);
        }
    }
}
