package io.jmamba.runtime.jit;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BinaryOperator;

/**
 * Warp operations of {@link io.jmamba.runtime.api.KernelContext} (shuffles, reductions, inclusive scan)
 * in both dialects. CUDA C uses the hardware: {@code __shfl*_sync} over the full warp. OpenCL C must not
 * rely on sub-group extensions (NVIDIA's OpenCL has none), so there a warp is emulated: every work-item
 * writes its value to a work-group scratch array in local memory ({@link #SCRATCH}, one slot per
 * work-item, declared by the kernel and passed, with the linear local id {@link #LOCAL_ID}, to device
 * functions that take the context), a barrier
 * publishes it, and each work-item reads the slots of its warp. Reductions and scans then compute, on
 * every work-item, the same sequence of operations the CUDA butterfly / Hillis-Steele network performs,
 * so the results agree bit for bit (float addition is commutative, and these are the only reorderings).
 *
 * <p>IR names: warp.shfl, warp.xor, warp.up, warp.down, warp.sum, warp.max, warp.min, warp.scan; each is a
 * {@link Stmt.Call} with the value (int or float) first and, for shuffles, the lane argument second.
 */
final class WarpOps {
    /** C name of the OpenCL scratch array (kernel scope) and of the hidden pointer parameter. */
    static final String SCRATCH = "jm_warp";
    /**
     * C name of the OpenCL linear local id, computed once at the top of the kernel and passed to the
     * helpers and device functions: PoCL 3.1 (LLVM 15) sometimes gives a wrong {@code get_local_id}
     * when an inlined helper calls it after a barrier while several threads run work-groups
     * (about 2% of launches of the shuffle conformance kernel failed that way).
     */
    static final String LOCAL_ID = "jm_lid";
    /** Slots in the OpenCL scratch array: the largest work-group a warp kernel may have. */
    static final int SCRATCH_SLOTS = 1024;

    private WarpOps() {
    }

    /** The C expression for a warp call whose printed arguments are {@code args}. */
    static String call(String op, Kind kind, List<String> args, JavaHelpers helpers, CSyntax c) {
        String name = helpers.use(helperName(op, kind));
        String joined = String.join(", ", args);
        return name + "(" + (c.cuda ? joined : SCRATCH + ", " + LOCAL_ID + ", " + joined) + ")";
    }

    private static String helperName(String op, Kind kind) {
        String k = switch (kind) {
            case F -> "f";
            case I -> "i";
            default -> throw new IllegalStateException("warp operation on " + kind);
        };
        return switch (op) {
            case "warp.shfl" -> "jm_shfl_" + k;
            case "warp.xor" -> "jm_shfl_xor_" + k;
            case "warp.up" -> "jm_shfl_up_" + k;
            case "warp.down" -> "jm_shfl_down_" + k;
            case "warp.sum", "warp.max", "warp.min", "warp.scan" -> "jm_warp_" + op.substring(5) + "_" + k;
            default -> throw new IllegalStateException("unknown warp operation " + op);
        };
    }

    // ---------------------------------------------------------------- helper definitions

    static void defineHelpers() {
        JavaHelpers.defByDialect("jm_warp_put", List.of(), "", """
                $Q int jm_warp_put(__local int* s, int lid, int bits) {
                    /* publishes this work-item's value in the group's scratch; the first barrier keeps the write
                       from overtaking the reads of the previous exchange. Returns the warp's first slot. */
                    barrier(CLK_LOCAL_MEM_FENCE);
                    s[lid] = bits;
                    barrier(CLK_LOCAL_MEM_FENCE);
                    return lid & ~31;
                }""");
        for (String k : List.of("i", "f")) {
            boolean f = k.equals("f");
            Map<String, String> p = Map.of("@TY@", f ? "float" : "$I", "@K@", k,
                    "@IN@", f ? "as_int(v)" : "v", "@OUT@", f ? "as_float" : "",
                    "@LOAD@", f ? "as_float(s[b + j])" : "s[b + j]");
            BinaryOperator<String> add = f ? (a, b) -> a + " + " + b : (a, b) -> "($I)(($UI)" + a + " + ($UI)" + b + ")";
            shuffles(p);
            reduction("sum", p, add, List.of());
            reduction("max", p, (a, b) -> "jm_" + k + "max(" + a + ", " + b + ")", List.of("jm_" + k + "max"));
            reduction("min", p, (a, b) -> "jm_" + k + "min(" + a + ", " + b + ")", List.of("jm_" + k + "min"));
            scan(p, add);
        }
    }

    private static String fill(String template, Map<String, String> p) {
        String s = template;
        for (Map.Entry<String, String> e : p.entrySet()) {
            s = s.replace(e.getKey(), e.getValue());
        }
        return s;
    }

    private static void define(String name, List<String> deps, String cuda, String opencl, Map<String, String> p) {
        JavaHelpers.defByDialect(name, deps, fill(cuda, p), fill(opencl, p));
    }

