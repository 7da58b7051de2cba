package io.jmamba.runtime.backend.opencl;

import io.jmamba.runtime.backend.ffm.NativeCall;
import io.jmamba.runtime.backend.ffm.NativeLibrary;
import io.jmamba.runtime.backend.ffm.NativeStrings;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** Programs: created from source or from a device binary, built, queried for their log and binary. */
final class ClProgramApi {
    private final MethodHandle createWithSource;
    private final MethodHandle createWithBinary;
    private final MethodHandle buildProgram;
    private final MethodHandle getBuildInfo;
    private final MethodHandle getProgramInfo;
    private final MethodHandle releaseProgram;

    ClProgramApi(NativeLibrary lib) {
        createWithSource = lib.downcall("clCreateProgramWithSource",
                FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        createWithBinary = lib.downcall("clCreateProgramWithBinary",
                FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        buildProgram = lib.downcall("clBuildProgram",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        getBuildInfo = lib.downcall("clGetProgramBuildInfo",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS));
        getProgramInfo = lib.downcall("clGetProgramInfo",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS));
        releaseProgram = lib.downcall("clReleaseProgram", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    }

    MemorySegment createWithSource(MemorySegment context, String source) {
        try (Arena arena = Arena.ofConfined()) {
            byte[] bytes = source.getBytes(StandardCharsets.UTF_8);
            MemorySegment text = arena.allocate(bytes.length + 1L);
            MemorySegment.copy(bytes, 0, text, JAVA_BYTE, 0, bytes.length);
            MemorySegment strings = arena.allocate(ADDRESS);
            strings.set(ADDRESS, 0, text);
            MemorySegment lengths = arena.allocate(JAVA_LONG);
            lengths.set(JAVA_LONG, 0, bytes.length);
            MemorySegment err = arena.allocate(JAVA_INT);
            MemorySegment program = (MemorySegment) createWithSource.invokeExact(context, 1, strings, lengths, err);
            ClStatus.check(err.get(JAVA_INT, 0), "clCreateProgramWithSource");
            return program;
        } catch (Throwable t) {
            throw NativeCall.rethrow(t);
        }
    }

    /** A program from a binary this device produced earlier (see {@link #binary}). */
    MemorySegment createWithBinary(MemorySegment context, MemorySegment device, byte[] binary) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment bin = arena.allocate(binary.length);
            MemorySegment.copy(binary, 0, bin, JAVA_BYTE, 0, binary.length);
            MemorySegment devices = arena.allocate(ADDRESS);
            devices.set(ADDRESS, 0, device);
            MemorySegment lengths = arena.allocate(JAVA_LONG);
            lengths.set(JAVA_LONG, 0, binary.length);
            MemorySegment binaries = arena.allocate(ADDRESS);
            binaries.set(ADDRESS, 0, bin);
            MemorySegment status = arena.allocate(JAVA_INT);
            MemorySegment err = arena.allocate(JAVA_INT);
            MemorySegment program = (MemorySegment) createWithBinary.invokeExact(context, 1, devices, lengths, binaries,
                    status, err);
            ClStatus.check(err.get(JAVA_INT, 0), "clCreateProgramWithBinary");
            return program;
        } catch (Throwable t) {
            throw NativeCall.rethrow(t);
        }
    }

    /** Builds for one device; returns the cl_int status (CL_BUILD_PROGRAM_FAILURE is the caller's to report). */
    int build(MemorySegment program, MemorySegment device, String options) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment devices = arena.allocate(ADDRESS);
            devices.set(ADDRESS, 0, device);
            MemorySegment opts = arena.allocateFrom(options);
            return (int) buildProgram.invokeExact(program, 1, devices, opts, MemorySegment.NULL, MemorySegment.NULL);
        } catch (Throwable t) {
            throw NativeCall.rethrow(t);
        }
    }

    /** The compiler's log for {@code device}; best effort (a failing query gives a note, not an exception). */
    String buildLog(MemorySegment program, MemorySegment device) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment size = arena.allocate(JAVA_LONG);
            int rc = (int) getBuildInfo.invokeExact(program, device, ClConstants.CL_PROGRAM_BUILD_LOG, 0L,
                    MemorySegment.NULL, size);
            if (rc != ClConstants.CL_SUCCESS) {
                return "(no build log: clGetProgramBuildInfo failed with " + ClStatus.name(rc) + ")";
            }
            long n = size.get(JAVA_LONG, 0);
            MemorySegment buf = arena.allocate(Math.max(1, n));
            rc = (int) getBuildInfo.invokeExact(program, device, ClConstants.CL_PROGRAM_BUILD_LOG, n, buf,
                    MemorySegment.NULL);
            if (rc != ClConstants.CL_SUCCESS) {
                return "(no build log: clGetProgramBuildInfo failed with " + ClStatus.name(rc) + ")";
            }
            return NativeStrings.read(buf, n);
        } catch (Throwable t) {
            throw NativeCall.rethrow(t);
        }
    }

    /** The built program's binary for its single device, or null when the platform gives none. */
    byte[] binary(MemorySegment program) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment numDevices = arena.allocate(JAVA_INT);
            ClStatus.check((int) getProgramInfo.invokeExact(program, ClConstants.CL_PROGRAM_NUM_DEVICES, 4L, numDevices,
                    MemorySegment.NULL), "clGetProgramInfo(CL_PROGRAM_NUM_DEVICES)");
            if (numDevices.get(JAVA_INT, 0) != 1) {
                return null;
            }
            MemorySegment sizes = arena.allocate(JAVA_LONG);
            ClStatus.check((int) getProgramInfo.invokeExact(program, ClConstants.CL_PROGRAM_BINARY_SIZES, 8L, sizes,
                    MemorySegment.NULL), "clGetProgramInfo(CL_PROGRAM_BINARY_SIZES)");
            long n = sizes.get(JAVA_LONG, 0);
            if (n <= 0 || n > Integer.MAX_VALUE) {
                return null;
            }
            MemorySegment bin = arena.allocate(n);
            MemorySegment pointers = arena.allocate(ADDRESS);
            pointers.set(ADDRESS, 0, bin);
            ClStatus.check((int) getProgramInfo.invokeExact(program, ClConstants.CL_PROGRAM_BINARIES, ADDRESS.byteSize(),
                    pointers, MemorySegment.NULL), "clGetProgramInfo(CL_PROGRAM_BINARIES)");
            return bin.toArray(JAVA_BYTE);
        } catch (Throwable t) {
            throw NativeCall.rethrow(t);
        }
    }

    void release(MemorySegment program) {
        try {
            ClStatus.check((int) releaseProgram.invokeExact(program), "clReleaseProgram");
        } catch (Throwable t) {
            throw NativeCall.rethrow(t);
        }
    }
}
