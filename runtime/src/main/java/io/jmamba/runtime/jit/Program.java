package io.jmamba.runtime.jit;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything one compilation produces: the entry function, the device functions translated for it (callees
 * first, the order C needs), and what the emitter must add (helpers, extensions).
 */
final class Program {
    /** Every function translated, by call variant, callees first; some may be uncalled: see {@link #reachableFromEntry}. */
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

    /**
     * The entry and the device functions it calls, directly or through others, in {@link #functions}' order
     * (callees first). {@link #functions} can hold more: the translator re-translates a block whenever its entry
     * state changes, and a call translated on an early pass with a constant integer argument has created a copy
     * specialised for that value which the final pass, the argument no longer constant, does not call (the SSD
     * chunk state's {@code stageSlice_2}). The emitter writes only these: an uncalled copy costs device compile
     * time, lengthens the printed source, and still counts as a caller of what it calls (which changed clang's
     * inlining on PoCL and could change {@link FixedLocalPointers}' choice).
     */
    List<FunctionIR> reachableFromEntry() {
        Map<String, FunctionIR> byCName = new HashMap<>();
        Deque<FunctionIR> work = new ArrayDeque<>();
        Set<String> reached = new HashSet<>();
        for (FunctionIR f : functions.values()) {
            byCName.put(f.cName, f);
            if (f.entry && reached.add(f.cName)) {
                work.add(f);
            }
        }
        while (!work.isEmpty()) {
            FunctionIR f = work.poll();
            for (List<Stmt> block : f.blocks.values()) {
                for (Stmt s : block) {
                    if (s instanceof Stmt.Call call && !call.intrinsic()) {
                        FunctionIR callee = byCName.get(call.callee());
                        if (callee == null) {
                            throw new IllegalStateException(f.cName + " calls " + call.callee() + ", which was not translated");
                        }
                        if (reached.add(callee.cName)) {
                            work.add(callee);
                        }
                    }
                }
            }
        }
        List<FunctionIR> inOrder = new ArrayList<>();
        for (FunctionIR f : functions.values()) {
            if (reached.contains(f.cName)) {
                inOrder.add(f);
            }
        }
        return inOrder;
    }

    String uniqueCName(String base) {
        String n = base;
        for (int i = 2; !usedCNames.add(n); i++) {
            n = base + "_" + i;
        }
        return n;
    }
}