    private static void shuffles(Map<String, String> p) {
        // CUDA masks the lane arguments itself; the explicit & 31 documents (and pins) the contract
        String k = p.get("@K@");
        define("jm_shfl_" + k, List.of("jm_warp_put"), """
                $Q @TY@ jm_shfl_@K@(@TY@ v, int lane) { return __shfl_sync(0xffffffffu, v, lane & 31); }""", """
                $Q @TY@ jm_shfl_@K@(__local int* s, int lid, @TY@ v, int lane) {
                    return @OUT@(s[jm_warp_put(s, lid, @IN@) + (lane & 31)]);
                }""", p);
        define("jm_shfl_xor_" + k, List.of("jm_warp_put"), """
                $Q @TY@ jm_shfl_xor_@K@(@TY@ v, int mask) { return __shfl_xor_sync(0xffffffffu, v, mask & 31); }""", """
                $Q @TY@ jm_shfl_xor_@K@(__local int* s, int lid, @TY@ v, int mask) {
                    int b = jm_warp_put(s, lid, @IN@);
                    return @OUT@(s[b + ((lid & 31) ^ (mask & 31))]);
                }""", p);
        define("jm_shfl_up_" + k, List.of("jm_warp_put"), """
                $Q @TY@ jm_shfl_up_@K@(@TY@ v, int delta) {
                    return __shfl_up_sync(0xffffffffu, v, (unsigned int)(delta & 31)); /* below lane 0: own value */
                }""", """
                $Q @TY@ jm_shfl_up_@K@(__local int* s, int lid, @TY@ v, int delta) {
                    int b = jm_warp_put(s, lid, @IN@);
                    int j = (lid & 31) - (delta & 31);
                    return j >= 0 ? @OUT@(s[b + j]) : v; /* below lane 0: own value, as in CUDA */
                }""", p);
        define("jm_shfl_down_" + k, List.of("jm_warp_put"), """
                $Q @TY@ jm_shfl_down_@K@(@TY@ v, int delta) {
                    return __shfl_down_sync(0xffffffffu, v, (unsigned int)(delta & 31)); /* past lane 31: own value */
                }""", """
                $Q @TY@ jm_shfl_down_@K@(__local int* s, int lid, @TY@ v, int delta) {
                    int b = jm_warp_put(s, lid, @IN@);
                    int j = (lid & 31) + (delta & 31);
                    return j < 32 ? @OUT@(s[b + j]) : v;
                }""", p);
    }

    /** Butterfly on CUDA; on OpenCL the same tree computed from the warp's 32 published values. */
    private static void reduction(String what, Map<String, String> p, BinaryOperator<String> combine, List<String> deps) {
        String name = "jm_warp_" + what + "_" + p.get("@K@");
        List<String> oclDeps = new ArrayList<>(deps);
        oclDeps.add("jm_warp_put");
        Map<String, String> q = new HashMap<>(p);
        q.put("@NAME@", name);
        q.put("@COMBINE_V@", combine.apply("v", "w"));
        q.put("@COMBINE_X@", combine.apply("x[j]", "x[j + o]"));
        define(name, List.copyOf(oclDeps), """
                $Q @TY@ @NAME@(@TY@ v) {
                    /* lane j combines with lane j ^ o: every lane ends with the same value, in KernelContext's order */
                    for (int o = 16; o > 0; o >>= 1) {
                        @TY@ w = __shfl_xor_sync(0xffffffffu, v, o);
                        v = @COMBINE_V@;
                    }
                    return v;
                }""", """
                $Q @TY@ @NAME@(__local int* s, int lid, @TY@ v) {
                    int b = jm_warp_put(s, lid, @IN@);
                    @TY@ x[32];
                    for (int j = 0; j < 32; j++) x[j] = @LOAD@;
                    /* the butterfly's tree: x[j] = x[j] combined with x[j + o] for j < o */
                    for (int o = 16; o > 0; o >>= 1) {
                        for (int j = 0; j < o; j++) x[j] = @COMBINE_X@;
                    }
                    return x[0];
                }""", q);
    }

    /** Hillis-Steele inclusive scan: shuffles up on CUDA, the same network over published values on OpenCL. */
    private static void scan(Map<String, String> p, BinaryOperator<String> add) {
        String name = "jm_warp_scan_" + p.get("@K@");
        Map<String, String> q = new HashMap<>(p);
        q.put("@NAME@", name);
        q.put("@COMBINE_V@", add.apply("v", "w"));
        q.put("@COMBINE_X@", add.apply("x[j]", "x[j - d]"));
        define(name, List.of("jm_warp_put"), """
                $Q @TY@ @NAME@(@TY@ v) {
                    int me = (int)(threadIdx.x & 31u);
                    for (int d = 1; d < 32; d <<= 1) {
                        @TY@ w = __shfl_up_sync(0xffffffffu, v, (unsigned int)d);
                        if (me >= d) v = @COMBINE_V@;
                    }
                    return v;
                }""", """
                $Q @TY@ @NAME@(__local int* s, int lid, @TY@ v) {
                    int b = jm_warp_put(s, lid, @IN@);
                    @TY@ x[32];
                    for (int j = 0; j < 32; j++) x[j] = @LOAD@;
                    /* step d: x[j] = x[j] + x[j - d] for j >= d; downwards, so x[j - d] is still the previous step's */
                    for (int d = 1; d < 32; d <<= 1) {
                        for (int j = 31; j >= d; j--) x[j] = @COMBINE_X@;
                    }
                    return x[(lid & 31)];
                }""", q);
    }
}
