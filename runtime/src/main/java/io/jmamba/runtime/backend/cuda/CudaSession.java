package io.jmamba.runtime.backend.cuda;

import io.jmamba.runtime.api.DeviceOutOfMemoryException;
import io.jmamba.runtime.backend.CompiledKernel;
import io.jmamba.runtime.backend.DeviceBuffer;
import io.jmamba.runtime.backend.GraphCaptureSession;
import io.jmamba.runtime.backend.KernelRequest;
import io.jmamba.runtime.backend.LaunchGrid;
import io.jmamba.runtime.jit.GeneratedKernel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A session on one CUDA device: the device's primary context (retained for the session), one stream on
 * which every copy, launch and library call is issued in order, the modules of the kernels compiled in
 * it, and the buffers allocated in it. Closing it frees all of that.
 *
 * <p>The context is made current on whichever thread calls in (a session may be used from several
 * threads, one at a time; the methods are synchronized). Launch arguments are packed into memory the
 * session reuses, so a launch allocates nothing.
 */
public final class CudaSession implements GraphCaptureSession {
    /** The session whose context this thread made current last; skips cuCtxSetCurrent when unchanged. */
    private static final ThreadLocal<CudaSession> CURRENT = new ThreadLocal<>();

    private final CudaDevice device;
    private final MemorySegment context;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment stream;
    private final MemorySegment timerStart;
    private final MemorySegment timerEnd;
    private final MemorySegment scratch;
    private final KernelArguments arguments;
    private final HostTransfers transfers;
    /**
     * Programmatic dependent launch is on by default (compute capability 9.0+, driver 12.3+): kernels that call
     * KernelContext.gridDependencyWait are launched with programmatic stream serialisation, so their prologue
     * (weight loads) overlaps the previous kernel. {@code -Djmamba.cuda.pdl=false} launches every kernel plainly.
     * On the H100 it takes the 130M model's batch-1 decode step from 0.480 to 0.437 ms (session 5, same build),
     * and the whole-step checks under CUDA graphs (Bf16FusedEngineGpuTest, CudaGraphDecodeTest, CudaPdlGpuTest)
     * passed with it in session 5.
     */
    static final String PDL_PROPERTY = "jmamba.cuda.pdl";

    /** Whether {@link #PDL_PROPERTY} allows programmatic launches (anything but "false"); read when a session opens. */
    static boolean pdlRequested() {
        return !"false".equalsIgnoreCase(System.getProperty(PDL_PROPERTY, "true").trim());
    }
    /** The first driver that records programmatic launches into a graph from stream capture (CUDA 12.3). */
    static final int PDL_MIN_DRIVER = 12030;

    private final LaunchAttributes launchAttributes;
    /** Whether kernels that wait on their predecessor get programmatic stream serialisation. */
    private boolean programmaticLaunches;
    /**
     * Whether a kernel with a grid barrier that also waits on its predecessor is launched with both attributes;
     * false once the driver has rejected the pair.
     */
    private boolean cooperativeWithPdl = true;
    private final Set<CudaBuffer> buffers = new LinkedHashSet<>();
    /** Kernels loaded in this session, by what was generated (source and launch metadata). */
    private final Map<GeneratedKernel, CudaKernel> kernels = new HashMap<>();
    private final List<MemorySegment> modules = new ArrayList<>();
    private final List<CudaGraph> graphs = new ArrayList<>();
    private CuBlasHandle cublas;
    private boolean capturing;
    private boolean closed;

    CudaSession(CudaDevice device) {
        this.device = device;
        this.context = CuDriver.primaryCtxRetain(device.handle());
        try {
            CuDriver.ctxSetCurrent(context);
            CURRENT.set(this);
            this.stream = CuDriver.streamCreate(0);
            this.timerStart = CuDriver.eventCreate(0);
            this.timerEnd = CuDriver.eventCreate(0);
        } catch (RuntimeException e) {
            CuDriver.primaryCtxRelease(device.handle());
            throw e;
        }
        this.scratch = arena.allocate(16);
        this.arguments = new KernelArguments(arena);
        this.transfers = new HostTransfers(stream);
        this.launchAttributes = new LaunchAttributes(arena);
        this.programmaticLaunches = programmaticLaunchesOn(device);
    }

