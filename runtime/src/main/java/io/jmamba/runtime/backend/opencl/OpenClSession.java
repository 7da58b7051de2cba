package io.jmamba.runtime.backend.opencl;

import io.jmamba.runtime.api.DeviceOutOfMemoryException;
import io.jmamba.runtime.backend.CompiledKernel;
import io.jmamba.runtime.backend.DeviceBuffer;
import io.jmamba.runtime.backend.DeviceSession;
import io.jmamba.runtime.backend.KernelRequest;
import io.jmamba.runtime.backend.LaunchGrid;
import io.jmamba.runtime.jit.Dialect;
import io.jmamba.runtime.jit.GeneratedKernel;
import io.jmamba.runtime.jit.KernelJit;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * An OpenCL context with one in-order, profiling-enabled command queue on one device.
 *
 * <p>Caching: a session keeps every kernel it built, by (entry name, source) and by {@link KernelRequest},
 * so compiling the same kernel again costs nothing. Across sessions the device keeps the built program
 * binaries (see {@link ProgramBinaryCache}): a new session loads the binary instead of compiling the source.
 *
 * <p>Closing releases kernels, programs, buffers, the queue and the context; closing twice is harmless,
 * and anything used after close throws IllegalStateException.
 */
public final class OpenClSession implements DeviceSession {
    /** Errors from clCreateBuffer or a first write that mean "not enough memory". */
    private static final Set<Integer> OUT_OF_MEMORY = Set.of(ClStatus.CL_MEM_OBJECT_ALLOCATION_FAILURE,
            ClStatus.CL_OUT_OF_RESOURCES, ClStatus.CL_OUT_OF_HOST_MEMORY, ClStatus.CL_INVALID_BUFFER_SIZE);

    private final OpenClDevice device;
    private final OpenCl cl;
    private final MemorySegment context;
    private final MemorySegment queue;
    private final Set<OpenClBuffer> buffers = ConcurrentHashMap.newKeySet();
    private final Map<String, OpenClProgram> bySource = new ConcurrentHashMap<>();
    private final Map<KernelRequest, OpenClProgram> byRequest = new ConcurrentHashMap<>();
    private final AtomicLong bytesHeld = new AtomicLong();
    private volatile boolean closed;

    OpenClSession(OpenClDevice device) {
        this.device = device;
        this.cl = device.cl();
        this.context = cl.contexts().createContext(device.platformHandle(), device.deviceHandle());
        MemorySegment q;
        try {
            q = cl.contexts().createQueue(context, device.deviceHandle(), true);
        } catch (RuntimeException e) {
            cl.contexts().releaseContext(context);
            throw e;
        }
        this.queue = q;
    }

    @Override
    public OpenClDevice device() {
        return device;
    }

    boolean isClosed() {
        return closed;
    }

    /** Bytes currently allocated by this session. */
    public long bytesAllocated() {
        return bytesHeld.get();
    }

    // ---------------------------------------------------------------- memory

    @Override
    public DeviceBuffer allocate(long bytes) {
        ensureOpen();
        if (bytes < 0) {
            throw new IllegalArgumentException("cannot allocate a negative number of bytes: " + bytes);
        }
        if (bytes == 0) {
            return track(new OpenClBuffer(this, MemorySegment.NULL, 0));
        }
        if (bytes > device.info().maxAllocationBytes()) {
            throw outOfMemory(bytes, "larger than the largest single allocation");
        }
        if (!device.reserve(bytes)) {
            throw outOfMemory(bytes, "all sessions on the device would hold more than its global memory");
        }
        try {
            MemorySegment mem = createTouched(bytes);
            bytesHeld.addAndGet(bytes);
            return track(new OpenClBuffer(this, mem, bytes));
        } catch (RuntimeException e) {
            device.unreserve(bytes);
            throw e;
        }
    }

