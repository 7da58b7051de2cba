package io.jmamba.runtime.jit;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything one compilation produces: the entry function, the device functions it reaches (callees
 * first, the order C needs), and what the emitter must add (helpers, extensions).
 */
final class Program {
    final Map<String, FunctionIR> functions = new LinkedHashMap<>();
    /** Method keys being translated, innermost last: a call to one of them is recursion. */
    final List<String> inProgress = new ArrayList<>();
    final List<String> inProgressNames = new ArrayList<>();
    final Set<String> usedCNames = new HashSet<>();
    final List<ParallelLoop> parallelLoops = new ArrayList<>();
    boolean usesContextIds;
    boolean usesBarriers;
    /** Whether some function calls a warp operation or MMA (launches then need warp-shaped work-groups). */
    boolean usesWarpOps;
    /**
     * Whether some function calls KernelContext.gridDependencyWait (CUDA then launches the kernel with
     * programmatic stream serialisation).
     */
    boolean usesGridDependency;
    /** Whether some function calls KernelContext.gridBarrier (backends then keep every work-group resident). */
    boolean usesGridBarrier;
    /** Whether some function exchanges values between lanes (OpenCL then needs the work-group scratch array). */
    boolean usesWarpScratch;
    final ClassLoader loader;

    Program(ClassLoader loader) {
        this.loader = loader;
    }

    String uniqueCName(String base) {
        String n = base;
        for (int i = 2; !usedCNames.add(n); i++) {
            n = base + "_" + i;
        }
        return n;
    }
}