    /**
     * Whether sessions on {@code device} launch kernels that call KernelContext.gridDependencyWait with programmatic
     * stream serialisation: compute capability 9.0+, driver 12.3+ with cuLaunchKernelEx, and
     * {@code -Djmamba.cuda.pdl} (on unless "false").
     */
    public static boolean programmaticLaunchesOn(CudaDevice device) {
        return pdlRequested() && device.computeCapabilityMajor() >= 9 && device.driverVersion() >= PDL_MIN_DRIVER
                && CuDriver.hasLaunchKernelEx();
    }

    /**
     * Whether this session launches kernels that call KernelContext.gridDependencyWait with programmatic
     * stream serialisation (compute capability 9.0+, driver 12.3+, unless -Djmamba.cuda.pdl=false).
     */
    public synchronized boolean programmaticLaunches() {
        return programmaticLaunches;
    }

    @Override
    public CudaDevice device() {
        return device;
    }

    /** Makes this session's context current on the calling thread (once per thread while unchanged). */
    private void enter() {
        if (closed) {
            throw new IllegalStateException("CUDA session on " + device.id() + " is closed");
        }
        if (CURRENT.get() != this) {
            CuDriver.ctxSetCurrent(context);
            CURRENT.set(this);
        }
    }

    @Override
    public synchronized CudaBuffer allocate(long bytes) {
        enter();
        if (bytes < 0) {
            throw new IllegalArgumentException("cannot allocate " + bytes + " bytes");
        }
        int rc = CuDriver.memAlloc(scratch, Math.max(1, bytes));
        if (rc == CuDriver.CUDA_ERROR_OUT_OF_MEMORY) {
            long free = -1;
            try {
                free = CuDriver.memGetInfo()[0];
            } catch (CudaException ignored) {
                // the exception below still names the request
            }
            throw new DeviceOutOfMemoryException(device.id() + " (" + device.name() + ")", bytes, free);
        }
        CuDriver.check("cuMemAlloc_v2(" + bytes + " bytes)", rc);
        CudaBuffer b = new CudaBuffer(this, scratch.get(JAVA_LONG, 0), bytes);
        buffers.add(b);
        return b;
    }

    synchronized void free(CudaBuffer b) {
        if (b.session() != this) {
            throw new IllegalArgumentException("buffer belongs to another session");
        }
        if (closed || !b.markFreed()) {
            return;
        }
        enter();
        buffers.remove(b);
        CuDriver.memFree(b.devicePointerUnchecked());
    }

    /** {free, total} bytes on the device now. */
    public synchronized long[] memoryInfo() {
        enter();
        return CuDriver.memGetInfo();
    }

    @Override
    public synchronized void write(DeviceBuffer dst, long dstOffset, MemorySegment src) {
        enter();
        CudaBuffer b = own(dst, "write");
        checkRange("write", b, dstOffset, src.byteSize());
        noCapture("write");
        transfers.toDevice(b.devicePointer() + dstOffset, src);
    }

    @Override
    public synchronized void read(DeviceBuffer src, long srcOffset, MemorySegment dst) {
        enter();
        CudaBuffer b = own(src, "read");
        checkRange("read", b, srcOffset, dst.byteSize());
        noCapture("read");
        transfers.toHost(dst, b.devicePointer() + srcOffset);
    }

    /**
     * Page-locked host memory of {@code bytes}, freed when the session closes. Copies from and to it
     * run at full PCIe speed, and {@link #writeAsync}/{@link #readAsync} can overlap them with kernels.
     */
    public synchronized MemorySegment allocatePinned(long bytes) {
        enter();
        return transfers.allocatePinned(bytes);
    }

    /** Enqueues a host-to-device copy from page-locked memory; {@code src} must stay unchanged until {@link #synchronize()}. */
    public synchronized void writeAsync(DeviceBuffer dst, long dstOffset, MemorySegment pinnedSrc) {
        enter();
        CudaBuffer b = own(dst, "writeAsync");
        checkRange("writeAsync", b, dstOffset, pinnedSrc.byteSize());
        requirePinned("writeAsync", pinnedSrc);
        CuDriver.memcpyHtoDAsync(b.devicePointer() + dstOffset, pinnedSrc, pinnedSrc.byteSize(), stream);
    }

