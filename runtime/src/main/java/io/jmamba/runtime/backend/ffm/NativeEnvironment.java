package io.jmamba.runtime.backend.ffm;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * The C library's environment (setenv/getenv), which native libraries read and which
 * {@link System#getenv} does not see change. Used to configure a native loader before its first call
 * (the OpenCL ICD loader reads OCL_ICD_VENDORS once, when it starts).
 */
public final class NativeEnvironment {
    private static final MethodHandle SETENV;
    private static final MethodHandle GETENV;

    static {
        Linker linker = Linker.nativeLinker();
        SETENV = linker.downcallHandle(linker.defaultLookup().find("setenv").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
        GETENV = linker.downcallHandle(linker.defaultLookup().find("getenv").orElseThrow(),
                FunctionDescriptor.of(ADDRESS, ADDRESS));
    }

    private NativeEnvironment() {
    }

    /** setenv(name, value, overwrite=1); throws when the C library refuses. */
    public static void set(String name, String value) {
        try (Arena arena = Arena.ofConfined()) {
            int rc = (int) SETENV.invokeExact(arena.allocateFrom(name), arena.allocateFrom(value), 1);
            if (rc != 0) {
                throw new IllegalStateException("setenv(" + name + ") failed");
            }
        } catch (Throwable t) {
            throw NativeCall.rethrow(t);
        }
    }

    /** getenv(name) as the C library sees it now, or null. */
    public static String get(String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment p = (MemorySegment) GETENV.invokeExact(arena.allocateFrom(name));
            return p.equals(MemorySegment.NULL) ? null : p.reinterpret(Long.MAX_VALUE).getString(0);
        } catch (Throwable t) {
            throw NativeCall.rethrow(t);
        }
    }
}
