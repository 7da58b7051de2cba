package io.jmamba.runtime.backend.opencl;

import io.jmamba.runtime.backend.ffm.NativeCall;
import io.jmamba.runtime.backend.ffm.NativeLibrary;
import io.jmamba.runtime.backend.ffm.NativeStrings;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** Platform and device queries: clGetPlatformIDs, clGetPlatformInfo, clGetDeviceIDs, clGetDeviceInfo. */
final class ClPlatformApi {
    private final MethodHandle getPlatformIds;
    private final MethodHandle getPlatformInfo;
    private final MethodHandle getDeviceIds;
    private final MethodHandle getDeviceInfo;

    ClPlatformApi(NativeLibrary lib) {
        getPlatformIds = lib.downcall("clGetPlatformIDs", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
        getPlatformInfo = lib.downcall("clGetPlatformInfo",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS));
        getDeviceIds = lib.downcall("clGetDeviceIDs",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS));
        getDeviceInfo = lib.downcall("clGetDeviceInfo",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS));
    }

    /** Every platform the ICD loader knows; throws (CL_PLATFORM_NOT_FOUND_KHR) when there is none. */
    List<MemorySegment> platforms() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment count = arena.allocate(JAVA_INT);
            ClStatus.check((int) getPlatformIds.invokeExact(0, MemorySegment.NULL, count), "clGetPlatformIDs");
            int n = count.get(JAVA_INT, 0);
            if (n == 0) {
                return List.of();
            }
            MemorySegment ids = arena.allocate(ADDRESS, n);
            ClStatus.check((int) getPlatformIds.invokeExact(n, ids, MemorySegment.NULL), "clGetPlatformIDs");
            return readAddresses(ids, n);
        } catch (Throwable t) {
            throw NativeCall.rethrow(t);
        }
    }

    String platformString(MemorySegment platform, int param) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment size = arena.allocate(JAVA_LONG);
            ClStatus.check((int) getPlatformInfo.invokeExact(platform, param, 0L, MemorySegment.NULL, size), "clGetPlatformInfo");
            long n = size.get(JAVA_LONG, 0);
            MemorySegment buf = arena.allocate(Math.max(1, n));
            ClStatus.check((int) getPlatformInfo.invokeExact(platform, param, n, buf, MemorySegment.NULL), "clGetPlatformInfo");
            return NativeStrings.read(buf, n);
        } catch (Throwable t) {
            throw NativeCall.rethrow(t);
        }
    }

    /** The platform's devices of {@code type}; empty when it has none (CL_DEVICE_NOT_FOUND). */
    List<MemorySegment> devices(MemorySegment platform, long type) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment count = arena.allocate(JAVA_INT);
            int rc = (int) getDeviceIds.invokeExact(platform, type, 0, MemorySegment.NULL, count);
            if (rc == ClStatus.CL_DEVICE_NOT_FOUND) {
                return List.of();
            }
            ClStatus.check(rc, "clGetDeviceIDs");
            int n = count.get(JAVA_INT, 0);
            if (n == 0) {
                return List.of();
            }
            MemorySegment ids = arena.allocate(ADDRESS, n);
            ClStatus.check((int) getDeviceIds.invokeExact(platform, type, n, ids, MemorySegment.NULL), "clGetDeviceIDs");
            return readAddresses(ids, n);
        } catch (Throwable t) {
            throw NativeCall.rethrow(t);
        }
    }

    String deviceString(MemorySegment device, int param) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment size = arena.allocate(JAVA_LONG);
            ClStatus.check((int) getDeviceInfo.invokeExact(device, param, 0L, MemorySegment.NULL, size), "clGetDeviceInfo");
            long n = size.get(JAVA_LONG, 0);
            MemorySegment buf = arena.allocate(Math.max(1, n));
            ClStatus.check((int) getDeviceInfo.invokeExact(device, param, n, buf, MemorySegment.NULL), "clGetDeviceInfo");
            return NativeStrings.read(buf, n);
        } catch (Throwable t) {
            throw NativeCall.rethrow(t);
        }
    }

    /** A cl_ulong, size_t or cl_bitfield property (8 bytes on the 64-bit platforms jmamba runs on). */
    long deviceLong(MemorySegment device, int param) {
        return deviceScalar(device, param, 8);
    }

    /** A cl_uint or cl_bool property. */
    int deviceInt(MemorySegment device, int param) {
        return (int) deviceScalar(device, param, 4);
    }

    private long deviceScalar(MemorySegment device, int param, int bytes) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(8);
            ClStatus.check((int) getDeviceInfo.invokeExact(device, param, (long) bytes, buf, MemorySegment.NULL),
                    "clGetDeviceInfo(0x" + Integer.toHexString(param) + ")");
            return bytes == 8 ? buf.get(JAVA_LONG, 0) : Integer.toUnsignedLong(buf.get(JAVA_INT, 0));
        } catch (Throwable t) {
            throw NativeCall.rethrow(t);
        }
    }

    private static List<MemorySegment> readAddresses(MemorySegment ids, int n) {
        List<MemorySegment> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(ids.getAtIndex(ADDRESS, i));
        }
        return List.copyOf(out);
    }
}