    /** Enqueues a device-to-host copy into page-locked memory; {@code dst} holds the data after {@link #synchronize()}. */
    public synchronized void readAsync(DeviceBuffer src, long srcOffset, MemorySegment pinnedDst) {
        enter();
        CudaBuffer b = own(src, "readAsync");
        checkRange("readAsync", b, srcOffset, pinnedDst.byteSize());
        requirePinned("readAsync", pinnedDst);
        CuDriver.memcpyDtoHAsync(pinnedDst, b.devicePointer() + srcOffset, pinnedDst.byteSize(), stream);
    }

    /** Enqueues a device-to-device copy (cuMemcpyDtoDAsync) on the session's stream. */
    public synchronized void copy(DeviceBuffer dst, long dstOffset, DeviceBuffer src, long srcOffset, long bytes) {
        enter();
        CudaBuffer d = own(dst, "copy");
        CudaBuffer s = own(src, "copy");
        checkRange("copy (destination)", d, dstOffset, bytes);
        checkRange("copy (source)", s, srcOffset, bytes);
        CuDriver.memcpyDtoDAsync(d.devicePointer() + dstOffset, s.devicePointer() + srcOffset, bytes, stream);
    }

    /** Enqueues setting every byte of {@code dst} to {@code value}. */
    public synchronized void fill(DeviceBuffer dst, byte value) {
        enter();
        CudaBuffer d = own(dst, "fill");
        CuDriver.memsetD8Async(d.devicePointer(), value & 0xff, d.byteSize(), stream);
    }

    @Override
    public synchronized CudaKernel compile(KernelRequest request) {
        enter();
        CudaCompiler.Source src = CudaCompiler.generate(request);
        CudaKernel k = compileGenerated(src.kernel());
        if (src.cached()) {
            return k;
        }
        return k.withCompileNanos(k.compileNanos() + src.nanos());
    }

    /**
     * Builds CUDA C that did not come from {@link CudaSession#compile(KernelRequest)} (hand-written,
     * or generated elsewhere) and loads it into this session. The kernel's parameters follow
     * {@link io.jmamba.runtime.jit.KernelParam}.
     */
    public synchronized CudaKernel compileGenerated(GeneratedKernel generated) {
        enter();
        CudaKernel loaded = kernels.get(generated);
        if (loaded != null) {
            return loaded.withCompileNanos(0);
        }
        long t0 = System.nanoTime();
        CudaCompiler.Ptx ptx = CudaCompiler.ptx(generated, device.architecture());
        MemorySegment module = loadModule(generated, ptx.text());
        MemorySegment function = CuDriver.moduleGetFunction(module, generated.entryName());
        int maxThreads = CuDriver.funcAttribute(function, CuDriver.FUNC_ATTR_MAX_THREADS_PER_BLOCK);
        int regs = CuDriver.funcAttribute(function, CuDriver.FUNC_ATTR_NUM_REGS);
        long nanos = ptx.cached() ? 0 : System.nanoTime() - t0;
        CudaKernel k = new CudaKernel(this, generated, ptx.text(), function, nanos, maxThreads, regs);
        kernels.put(generated, k);
        return k;
    }

    private MemorySegment loadModule(GeneratedKernel generated, String ptx) {
        MemorySegment image = arena.allocateFrom(ptx);
        int rc = CuDriver.moduleLoadData(scratch, image);
        if (rc != CuDriver.CUDA_SUCCESS) {
            throw new io.jmamba.runtime.api.KernelCompilationException("the CUDA driver could not load the PTX of kernel "
                    + generated.entryName() + " on " + device + ": " + CuDriver.errorName(rc) + "\n--- PTX ---\n" + ptx, null);
        }
        MemorySegment module = scratch.get(ADDRESS, 0);
        modules.add(module);
        return module;
    }

