package io.jmamba.runtime.jit;

import io.jmamba.runtime.api.NativeArray;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Test-only access to the real libOpenCL (PoCL on this machine) through FFM: builds generated sources
 * and runs generated kernels so that JIT tests check real device behaviour. It is deliberately minimal
 * (one device, blocking calls); the product's OpenCL backend lives in backend/opencl.
 */
final class OpenCl implements AutoCloseable {
    private static final Linker LINKER = Linker.nativeLinker();
    private static SymbolLookup lib;
    private static String unavailable;
    /** Whether the device in use is PoCL's (x86 NaN payloads, like the JVM's) rather than a GPU platform's. */
    boolean isPocl;

    static {
        try {
            lib = SymbolLookup.libraryLookup("libOpenCL.so.1", Arena.global());
        } catch (IllegalArgumentException e) {
            unavailable = "libOpenCL.so.1 not found: " + e.getMessage();
        }
    }

    private final Arena arena = Arena.ofConfined();
    private final MemorySegment device;
    private final MemorySegment context;
    private final MemorySegment queue;
    final String deviceName;

    /** Why no OpenCL device can be used, or null when one can. */
    static String unavailableReason() {
        if (unavailable != null) {
            return unavailable;
        }
        try (OpenCl cl = new OpenCl()) {
            return null;
        } catch (RuntimeException e) {
            return e.getMessage();
        }
    }

    private static MethodHandle fn(String name, FunctionDescriptor d) {
        return LINKER.downcallHandle(lib.find(name).orElseThrow(() -> new IllegalStateException("no " + name)), d);
    }

    private static void check(int err, String what) {
        if (err != 0) {
            throw new IllegalStateException(what + " failed with OpenCL error " + err);
        }
    }

