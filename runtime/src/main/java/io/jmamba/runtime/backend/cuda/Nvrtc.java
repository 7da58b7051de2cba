package io.jmamba.runtime.backend.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.List;

import static io.jmamba.runtime.backend.cuda.Ffm.fd;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * FFM bindings to NVRTC (libnvrtc.so.N): CUDA C++ source to PTX in process. Loading this class loads
 * the library: callers check {@link CudaLibraries#nvrtc()} first.
 */
final class Nvrtc {
    static final int NVRTC_SUCCESS = 0;
    static final int NVRTC_ERROR_COMPILATION = 6;

    private static final SymbolLookup LIB = CudaLibraries.nvrtc().require().lookup();

    private static MethodHandle fn(FunctionDescriptor d, String name) {
        return Ffm.fn(LIB, "libnvrtc", d, name);
    }

    private static final MethodHandle VERSION = fn(fd(JAVA_INT, ADDRESS, ADDRESS), "nvrtcVersion");
    private static final MethodHandle GET_ERROR_STRING = fn(fd(ADDRESS, JAVA_INT), "nvrtcGetErrorString");
    private static final MethodHandle CREATE_PROGRAM = fn(fd(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS), "nvrtcCreateProgram");
    private static final MethodHandle COMPILE_PROGRAM = fn(fd(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS), "nvrtcCompileProgram");
    private static final MethodHandle GET_PROGRAM_LOG_SIZE = fn(fd(JAVA_INT, ADDRESS, ADDRESS), "nvrtcGetProgramLogSize");
    private static final MethodHandle GET_PROGRAM_LOG = fn(fd(JAVA_INT, ADDRESS, ADDRESS), "nvrtcGetProgramLog");
    private static final MethodHandle GET_PTX_SIZE = fn(fd(JAVA_INT, ADDRESS, ADDRESS), "nvrtcGetPTXSize");
    private static final MethodHandle GET_PTX = fn(fd(JAVA_INT, ADDRESS, ADDRESS), "nvrtcGetPTX");
    private static final MethodHandle DESTROY_PROGRAM = fn(fd(JAVA_INT, ADDRESS), "nvrtcDestroyProgram");

    private Nvrtc() {
    }

    /** The outcome of one compilation: PTX when it worked, and NVRTC's log either way. */
    record Output(boolean success, String ptx, String log, String error) {
    }

    static String version() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment major = a.allocate(JAVA_INT);
            MemorySegment minor = a.allocate(JAVA_INT);
            check("nvrtcVersion", (int) VERSION.invokeExact(major, minor));
            return major.get(JAVA_INT, 0) + "." + minor.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    /**
     * Compiles one translation unit. A compile error is reported in the returned {@link Output} (with
     * the log), not thrown; other NVRTC failures throw {@link CudaException}.
     */
    static Output compile(String source, String fileName, List<String> options) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment progOut = a.allocate(ADDRESS);
            check("nvrtcCreateProgram(" + fileName + ")", (int) CREATE_PROGRAM.invokeExact(progOut, a.allocateFrom(source),
                    a.allocateFrom(fileName), 0, MemorySegment.NULL, MemorySegment.NULL));
            MemorySegment prog = progOut.get(ADDRESS, 0);
            try {
                MemorySegment opts = a.allocate(ADDRESS, Math.max(1, options.size()));
                for (int i = 0; i < options.size(); i++) {
                    opts.setAtIndex(ADDRESS, i, a.allocateFrom(options.get(i)));
                }
                int rc = (int) COMPILE_PROGRAM.invokeExact(prog, options.size(), opts);
                String log = log(a, prog);
                if (rc != NVRTC_SUCCESS) {
                    if (rc == NVRTC_ERROR_COMPILATION) {
                        return new Output(false, null, log, errorString(rc));
                    }
                    throw new CudaException("nvrtcCompileProgram(" + fileName + ")", rc, errorString(rc) + "\n" + log);
                }
                MemorySegment size = a.allocate(JAVA_LONG);
                check("nvrtcGetPTXSize", (int) GET_PTX_SIZE.invokeExact(prog, size));
                MemorySegment ptx = a.allocate(size.get(JAVA_LONG, 0) + 1);
                check("nvrtcGetPTX", (int) GET_PTX.invokeExact(prog, ptx));
                return new Output(true, ptx.getString(0), log, null);
            } finally {
                int ignored = (int) DESTROY_PROGRAM.invokeExact(progOut);
            }
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    private static String log(Arena a, MemorySegment prog) throws Throwable {
        MemorySegment size = a.allocate(JAVA_LONG);
        check("nvrtcGetProgramLogSize", (int) GET_PROGRAM_LOG_SIZE.invokeExact(prog, size));
        long n = size.get(JAVA_LONG, 0);
        if (n <= 1) {
            return "";
        }
        MemorySegment buf = a.allocate(n + 1);
        check("nvrtcGetProgramLog", (int) GET_PROGRAM_LOG.invokeExact(prog, buf));
        return buf.getString(0).strip();
    }

    static void check(String call, int rc) {
        if (rc != NVRTC_SUCCESS) {
            throw new CudaException(call, rc, errorString(rc));
        }
    }

    static String errorString(int rc) {
        try {
            return Ffm.cString((MemorySegment) GET_ERROR_STRING.invokeExact(rc));
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }
}