    /** The PTX of a kernel compiled in this session. */
    public String ptx(CompiledKernel kernel) {
        return cudaKernel(kernel).ptx();
    }

    @Override
    public synchronized long launch(CompiledKernel kernel, LaunchGrid grid, Object[] args, boolean profile) {
        enter();
        CudaKernel k = cudaKernel(kernel);
        GeneratedKernel g = k.generated();
        if (g.usesWarpOps()) {
            io.jmamba.runtime.jit.WarpLaunchRule.check(g.entryName(), grid.local());
        }
        LaunchConfig c = k.config(grid);
        MemorySegment params = arguments.pack(this, g, args);
        if (c.empty()) {
            return profile ? 0 : -1;
        }
        boolean timed = profile && !capturing;
        if (timed) {
            CuDriver.eventRecord(timerStart, stream);
        }
        boolean programmatic = programmaticLaunches && g.usesGridDependency();
        int rc;
        if (g.usesGridBarrier()) {
            CooperativeLaunch.checkCoResident(k, c, device);
            boolean triedPair = programmatic && cooperativeWithPdl && CuDriver.hasLaunchKernelEx();
            rc = launchCooperative(k, c, params, programmatic);
            if (rc != CuDriver.CUDA_SUCCESS) {
                throw new CudaException("cooperative launch (KernelContext.gridBarrier) of " + g.entryName() + ", grid "
                        + c.gridX() + "x" + c.gridY() + "x" + c.gridZ() + ", block " + c.blockX() + "x" + c.blockY() + "x"
                        + c.blockZ() + (triedPair ? "; it was first tried with programmatic stream serialization too"
                        + (capturing ? " while capturing a CUDA graph, which a refused launch may have invalidated" : "")
                        + " (-Djmamba.cuda.pdl=false launches without it)" : ""), rc, CuDriver.errorName(rc));
            }
        } else if (programmatic) {
            rc = CuDriver.launchKernelEx(launchAttributes.programmatic(c, 0, stream), k.function(), params);
            if (rc != CuDriver.CUDA_SUCCESS && !capturing) {
                // a driver that declines the attribute: plain launches from now on (the kernels' waits are then no-ops);
                // a launch refused with an error has not run, so launching it again is safe
                System.err.println("jmamba: cuLaunchKernelEx with programmatic stream serialization failed on " + device.id()
                        + " (" + CuDriver.errorName(rc) + ", kernel " + g.entryName() + "); launching plainly from now on");
                programmaticLaunches = false;
                programmatic = false;
                rc = CuDriver.launchKernel(k.function(), c.gridX(), c.gridY(), c.gridZ(), c.blockX(), c.blockY(), c.blockZ(),
                        0, stream, params);
            }
        } else {
            rc = CuDriver.launchKernel(k.function(), c.gridX(), c.gridY(), c.gridZ(), c.blockX(), c.blockY(), c.blockZ(),
                    0, stream, params);
        }
        if (rc != CuDriver.CUDA_SUCCESS) {
            throw new CudaException((programmatic ? "cuLaunchKernelEx(programmatic stream serialization; "
                    + "-Djmamba.cuda.pdl=false launches plainly) (" : "cuLaunchKernel(") + g.entryName() + ", grid " + c.gridX() + "x" + c.gridY() + "x" + c.gridZ()
                    + ", block " + c.blockX() + "x" + c.blockY() + "x" + c.blockZ() + ")", rc, CuDriver.errorName(rc));
        }
        if (!timed) {
            return -1;
        }
        CuDriver.eventRecord(timerEnd, stream);
        CuDriver.eventSynchronize(timerEnd);
        return Math.round(CuDriver.eventElapsedMillis(scratch, timerStart, timerEnd) * 1e6);
    }

    /**
     * The most work-groups (blocks) of {@code grid}'s local size that a launch of {@code kernel} may have when it
     * calls KernelContext.gridBarrier: cuOccupancyMaxActiveBlocksPerMultiprocessor x multiprocessors.
     */
    public synchronized long maxCoResidentGroups(CompiledKernel kernel, LaunchGrid grid) {
        enter();
        CudaKernel k = cudaKernel(kernel);
        return CooperativeLaunch.maxCoResidentBlocks(k, k.config(grid), device);
    }