    private MemorySegment createTouched(long bytes) {
        int[] err = new int[1];
        MemorySegment mem = cl.buffers().create(context, bytes, err);
        if (err[0] != ClConstants.CL_SUCCESS) {
            if (OUT_OF_MEMORY.contains(err[0])) {
                throw outOfMemory(bytes, "clCreateBuffer returned " + ClStatus.name(err[0]));
            }
            throw new OpenClException("clCreateBuffer", err[0], bytes + " bytes on " + device.id());
        }
        // Some drivers (NVIDIA's among them) only allocate on first use: touch one byte now, so that a
        // failure shows here as out-of-memory rather than later in an unrelated launch. The write is
        // blocking, so it also waits for work already queued; allocation is not on the launch path.
        try (Arena arena = Arena.ofConfined()) {
            int rc = cl.buffers().write(queue, mem, 0, 1, arena.allocate(1));
            if (rc != ClConstants.CL_SUCCESS) {
                cl.buffers().release(mem);
                if (OUT_OF_MEMORY.contains(rc)) {
                    throw outOfMemory(bytes, "first write returned " + ClStatus.name(rc));
                }
                throw new OpenClException("clEnqueueWriteBuffer", rc, "first touch of a new " + bytes + "-byte buffer");
            }
        }
        return mem;
    }

    private OpenClBuffer track(OpenClBuffer b) {
        buffers.add(b);
        return b;
    }

    private DeviceOutOfMemoryException outOfMemory(long bytes, String driverSaid) {
        ClDeviceInfo info = device.info();
        // OpenCL has no query for free memory: "free" is global memory less what jmamba's sessions hold
        // (other processes are not counted), and the message gives the limits the device states.
        long free = Math.max(0, info.globalMemoryBytes() - device.bytesReserved());
        String where = device.id() + " (" + info.name() + "; " + driverSaid + "; largest single allocation "
                + info.maxAllocationBytes() + " bytes, global memory " + info.globalMemoryBytes() + " bytes, of which "
                + "jmamba sessions hold " + device.bytesReserved() + " (this one " + bytesHeld.get() + "))";
        return new DeviceOutOfMemoryException(where, bytes, free);
    }

    void free(OpenClBuffer buffer) {
        if (buffer.session() != this) {
            throw new IllegalArgumentException(buffer + " belongs to another session");
        }
        MemorySegment mem = buffer.detach();
        if (mem == null) {
            return; // freed before, or by close()
        }
        buffers.remove(buffer);
        bytesHeld.addAndGet(-buffer.byteSize());
        device.unreserve(buffer.byteSize());
        if (!mem.equals(MemorySegment.NULL)) {
            cl.buffers().release(mem);
        }
    }

