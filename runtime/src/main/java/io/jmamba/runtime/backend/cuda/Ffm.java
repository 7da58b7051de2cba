package io.jmamba.runtime.backend.cuda;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/** Small FFM helpers shared by the driver, NVRTC and cuBLAS bindings. */
final class Ffm {
    private static final Linker LINKER = Linker.nativeLinker();

    private Ffm() {
    }

    /**
     * A downcall handle for the first of {@code names} that {@code lib} exports (newer versioned names
     * first, e.g. cuEventElapsedTime_v2 then cuEventElapsedTime).
     */
    static MethodHandle fn(SymbolLookup lib, String libName, FunctionDescriptor fd, String... names) {
        for (String n : names) {
            Optional<MemorySegment> s = lib.find(n);
            if (s.isPresent()) {
                return LINKER.downcallHandle(s.get(), fd);
            }
        }
        throw new IllegalStateException(libName + " has no function " + String.join(" or ", names)
                + " (library too old?)");
    }

    static FunctionDescriptor fd(MemoryLayout result, MemoryLayout... args) {
        return FunctionDescriptor.of(result, args);
    }

    /** Reads a NUL-terminated C string a library returned; empty for NULL. */
    static String cString(MemorySegment p) {
        if (p == null || p.equals(MemorySegment.NULL)) {
            return "";
        }
        return p.reinterpret(Long.MAX_VALUE).getString(0);
    }

    /** Rethrows what a downcall threw (they only throw unchecked exceptions, but invokeExact declares Throwable). */
    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }
}
