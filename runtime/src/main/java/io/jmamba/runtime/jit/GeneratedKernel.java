package io.jmamba.runtime.jit;

import java.util.List;

/**
 * What the JIT produces for one (method, specialised values, dialect): C source with one entry point.
 *
 * @param entryName       the name of the {@code __kernel} / {@code __global__} function in {@code source}
 * @param source          complete, self-contained OpenCL C or CUDA C source
 * @param dialect         which of the two
 * @param params          one per Java parameter, in order (see {@link KernelParam} for the C signature)
 * @param parallelLoops   the {@code @Parallel} loops, by dimension; empty for KernelContext kernels
 * @param usesContext     whether the kernel reads KernelContext ids (then it needs an explicit grid)
 * @param usesBarriers    whether the kernel synchronises its work-group (JVM backend: one thread per item)
 * @param localMemoryBytes bytes of work-group local memory the kernel declares
 * @param usesWarpOps     whether the kernel calls KernelContext warp operations: then its launches need a
 *                        local size that {@link WarpLaunchRule} accepts
 * @param usesGridDependency whether the kernel calls KernelContext.gridDependencyWait: then CUDA may launch it
 *                        with programmatic stream serialisation (it starts while the previous kernel drains)
 * @param usesGridBarrier whether the kernel calls KernelContext.gridBarrier: then every work-group must be
 *                        resident at once (CUDA launches it cooperatively; CPU OpenCL devices refuse it; the JVM
 *                        runs every work-item of the launch on its own thread)
 */
public record GeneratedKernel(String entryName,
                              String source,
                              Dialect dialect,
                              List<KernelParam> params,
                              List<ParallelLoop> parallelLoops,
                              boolean usesContext,
                              boolean usesBarriers,
                              long localMemoryBytes,
                              boolean usesWarpOps,
                              boolean usesGridDependency,
                              boolean usesGridBarrier) {
    /** A kernel without warp operations (hand-written sources, tests). */
    public GeneratedKernel(String entryName, String source, Dialect dialect, List<KernelParam> params,
                           List<ParallelLoop> parallelLoops, boolean usesContext, boolean usesBarriers, long localMemoryBytes) {
        this(entryName, source, dialect, params, parallelLoops, usesContext, usesBarriers, localMemoryBytes, false, false, false);
    }

    /** A kernel that does not wait on the previous launch (see {@code usesGridDependency}). */
    public GeneratedKernel(String entryName, String source, Dialect dialect, List<KernelParam> params,
                           List<ParallelLoop> parallelLoops, boolean usesContext, boolean usesBarriers, long localMemoryBytes,
                           boolean usesWarpOps) {
        this(entryName, source, dialect, params, parallelLoops, usesContext, usesBarriers, localMemoryBytes, usesWarpOps, false, false);
    }

    /** A kernel without a grid barrier (see {@code usesGridBarrier}). */
    public GeneratedKernel(String entryName, String source, Dialect dialect, List<KernelParam> params,
                           List<ParallelLoop> parallelLoops, boolean usesContext, boolean usesBarriers, long localMemoryBytes,
                           boolean usesWarpOps, boolean usesGridDependency) {
        this(entryName, source, dialect, params, parallelLoops, usesContext, usesBarriers, localMemoryBytes, usesWarpOps,
                usesGridDependency, false);
    }
}