    OpenCl() {
        if (unavailable != null) {
            throw new IllegalStateException(unavailable);
        }
        try {
            MemorySegment n = arena.allocate(JAVA_INT);
            check((int) fn("clGetPlatformIDs", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS))
                    .invokeExact(0, MemorySegment.NULL, n), "clGetPlatformIDs");
            int platforms = n.get(JAVA_INT, 0);
            if (platforms == 0) {
                throw new IllegalStateException("no OpenCL platform");
            }
            MemorySegment ps = arena.allocate(ADDRESS, platforms);
            check((int) fn("clGetPlatformIDs", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS))
                    .invokeExact(platforms, ps, MemorySegment.NULL), "clGetPlatformIDs");
            MemorySegment dev = arena.allocate(ADDRESS);
            MethodHandle getDevices = fn("clGetDeviceIDs",
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS));
            // PoCL first where it is installed (what these tests are written against, and what CI has); on a
            // machine with only a GPU platform, that platform's first device.
            MethodHandle platformInfo = fn("clGetPlatformInfo", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS));
            MemorySegment platformName = arena.allocate(256);
            MemorySegment found = null;
            for (int pass = 0; pass < 2 && found == null; pass++) {
                for (int p = 0; p < platforms && found == null; p++) {
                    int nameErr = (int) platformInfo.invokeExact(ps.getAtIndex(ADDRESS, p), 0x0902, 256L, platformName, MemorySegment.NULL);
                    boolean pocl = nameErr == 0 && platformName.getString(0).contains("Portable Computing Language");
                    if (pass == 0 && !pocl) {
                        continue;
                    }
                    int err = (int) getDevices.invokeExact(ps.getAtIndex(ADDRESS, p), 0xFFFFFFFFL, 1, dev, MemorySegment.NULL);
                    if (err == 0) {
                        found = dev.get(ADDRESS, 0);
                        isPocl = pocl;
                    }
                }
            }
            if (found == null) {
                throw new IllegalStateException("no OpenCL device");
            }
            device = found;
            MemorySegment name = arena.allocate(256);
            check((int) fn("clGetDeviceInfo", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS))
                    .invokeExact(device, 0x102B, 256L, name, MemorySegment.NULL), "clGetDeviceInfo");
            deviceName = name.getString(0);
            MemorySegment err = arena.allocate(JAVA_INT);
            context = (MemorySegment) fn("clCreateContext",
                    FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS))
                    .invokeExact(MemorySegment.NULL, 1, dev, MemorySegment.NULL, MemorySegment.NULL, err);
            check(err.get(JAVA_INT, 0), "clCreateContext");
            queue = (MemorySegment) fn("clCreateCommandQueue",
                    FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS))
                    .invokeExact(context, device, 0L, err);
            check(err.get(JAVA_INT, 0), "clCreateCommandQueue");
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * Builds {@code source}; returns the program, or throws an AssertionError carrying log and source.
     * Java needs correctly rounded float division and square root, which OpenCL only promises with
     * {@code -cl-fp32-correctly-rounded-divide-sqrt} (the product's ProgramBuilder passes it too).
     */
    MemorySegment build(String source) {
        try {
            MemorySegment err = arena.allocate(JAVA_INT);
            MemorySegment strings = arena.allocate(ADDRESS);
            strings.set(ADDRESS, 0, arena.allocateFrom(source));
            MemorySegment program = (MemorySegment) fn("clCreateProgramWithSource",
                    FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS))
                    .invokeExact(context, 1, strings, MemorySegment.NULL, err);
            check(err.get(JAVA_INT, 0), "clCreateProgramWithSource");
            MemorySegment devs = arena.allocate(ADDRESS);
            devs.set(ADDRESS, 0, device);
            int built = (int) fn("clBuildProgram",
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS))
                    .invokeExact(program, 1, devs, arena.allocateFrom("-cl-std=CL1.2 -Werror -cl-fp32-correctly-rounded-divide-sqrt"), MemorySegment.NULL,
                            MemorySegment.NULL);
            if (built != 0) {
                MemorySegment log = arena.allocate(1 << 16);
                int e2 = (int) fn("clGetProgramBuildInfo",
                        FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS))
                        .invokeExact(program, device, 0x1183, (long) (1 << 16), log, MemorySegment.NULL);
                throw new AssertionError("OpenCL build failed (" + built + "):\n" + (e2 == 0 ? log.getString(0) : "?")
                        + "\n--- source ---\n" + source);
            }
            return program;
        } catch (AssertionError | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * Runs a generated kernel: one argument per Java parameter as the contract says (NativeArray, boxed
     * scalar, null for KernelContext and specialised ones). Arrays are copied in and back out.
     */
    void run(GeneratedKernel k, Object[] args, long[] global, long[] local) {
        try {
            MemorySegment program = build(k.source());
            MemorySegment err = arena.allocate(JAVA_INT);
            MemorySegment kernel = (MemorySegment) fn("clCreateKernel", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, ADDRESS))
                    .invokeExact(program, arena.allocateFrom(k.entryName()), err);
            check(err.get(JAVA_INT, 0), "clCreateKernel " + k.entryName());
            MethodHandle setArg = fn("clSetKernelArg", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS));
            MethodHandle createBuffer = fn("clCreateBuffer",
                    FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS));
            List<MemorySegment> buffers = new ArrayList<>();
            List<NativeArray> arrays = new ArrayList<>();
            int c = 0;
            for (KernelParam p : k.params()) {
                Object a = args[p.index()];
                switch (p.kind()) {
                    case ARRAY -> {
                        NativeArray na = (NativeArray) a;
                        MemorySegment host = arena.allocate(Math.max(1, na.byteSize()), 64);
                        host.copyFrom(na.getSegment());
                        MemorySegment buf = (MemorySegment) createBuffer.invokeExact(context, 1L | 32L,
                                Math.max(1, na.byteSize()), host, err);
                        check(err.get(JAVA_INT, 0), "clCreateBuffer");
                        buffers.add(buf);
                        arrays.add(na);
                        MemorySegment h = arena.allocate(ADDRESS);
                        h.set(ADDRESS, 0, buf);
                        check((int) setArg.invokeExact(kernel, c++, 8L, h), "clSetKernelArg");
                        MemorySegment size = arena.allocate(JAVA_LONG);
                        size.set(JAVA_LONG, 0, na.getSize());
                        check((int) setArg.invokeExact(kernel, c++, 8L, size), "clSetKernelArg");
                    }
                    case SCALAR -> {
                        MemorySegment v = arena.allocate(8);
                        long bytes = switch (a) {
                            case Integer i -> { v.set(JAVA_INT, 0, i); yield 4L; }
                            case Boolean b -> { v.set(JAVA_INT, 0, b ? 1 : 0); yield 4L; }
                            case Long l -> { v.set(JAVA_LONG, 0, l); yield 8L; }
                            case Float f -> { v.set(ValueLayout.JAVA_FLOAT, 0, f); yield 4L; }
                            case Double d -> { v.set(ValueLayout.JAVA_DOUBLE, 0, d); yield 8L; }
                            case Short s -> { v.set(ValueLayout.JAVA_SHORT, 0, s); yield 2L; }
                            case Byte b -> { v.set(ValueLayout.JAVA_BYTE, 0, b); yield 1L; }
                            case Character ch -> { v.set(ValueLayout.JAVA_CHAR, 0, ch); yield 2L; }
                            default -> throw new IllegalArgumentException("scalar " + a);
                        };
                        check((int) setArg.invokeExact(kernel, c++, bytes, v), "clSetKernelArg");
                    }
                    default -> {
                    }
                }
            }
            MemorySegment g = arena.allocate(JAVA_LONG, global.length);
            MemorySegment l = local == null ? MemorySegment.NULL : arena.allocate(JAVA_LONG, local.length);
            for (int i = 0; i < global.length; i++) {
                g.setAtIndex(JAVA_LONG, i, global[i]);
                if (local != null) {
                    l.setAtIndex(JAVA_LONG, i, local[i]);
                }
            }
            check((int) fn("clEnqueueNDRangeKernel", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS,
                    ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS))
                    .invokeExact(queue, kernel, global.length, MemorySegment.NULL, g, l, 0, MemorySegment.NULL,
                            MemorySegment.NULL), "clEnqueueNDRangeKernel");
            MethodHandle read = fn("clEnqueueReadBuffer", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT,
                    JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
            MethodHandle release = fn("clReleaseMemObject", FunctionDescriptor.of(JAVA_INT, ADDRESS));
            for (int i = 0; i < buffers.size(); i++) {
                NativeArray na = arrays.get(i);
                MemorySegment host = arena.allocate(Math.max(1, na.byteSize()), 64);
                check((int) read.invokeExact(queue, buffers.get(i), 1, 0L, Math.max(1, na.byteSize()), host, 0,
                        MemorySegment.NULL, MemorySegment.NULL), "clEnqueueReadBuffer");
                na.getSegment().copyFrom(host.asSlice(0, na.byteSize()));
                int ignored = (int) release.invokeExact(buffers.get(i));
            }
            int r1 = (int) fn("clReleaseKernel", FunctionDescriptor.of(JAVA_INT, ADDRESS)).invokeExact(kernel);
            int r2 = (int) fn("clReleaseProgram", FunctionDescriptor.of(JAVA_INT, ADDRESS)).invokeExact(program);
        } catch (AssertionError | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    @Override
    public void close() {
        try {
            if (queue != null) {
                int r = (int) fn("clReleaseCommandQueue", FunctionDescriptor.of(JAVA_INT, ADDRESS)).invokeExact(queue);
            }
            if (context != null) {
                int r = (int) fn("clReleaseContext", FunctionDescriptor.of(JAVA_INT, ADDRESS)).invokeExact(context);
            }
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        } finally {
            arena.close();
        }
    }
}
