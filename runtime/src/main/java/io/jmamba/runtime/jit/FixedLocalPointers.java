package io.jmamba.runtime.jit;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The device functions whose local-memory pointer the OpenCL C compiler may replace by a kernel-scope local array
 * (which PoCL then mishandles, see {@link CSyntax#localPointerFunctionQualifier}): a local array parameter that every
 * call binds to one and the same kernel array (also through parameters of the callers), or the hidden warp scratch
 * (always the kernel's one) where the function uses it (an emulated warp operation or MMA in it or in a function it
 * calls). Functions whose local parameters receive different arrays keep their pointer parameters and are left to
 * the compiler's own inlining.
 */
final class FixedLocalPointers {
    private FixedLocalPointers() {
    }

    /**
     * The C names of those among {@code functions} (the entry and what it calls: a caller that is not emitted must not
     * count); {@code scratchTakers}: the functions given the warp scratch.
     */
    static Set<String> find(Collection<FunctionIR> functions, Set<String> scratchTakers) {
        Map<String, FunctionIR> byName = new HashMap<>();
        Map<String, List<Set<String>>> roots = new HashMap<>(); // per function and parameter: the kernel arrays bound
        for (FunctionIR f : functions) {
            byName.put(f.cName, f);
            List<Set<String>> perParam = new ArrayList<>();
            f.params.forEach(p -> perParam.add(new HashSet<>()));
            roots.put(f.cName, perParam);
        }
        Set<String> fixed = new HashSet<>();
        Set<String> usesScratch = new HashSet<>();
        boolean changed = true;
        while (changed) {
            changed = false;
            for (FunctionIR g : functions) {
                for (List<Stmt> block : g.blocks.values()) {
                    for (Stmt s : block) {
                        if (!(s instanceof Stmt.Call call)) {
                            continue;
                        }
                        if (call.intrinsic()) {
                            if (isScratchOp(call.callee())) {
                                changed |= usesScratch.add(g.cName);
                            }
                            continue;
                        }
                        FunctionIR f = byName.get(call.callee());
                        if (f == null || f.entry) {
                            continue;
                        }
                        if (usesScratch.contains(f.cName)) {
                            changed |= usesScratch.add(g.cName);
                        }
                        if (call.args().size() != f.params.size()) {
                            changed |= fixed.add(f.cName); // cannot pair arguments with parameters: assume the worst
                            continue;
                        }
                        for (int i = 0; i < f.params.size(); i++) {
                            ArrayRef p = f.params.get(i).array();
                            if (p != null && p.space() == ArrayRef.Space.LOCAL && call.args().get(i) instanceof ArrayRef a) {
                                changed |= roots.get(f.cName).get(i).addAll(boundArrays(g, a, roots));
                            }
                        }
                    }
                }
            }
        }
        for (FunctionIR f : functions) {
            if (f.entry) {
                continue;
            }
            if (scratchTakers.contains(f.cName) && usesScratch.contains(f.cName)) {
                fixed.add(f.cName);
            }
            for (Set<String> bound : roots.get(f.cName)) {
                if (bound.size() == 1) {
                    fixed.add(f.cName);
                }
            }
        }
        return fixed;
    }

    /** The kernel arrays {@code a}, an argument in {@code g}, stands for: g's parameter's, or the kernel's own array. */
    private static Set<String> boundArrays(FunctionIR g, ArrayRef a, Map<String, List<Set<String>>> roots) {
        for (int j = 0; j < g.params.size(); j++) {
            if (!g.entry && a.equals(g.params.get(j).array())) {
                return roots.get(g.cName).get(j);
            }
        }
        return Set.of(a.cName());
    }

    /** Intrinsics that OpenCL emulates through the warp scratch array. */
    static boolean isScratchOp(String callee) {
        return callee.startsWith("warp.") || callee.startsWith("mma.frag.");
    }
}