    @Override
    public void write(DeviceBuffer dst, long dstOffset, MemorySegment src) {
        ensureOpen();
        OpenClBuffer b = own(dst);
        checkRange("write", b, dstOffset, src.byteSize());
        if (src.byteSize() == 0) {
            return;
        }
        MemorySegment mem = b.handle();
        if (src.isNative()) {
            ClStatus.check(cl.buffers().write(queue, mem, dstOffset, src.byteSize(), src), "clEnqueueWriteBuffer");
        } else {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment tmp = arena.allocate(src.byteSize(), 64);
                tmp.copyFrom(src);
                ClStatus.check(cl.buffers().write(queue, mem, dstOffset, src.byteSize(), tmp), "clEnqueueWriteBuffer");
            }
        }
    }

    @Override
    public void read(DeviceBuffer src, long srcOffset, MemorySegment dst) {
        ensureOpen();
        OpenClBuffer b = own(src);
        checkRange("read", b, srcOffset, dst.byteSize());
        if (dst.byteSize() == 0) {
            return;
        }
        MemorySegment mem = b.handle();
        if (dst.isNative()) {
            ClStatus.check(cl.buffers().read(queue, mem, srcOffset, dst.byteSize(), dst), "clEnqueueReadBuffer");
        } else {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment tmp = arena.allocate(dst.byteSize(), 64);
                ClStatus.check(cl.buffers().read(queue, mem, srcOffset, dst.byteSize(), tmp), "clEnqueueReadBuffer");
                dst.copyFrom(tmp);
            }
        }
    }

    private OpenClBuffer own(DeviceBuffer buffer) {
        if (!(buffer instanceof OpenClBuffer b) || b.session() != this) {
            throw new IllegalArgumentException(buffer + " is not a buffer of this OpenCL session on " + device.id());
        }
        return b;
    }

    private static void checkRange(String op, OpenClBuffer b, long offset, long bytes) {
        if (offset < 0 || offset > b.byteSize() || bytes > b.byteSize() - offset) {
            throw new IndexOutOfBoundsException(op + " of " + bytes + " bytes at offset " + offset + " is outside a "
                    + b.byteSize() + "-byte device buffer");
        }
    }

    // ---------------------------------------------------------------- kernels

    @Override
    public synchronized CompiledKernel compile(KernelRequest request) {
        ensureOpen();
        OpenClProgram cached = byRequest.get(request);
        if (cached != null) {
            return new OpenClKernel(cached, this, 0);
        }
        long t0 = System.nanoTime();
        GeneratedKernel generated = KernelJit.compile(request.method(), request.specialized(), Dialect.OPENCL);
        OpenClKernel k = compileGenerated(generated);
        byRequest.put(request, k.built());
        return new OpenClKernel(k.built(), this, k.compileNanos() == 0 ? 0 : System.nanoTime() - t0);
    }

    /**
     * Builds OpenCL C that the JIT (or a test, by hand) generated. The same entry name and source built
     * before in this session comes from the cache, with compileNanos 0.
     *
     * @throws io.jmamba.runtime.api.KernelCompilationException with the build log and the numbered source
     *         when the device compiler rejects it
     */
    public synchronized OpenClKernel compileGenerated(GeneratedKernel generated) {
        ensureOpen();
        if (generated.dialect() != Dialect.OPENCL) {
            throw new IllegalArgumentException("kernel " + generated.entryName() + " was generated for "
                    + generated.dialect() + ", not OpenCL");
        }
        String key = generated.entryName() + "\u0000" + generated.source();
        OpenClProgram cached = bySource.get(key);
        if (cached != null) {
            return new OpenClKernel(cached, this, 0);
        }
        long localLimit = device.info().localMemoryBytes();
        if (generated.localMemoryBytes() > localLimit) {
            throw new io.jmamba.runtime.api.KernelCompilationException("kernel " + generated.entryName() + " declares "
                    + generated.localMemoryBytes() + " bytes of local memory; " + device.id() + " (" + device.name()
                    + ") has " + localLimit + " bytes per work-group");
        }
        long t0 = System.nanoTime();
        OpenClProgram built = ProgramBuilder.build(device, context, generated);
        bySource.put(key, built);
        return new OpenClKernel(built, this, Math.max(1, System.nanoTime() - t0));
    }

    @Override
    public long launch(CompiledKernel kernel, LaunchGrid grid, Object[] args, boolean profile) {
        ensureOpen();
        if (!(kernel instanceof OpenClKernel k) || k.session() != this) {
            throw new IllegalArgumentException("kernel " + kernel + " was not compiled in this OpenCL session on " + device.id());
        }
        OpenClProgram built = k.built();
        String name = built.generated().entryName();
        if (built.generated().usesWarpOps()) {
            io.jmamba.runtime.jit.WarpLaunchRule.check(name, grid.local());
        }
        if (!LaunchChecks.validate(grid, name)) {
            return profile ? 0 : -1; // an empty grid: nothing to run
        }
        grid = LaunchShaper.shape(grid, built.generated(), built.maxWorkGroupSize());
        if (built.generated().usesGridBarrier()) {
            grid = GridBarrierLaunch.check(grid, name, device, built.maxWorkGroupSize());
        }
        int dims = grid.dimensions();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment global = arena.allocateFrom(JAVA_LONG, grid.global());
            MemorySegment local = grid.local() == null ? MemorySegment.NULL : arena.allocateFrom(JAVA_LONG, grid.local());
            MemorySegment eventSlot = profile ? arena.allocate(ADDRESS) : MemorySegment.NULL;
            int rc;
            synchronized (built) {
                KernelArguments.bind(cl, this, built, args, arena);
                rc = cl.kernels().enqueue(queue, built.kernel(), dims, global, local, eventSlot);
            }
            if (rc == ClStatus.CL_INVALID_WORK_GROUP_SIZE) {
                throw new OpenClException("clEnqueueNDRangeKernel", rc, "kernel " + name + ": "
                        + LaunchChecks.workGroupSizeDetail(grid, device.maxWorkGroupSize(), built.maxWorkGroupSize()));
            }
            if (rc != ClConstants.CL_SUCCESS) {
                throw new OpenClException("clEnqueueNDRangeKernel", rc, "kernel " + name + ", " + grid + enqueueHint(rc, built));
            }
            if (!profile) {
                return -1;
            }
            MemorySegment event = eventSlot.get(ADDRESS, 0);
            try {
                cl.events().waitFor(eventSlot);
                long start = cl.events().profilingTime(event, ClConstants.CL_PROFILING_COMMAND_START);
                long end = cl.events().profilingTime(event, ClConstants.CL_PROFILING_COMMAND_END);
                return Math.max(0, end - start);
            } finally {
                cl.events().release(event);
            }
        }
    }

    /** What an enqueue error usually means, for the message. */
    private String enqueueHint(int rc, OpenClProgram built) {
        return switch (rc) {
            case ClStatus.CL_OUT_OF_RESOURCES -> "; the device could not run the kernel with these sizes (registers or local "
                    + "memory per group; this kernel allows at most " + built.maxWorkGroupSize() + " work-items per group), "
                    + "or an earlier kernel failed (NVIDIA reports an out-of-bounds access this way)";
            case -52 /* CL_INVALID_KERNEL_ARGS */ -> "; an argument was not set: the generated parameter list "
                    + built.generated().params() + " does not match the kernel's C signature";
            default -> "";
        };
    }

    @Override
    public void synchronize() {
        ensureOpen();
        cl.contexts().finish(queue);
    }

    // ---------------------------------------------------------------- lifetime

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("OpenCL session on " + device.id() + " is closed");
        }
    }

    /** Releases everything; every release is attempted even when one fails, and the first failure is rethrown. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<RuntimeException> failures = new ArrayList<>();
        attempt(failures, () -> cl.contexts().finish(queue));
        Set<OpenClProgram> programs = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        programs.addAll(bySource.values());
        programs.addAll(byRequest.values());
        for (OpenClProgram p : programs) {
            attempt(failures, () -> cl.kernels().release(p.kernel()));
            attempt(failures, () -> cl.programs().release(p.program()));
        }
        bySource.clear();
        byRequest.clear();
        for (OpenClBuffer b : List.copyOf(buffers)) {
            MemorySegment mem = b.detach();
            if (mem != null && !mem.equals(MemorySegment.NULL)) {
                attempt(failures, () -> cl.buffers().release(mem));
            }
        }
        buffers.clear();
        device.unreserve(bytesHeld.getAndSet(0));
        attempt(failures, () -> cl.contexts().releaseQueue(queue));
        attempt(failures, () -> cl.contexts().releaseContext(context));
        if (!failures.isEmpty()) {
            RuntimeException first = failures.getFirst();
            failures.stream().skip(1).forEach(first::addSuppressed);
            throw first;
        }
    }

    private static void attempt(List<RuntimeException> failures, Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            failures.add(e);
        }
    }

    @Override
    public String toString() {
        return "OpenClSession[" + device + (closed ? ", closed" : "") + "]";
    }
}
