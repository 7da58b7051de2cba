package io.jmamba.runtime.backend.cuda;

import io.jmamba.runtime.backend.CompiledKernel;
import io.jmamba.runtime.backend.LaunchGrid;
import io.jmamba.runtime.jit.GeneratedKernel;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A kernel loaded into a session's context: the JIT's CUDA C, the PTX NVRTC made of it, and the
 * CUfunction to launch. {@link #ptx()} prints what the driver was given.
 */
public final class CudaKernel implements CompiledKernel {
    private final CudaSession session;
    private final GeneratedKernel generated;
    private final String ptx;
    private final MemorySegment function;
    private final long compileNanos;
    private final int maxThreadsPerBlock;
    private final int registers;
    /** The last grid launched (copied: a LaunchGrid's arrays can change) and its configuration. */
    private long[] lastGlobal;
    private long[] lastLocal;
    private LaunchConfig lastConfig;
    /** The last block size asked about in {@link #maxActiveBlocksPerMultiprocessor} and the driver's answer. */
    private int occupancyBlockSize;
    private int occupancyBlocks;

    CudaKernel(CudaSession session, GeneratedKernel generated, String ptx, MemorySegment function, long compileNanos,
               int maxThreadsPerBlock, int registers) {
        this.session = session;
        this.generated = generated;
        this.ptx = ptx;
        this.function = function;
        this.compileNanos = compileNanos;
        this.maxThreadsPerBlock = maxThreadsPerBlock;
        this.registers = registers;
    }

    @Override
    public GeneratedKernel generated() {
        return generated;
    }

    @Override
    public String source() {
        return generated.source();
    }

    @Override
    public long compileNanos() {
        return compileNanos;
    }

    /** The same loaded kernel, reporting {@code nanos} of compile time (0 for a cache hit). */
    CudaKernel withCompileNanos(long nanos) {
        return nanos == compileNanos ? this
                : new CudaKernel(session, generated, ptx, function, nanos, maxThreadsPerBlock, registers);
    }

    /** The PTX NVRTC produced for this kernel (what cuModuleLoadData was given). */
    public String ptx() {
        return ptx;
    }

    /** The most threads a block of this kernel may have (the device limit, lowered by register use). */
    public int maxThreadsPerBlock() {
        return maxThreadsPerBlock;
    }

    /** Registers per thread, as the driver reports after loading. */
    public int registersPerThread() {
        return registers;
    }

    public String entryName() {
        return generated.entryName();
    }

    /** The CUDA grid for {@code grid}; task graphs launch a task with the same sizes every time, so the last is kept. */
    LaunchConfig config(LaunchGrid grid) {
        if (lastConfig == null || !Arrays.equals(grid.global(), lastGlobal) || !Arrays.equals(grid.local(), lastLocal)) {
            // only grid-stride (@Parallel) kernels may get more threads than asked for: a kernel that reads
            // KernelContext ids, or a serial one, runs its body once per launched thread
            boolean exact = generated.usesContext() || generated.parallelLoops().isEmpty();
            lastConfig = LaunchConfig.of(grid.global(), grid.local(), exact, maxThreadsPerBlock, generated.entryName());
            lastGlobal = grid.global().clone();
            lastLocal = grid.local() == null ? null : grid.local().clone();
        }
        return lastConfig;
    }

    /**
     * How many blocks of {@code threadsPerBlock} threads of this kernel one multiprocessor holds at once
     * (cuOccupancyMaxActiveBlocksPerMultiprocessor, no dynamic shared memory); the last answer is kept.
     */
    int maxActiveBlocksPerMultiprocessor(int threadsPerBlock) {
        if (occupancyBlockSize != threadsPerBlock) {
            occupancyBlocks = CuDriver.occupancyMaxActiveBlocksPerMultiprocessor(function, threadsPerBlock, 0);
            occupancyBlockSize = threadsPerBlock;
        }
        return occupancyBlocks;
    }

    CudaSession session() {
        return session;
    }

    MemorySegment function() {
        return function;
    }

    @Override
    public String toString() {
        return "CudaKernel[" + generated.entryName() + ", " + registers + " registers]";
    }
}