    /**
     * Launches a kernel that calls KernelContext.gridBarrier so that all its blocks are resident at once:
     * cuLaunchKernelEx with the cooperative attribute (and programmatic stream serialisation too when the
     * kernel also waits on its predecessor and the session uses PDL; if the driver rejects the pair, the
     * launch goes again without PDL, and so do later ones), or cuLaunchCooperativeKernel on a driver without
     * cuLaunchKernelEx. Stream capture records either into a CUDA graph as a cooperative kernel node.
     * Returns the CUresult.
     */
    private int launchCooperative(CudaKernel k, LaunchConfig c, MemorySegment params, boolean programmatic) {
        if (!CuDriver.hasLaunchKernelEx()) {
            if (!CuDriver.hasLaunchCooperativeKernel()) {
                throw new UnsupportedOperationException("kernel " + k.entryName() + " calls KernelContext.gridBarrier, which "
                        + "needs a cooperative launch, but the CUDA driver on " + device.id() + " has neither cuLaunchKernelEx "
                        + "nor cuLaunchCooperativeKernel");
            }
            return CuDriver.launchCooperativeKernel(k.function(), c.gridX(), c.gridY(), c.gridZ(), c.blockX(), c.blockY(),
                    c.blockZ(), 0, stream, params);
        }
        if (programmatic && cooperativeWithPdl) {
            int rc = CuDriver.launchKernelEx(launchAttributes.configure(c, 0, stream, true, true), k.function(), params);
            if (rc == CuDriver.CUDA_SUCCESS) {
                return rc;
            }
            // a launch refused with an error has not run, so launching it again is safe
            System.err.println("jmamba: cuLaunchKernelEx with both the cooperative and the programmatic stream serialization "
                    + "attributes failed on " + device.id() + " (" + CuDriver.errorName(rc) + ", kernel " + k.entryName()
                    + "); launching kernels with a grid barrier cooperatively without PDL from now on");
            cooperativeWithPdl = false;
        }
        return CuDriver.launchKernelEx(launchAttributes.configure(c, 0, stream, false, true), k.function(), params);
    }

    /**
     * Runs {@code work} (which issues operations on this session) and returns the device time from
     * before its first operation to after its last, measured with CUDA events; waits for the work.
     */
    public long timeNanos(Runnable work) {
        synchronized (this) {
            enter();
            noCapture("timeNanos");
            CuDriver.eventRecord(timerStart, stream);
        }
        work.run();
        synchronized (this) {
            enter();
            CuDriver.eventRecord(timerEnd, stream);
            CuDriver.eventSynchronize(timerEnd);
            return Math.round((double) CuDriver.eventElapsedMillis(scratch, timerStart, timerEnd) * 1e6);
        }
    }

    @Override
    public synchronized void synchronize() {
        enter();
        if (capturing) {
            // nothing runs while a stream captures, and synchronizing would invalidate the capture
            return;
        }
        CuDriver.streamSynchronize(stream);
    }

    @Override
    public synchronized void beginCapture() {
        enter();
        if (capturing) {
            throw new IllegalStateException("a CUDA graph capture is already in progress on " + device.id());
        }
        // relaxed: allocating or loading a module while capturing is allowed (and not recorded)
        CuDriver.streamBeginCapture(stream, CuDriver.STREAM_CAPTURE_MODE_RELAXED);
        capturing = true;
    }

    @Override
    public synchronized CudaGraph endCapture() {
        enter();
        if (!capturing) {
            throw new IllegalStateException("endCapture without beginCapture on " + device.id());
        }
        capturing = false;
        MemorySegment graph = CuDriver.streamEndCapture(stream);
        MemorySegment exec;
        try {
            exec = CuDriver.graphInstantiate(graph);
        } catch (RuntimeException e) {
            CuDriver.graphDestroy(graph);
            throw e;
        }
        CudaGraph g = new CudaGraph(this, graph, exec);
        graphs.add(g);
        return g;
    }

    /** Whether launches are being recorded into a graph now. */
    public synchronized boolean isCapturing() {
        return capturing;
    }

