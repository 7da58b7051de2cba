package io.jmamba.runtime.conformance;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Every conformance case, grouped by theme (one kernel class per theme). */
public final class ConformanceCatalog {
    private ConformanceCatalog() {
    }

    public static Map<String, List<ConformanceCase>> themes() {
        Map<String, List<ConformanceCase>> t = new LinkedHashMap<>();
        t.put("int arithmetic and overflow", IntKernels.cases());
        t.put("long arithmetic", LongKernels.cases());
        t.put("float and double arithmetic, NaN compares", FloatKernels.cases());
        t.put("conversions", ConversionKernels.cases());
        t.put("control flow", ControlFlowKernels.cases());
        t.put("byte, short, char and boolean locals", LocalTypeKernels.cases());
        t.put("private arrays", PrivateArrayKernels.cases());
        t.put("@Specialize constants", SpecializeKernels.cases());
        t.put("static helper methods", HelperKernels.cases());
        t.put("Math and KernelMath", MathKernels.cases());
        t.put("more Math, StrictMath, static final fields", ExtraMathKernels.cases());
        t.put("@Parallel loops", ParallelKernels.cases());
        t.put("KernelContext ids and sizes", ContextKernels.cases());
        t.put("local memory and barriers", LocalMemoryKernels.cases());
        t.put("atomics", AtomicKernels.cases());
        t.put("64-bit indexing and half floats", IndexingKernels.cases());
        t.put("bfloat16 storage", Bf16Kernels.cases());
        t.put("warp shuffles, reductions and scans", WarpKernels.cases());
        t.put("vector loads and stores", VectorKernels.cases());
        t.put("warp matrix multiply-accumulate", MmaKernels.cases());
        t.put("register-fragment MMA, bf16 pairs, tf32 rounding", FragMmaKernels.cases());
        t.put("programmatic dependent launch (grid dependency wait)", GridDependencyKernels.cases());
        t.put("asynchronous copies to local memory", AsyncCopyKernels.cases());
        t.put("fragment loads from local memory (ldmatrix)", MatrixLoadKernels.cases());
        Set<String> names = new HashSet<>();
        for (List<ConformanceCase> cases : t.values()) {
            for (ConformanceCase c : cases) {
                if (!names.add(c.name())) {
                    throw new IllegalStateException("duplicate conformance case " + c.name());
                }
            }
        }
        return t;
    }

    /** All cases in theme order. */
    public static List<ConformanceCase> all() {
        return themes().values().stream().flatMap(List::stream).toList();
    }
}