    synchronized void replay(CudaGraph g) {
        enter();
        CuDriver.graphLaunch(g.exec(), stream);
    }

    synchronized void destroy(CudaGraph g) {
        if (closed || !graphs.remove(g)) {
            return;
        }
        enter();
        CuDriver.graphExecDestroy(g.exec());
        CuDriver.graphDestroy(g.graph());
    }

    /** This session's cuBLAS handle, bound to its stream (created on first use). */
    synchronized CuBlasHandle cublas() {
        enter();
        if (cublas == null) {
            cublas = CuBlasHandle.create(stream);
        }
        return cublas;
    }

    /** The CUstream every operation of this session is issued on. */
    MemorySegment stream() {
        return stream;
    }

    /** Makes the context current on this thread (for library calls that use the session's stream). */
    synchronized void makeCurrent() {
        enter();
    }

    private CudaKernel cudaKernel(CompiledKernel kernel) {
        if (!(kernel instanceof CudaKernel k) || k.session() != this) {
            throw new IllegalArgumentException("kernel " + kernel + " was not compiled in this CUDA session");
        }
        return k;
    }

    CudaBuffer own(DeviceBuffer b, String op) {
        if (!(b instanceof CudaBuffer cb) || cb.session() != this) {
            throw new IllegalArgumentException(op + ": buffer " + b + " does not belong to this CUDA session on " + device.id());
        }
        if (cb.isFreed()) {
            throw new IllegalStateException(op + ": buffer " + b + " was freed");
        }
        return cb;
    }

    private static void checkRange(String op, CudaBuffer b, long offset, long bytes) {
        if (offset < 0 || bytes < 0 || offset + bytes > b.byteSize()) {
            throw new IllegalArgumentException(op + ": " + bytes + " bytes at offset " + offset + " do not fit a device buffer of "
                    + b.byteSize() + " bytes");
        }
    }

    private void noCapture(String op) {
        if (capturing) {
            throw new IllegalStateException(op + " cannot be recorded in a CUDA graph from ordinary host memory; "
                    + "issue it before beginCapture or after endCapture (values that change per replay belong in device arrays)");
        }
    }

    private void requirePinned(String op, MemorySegment s) {
        if (!transfers.isPinned(s)) {
            throw new IllegalArgumentException(op + " needs page-locked memory from allocatePinned, got " + s);
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        RuntimeException first = null;
        try {
            CuDriver.ctxSetCurrent(context);
            CURRENT.set(this);
            if (capturing) {
                capturing = false;
                try {
                    CuDriver.graphDestroy(CuDriver.streamEndCapture(stream));
                } catch (RuntimeException e) {
                    // an invalidated capture has no graph to destroy
                }
            }
            CuDriver.streamSynchronize(stream);
        } catch (RuntimeException e) {
            first = e;
        }
        for (Runnable r : List.<Runnable>of(
                () -> {
                    for (CudaGraph g : List.copyOf(graphs)) {
                        CuDriver.graphExecDestroy(g.exec());
                        CuDriver.graphDestroy(g.graph());
                    }
                    graphs.clear();
                },
                () -> {
                    if (cublas != null) {
                        cublas.close();
                    }
                },
                () -> {
                    for (CudaBuffer b : List.copyOf(buffers)) {
                        if (b.markFreed()) {
                            CuDriver.memFree(b.devicePointerUnchecked());
                        }
                    }
                    buffers.clear();
                },
                () -> {
                    for (MemorySegment m : modules) {
                        CuDriver.moduleUnload(m);
                    }
                    modules.clear();
                    kernels.clear();
                },
                transfers::close,
                () -> CuDriver.eventDestroy(timerStart),
                () -> CuDriver.eventDestroy(timerEnd),
                () -> CuDriver.streamDestroy(stream),
                () -> CuDriver.primaryCtxRelease(device.handle()))) {
            try {
                r.run();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        closed = true;
        CURRENT.remove();
        arena.close();
        if (first != null) {
            throw first;
        }
    }

    @Override
    public String toString() {
        return "CudaSession[" + device + "]";
    }
}
