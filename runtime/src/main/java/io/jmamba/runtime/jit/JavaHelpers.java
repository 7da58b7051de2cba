package io.jmamba.runtime.jit;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Small C functions that give generated code Java's semantics where C differs: division by zero and
 * MIN_VALUE / -1, saturating float-to-integer casts with NaN to 0, NaN-aware three-way compares,
 * Math.min/max with NaN and signed zeros, Math.round, canonical-NaN bit casts, trailing-zero counts,
 * and a float atomic add for OpenCL 1.2 (a compare-and-swap loop). Only the helpers a kernel uses
 * are emitted, in dependency order.
 *
 * <p>Templates use $I (int), $L (64-bit long), $UI / $UL (unsigned), $Q (function qualifier),
 * $FLOOR / $FLOORD (floor for float / double), $ASINT / $ASLONG (bit casts), $POPC / $POPCL, $LS (long literal suffix).
 */
final class JavaHelpers {
    private record Helper(List<String> deps, String cudaTemplate, String openclTemplate) { }

    private static final Map<String, Helper> HELPERS = new LinkedHashMap<>();

    private static void def(String name, List<String> deps, String template) {
        HELPERS.put(name, new Helper(deps, template, template));
    }

    /** A helper whose C differs between the dialects beyond what the placeholders cover (warp operations). */
    static void defByDialect(String name, List<String> deps, String cudaTemplate, String openclTemplate) {
        HELPERS.put(name, new Helper(deps, cudaTemplate, openclTemplate));
    }

    static {
        def("jm_idiv", List.of(), """
                $Q $I jm_idiv($I a, $I b) {
                    /* Java: MIN_VALUE / -1 == MIN_VALUE; C leaves it (and division by zero) undefined */
                    return b == 0 ? 0 : (b == -1 ? ($I)(0u - ($UI)a) : a / b);
                }""");
        def("jm_irem", List.of(), """
                $Q $I jm_irem($I a, $I b) {
                    return (b == 0 || b == -1) ? 0 : a % b;
                }""");
        def("jm_ldiv", List.of(), """
                $Q $L jm_ldiv($L a, $L b) {
                    return b == 0 ? 0 : (b == -1 ? ($L)(($UL)0 - ($UL)a) : a / b);
                }""");
        def("jm_lrem", List.of(), """
                $Q $L jm_lrem($L a, $L b) {
                    return (b == 0 || b == -1) ? 0 : a % b;
                }""");
        def("jm_f2i", List.of(), """
                $Q $I jm_f2i(float x) {
                    /* Java saturates and maps NaN to 0; a C cast out of range is undefined */
                    if (x != x) return 0;
                    if (x >= 2147483648.0f) return 2147483647;
                    if (x <= -2147483648.0f) return (-2147483647 - 1);
                    return ($I)x;
                }""");
        def("jm_f2l", List.of(), """
                $Q $L jm_f2l(float x) {
                    if (x != x) return 0;
                    if (x >= 9223372036854775808.0f) return 9223372036854775807$LS;
                    if (x <= -9223372036854775808.0f) return (-9223372036854775807$LS - 1);
                    return ($L)x;
                }""");
        def("jm_d2i", List.of(), """
                $Q $I jm_d2i(double x) {
                    if (x != x) return 0;
                    if (x >= 2147483647.0) return 2147483647;
                    if (x <= -2147483648.0) return (-2147483647 - 1);
                    return ($I)x;
                }""");
        def("jm_d2l", List.of(), """
                $Q $L jm_d2l(double x) {
                    if (x != x) return 0;
                    if (x >= 9223372036854775808.0) return 9223372036854775807$LS;
                    if (x <= -9223372036854775808.0) return (-9223372036854775807$LS - 1);
                    return ($L)x;
                }""");
        def("jm_lcmp", List.of(), """
                $Q $I jm_lcmp($L a, $L b) {
                    return a < b ? -1 : (a > b ? 1 : 0);
                }""");
        def("jm_fcmpl", List.of(), """
                $Q $I jm_fcmpl(float a, float b) {
                    return a > b ? 1 : (a == b ? 0 : -1); /* NaN -> -1 */
                }""");
        def("jm_fcmpg", List.of(), """
                $Q $I jm_fcmpg(float a, float b) {
                    return a < b ? -1 : (a == b ? 0 : 1); /* NaN -> 1 */
                }""");
        def("jm_dcmpl", List.of(), """
                $Q $I jm_dcmpl(double a, double b) {
                    return a > b ? 1 : (a == b ? 0 : -1);
                }""");
        def("jm_dcmpg", List.of(), """
                $Q $I jm_dcmpg(double a, double b) {
                    return a < b ? -1 : (a == b ? 0 : 1);
                }""");
        def("jm_iabs", List.of(), """
                $Q $I jm_iabs($I a) {
                    return a < 0 ? ($I)(0u - ($UI)a) : a;
                }""");
        def("jm_labs", List.of(), """
                $Q $L jm_labs($L a) {
                    return a < 0 ? ($L)(($UL)0 - ($UL)a) : a;
                }""");
        def("jm_imin", List.of(), "$Q $I jm_imin($I a, $I b) { return a <= b ? a : b; }");
        def("jm_imax", List.of(), "$Q $I jm_imax($I a, $I b) { return a >= b ? a : b; }");
        def("jm_lmin", List.of(), "$Q $L jm_lmin($L a, $L b) { return a <= b ? a : b; }");
        def("jm_lmax", List.of(), "$Q $L jm_lmax($L a, $L b) { return a >= b ? a : b; }");
        def("jm_fmin", List.of(), """
                $Q float jm_fmin(float a, float b) {
                    /* Java: NaN wins, and -0.0f is smaller than 0.0f */
                    if (a != a) return a;
                    if (b != b) return b;
                    if (a == 0.0f && b == 0.0f) return signbit(a) ? a : b;
                    return a < b ? a : b;
                }""");
        def("jm_fmax", List.of(), """
                $Q float jm_fmax(float a, float b) {
                    if (a != a) return a;
                    if (b != b) return b;
                    if (a == 0.0f && b == 0.0f) return signbit(a) ? b : a;
                    return a > b ? a : b;
                }""");
        def("jm_dmin", List.of(), """
                $Q double jm_dmin(double a, double b) {
                    if (a != a) return a;
                    if (b != b) return b;
                    if (a == 0.0 && b == 0.0) return signbit(a) ? a : b;
                    return a < b ? a : b;
                }""");
        def("jm_dmax", List.of(), """
                $Q double jm_dmax(double a, double b) {
                    if (a != a) return a;
                    if (b != b) return b;
                    if (a == 0.0 && b == 0.0) return signbit(a) ? b : a;
                    return a > b ? a : b;
                }""");
        def("jm_roundf", List.of("jm_f2i"), """
                $Q $I jm_roundf(float x) {
                    /* Java: floor(x + 0.5) computed exactly (x - floor(x) is exact in float) */
                    float f = $FLOOR(x);
                    return jm_f2i(x - f >= 0.5f ? f + 1.0f : f);
                }""");
        def("jm_roundd", List.of("jm_d2l"), """
                $Q $L jm_roundd(double x) {
                    double f = $FLOORD(x);
                    return jm_d2l(x - f >= 0.5 ? f + 1.0 : f);
                }""");
        def("jm_f2ibits", List.of(), """
                $Q $I jm_f2ibits(float x) {
                    return x != x ? 0x7fc00000 : $ASINT(x); /* floatToIntBits: one canonical NaN */
                }""");
        def("jm_d2lbits", List.of(), """
                $Q $L jm_d2lbits(double x) {
                    return x != x ? 0x7ff8000000000000$LS : $ASLONG(x);
                }""");
        def("jm_fcompare", List.of("jm_f2ibits"), """
                $Q $I jm_fcompare(float a, float b) {
                    /* Float.compare: a total order with -0.0f < 0.0f and NaN above everything */
                    if (a < b) return -1;
                    if (a > b) return 1;
                    $I x = jm_f2ibits(a), y = jm_f2ibits(b);
                    return x == y ? 0 : (x < y ? -1 : 1);
                }""");
        def("jm_dcompare", List.of("jm_d2lbits"), """
                $Q $I jm_dcompare(double a, double b) {
                    if (a < b) return -1;
                    if (a > b) return 1;
                    $L x = jm_d2lbits(a), y = jm_d2lbits(b);
                    return x == y ? 0 : (x < y ? -1 : 1);
                }""");
        def("jm_ifloordiv", List.of("jm_idiv"), """
                $Q $I jm_ifloordiv($I a, $I b) {
                    $I q = jm_idiv(a, b);
                    return ((a ^ b) < 0 && q * b != a) ? q - 1 : q; /* Math.floorDiv rounds toward -infinity */
                }""");
        def("jm_ifloormod", List.of("jm_irem"), """
                $Q $I jm_ifloormod($I a, $I b) {
                    $I r = jm_irem(a, b);
                    return ((r ^ b) < 0 && r != 0) ? r + b : r; /* Math.floorMod takes the divisor's sign */
                }""");
        def("jm_lfloordiv", List.of("jm_ldiv"), """
                $Q $L jm_lfloordiv($L a, $L b) {
                    $L q = jm_ldiv(a, b);
                    return ((a ^ b) < 0 && q * b != a) ? q - 1 : q;
                }""");
        def("jm_lfloormod", List.of("jm_lrem"), """
                $Q $L jm_lfloormod($L a, $L b) {
                    $L r = jm_lrem(a, b);
                    return ((r ^ b) < 0 && r != 0) ? r + b : r;
                }""");
        def("jm_fsignum", List.of(), """
                $Q float jm_fsignum(float x) {
                    return (x > 0.0f) ? 1.0f : (x < 0.0f) ? -1.0f : x; /* keeps NaN and signed zeros */
                }""");
        def("jm_dsignum", List.of(), """
                $Q double jm_dsignum(double x) {
                    return (x > 0.0) ? 1.0 : (x < 0.0) ? -1.0 : x;
                }""");
        def("jm_ctz", List.of(), """
                $Q $I jm_ctz($I x) {
                    $UI u = ($UI)x;
                    return ($I)$POPC((u & (0u - u)) - 1u); /* 32 for 0, like Integer.numberOfTrailingZeros */
                }""");
        def("jm_lctz", List.of(), """
                $Q $I jm_lctz($L x) {
                    $UL u = ($UL)x;
                    return ($I)$POPCL((u & (($UL)0 - u)) - ($UL)1);
                }""");
        def("jm_store_half", List.of(), """
                $Q void jm_store_half($HALFPTR p, $L i, float v) {
                    /* Float.floatToFloat16: round to nearest even; a NaN keeps its sign and top payload bits */
                    if (v != v) {
                        $UI d = $ASUINT(v);
                        (($HALFBITSPTR)p)[i] = ($USHORT)(((d >> 16) & 0x8000u) | 0x7c00u | ((d & 0x007fe000u) >> 13)
                                | ((d & 0x00001ff0u) >> 4) | (d & 0xfu));
                    } else {
                        $HALFSTORE;
                    }
                }""");
        defByDialect("jm_exp2approx", List.of(), """
                $Q float jm_exp2approx(float x) {
                    /* KernelMath.exp2Approx: one MUFU.EX2; results below FLT_MIN flush to zero */
                    float r;
                    asm("ex2.approx.ftz.f32 %0, %1;" : "=f"(r) : "f"(x));
                    return r;
                }""", """
                $Q float jm_exp2approx(float x) {
                    /* KernelMath.exp2Approx: exp2 with results below FLT_MIN flushed to zero, as on CUDA */
                    float r = exp2(x);
                    return r < 1.17549435e-38f ? 0.0f : r;
                }""");
        def("jm_bf16_to_float", List.of(), """
                $Q float jm_bf16_to_float($USHORT b) {
                    return $ASFLOAT(($UI)b << 16); /* bf16 is the top half of a float: widening is exact */
                }""");
        def("jm_float_to_bf16", List.of(), """
                $Q $USHORT jm_float_to_bf16(float v) {
                    /* BFloat16Array.fromFloat: round to nearest even on the bits (overflow to infinity, subnormals
                       kept); a NaN keeps its sign and top payload bits and gets the quiet bit */
                    $UI u = $ASUINT(v);
                    if ((u & 0x7fffffffu) > 0x7f800000u) return ($USHORT)((u >> 16) | 0x0040u);
                    return ($USHORT)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
                }""");
        def("jm_nanf", List.of(), """
                $Q float jm_nanf(void) {
                    /* an opaque NaN: PoCL's compiler folds math built-ins of a constant NaN to wrong values */
                    volatile float nan = as_float(0x7fc00000);
                    return nan;
                }""");
        def("jm_nan", List.of(), """
                $Q double jm_nan(void) {
                    volatile double nan = as_double(0x7ff8000000000000L);
                    return nan;
                }""");
        def("jm_atomic_add_float", List.of(), """
                $Q float jm_atomic_add_float(volatile __global float* p, float v) {
                    /* OpenCL 1.2 has no float atomics: compare-and-swap on the bits until no one interfered */
                    uint expected, seen = as_uint(*p);
                    do {
                        expected = seen;
                        seen = atomic_cmpxchg((volatile __global uint*)p, expected, as_uint(as_float(expected) + v));
                    } while (seen != expected);
                    return as_float(expected);
                }""");
        // the device's shared nanosecond clock (CUDA %globaltimer); OpenCL has none: 0
        defByDialect("jm_global_timer", List.of(), """
                $Q $L jm_global_timer(void) {
                    unsigned long long t;
                    asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
                    return ($L)t;
                }""", """
                $Q $L jm_global_timer(void) {
                    return 0;
                }""");
        // a pair of atomic adds: one vector reduction on sm_90 (float2 atomicAdd), two scalar adds elsewhere; the OpenCL
        // form calls jm_atomic_add_float, which the emitter asks for beside it (a dependency would put it in CUDA too)
        defByDialect("jm_atomic_add2", List.of(), """
                $Q void jm_atomic_add2(float* p, float a, float b) {
                #if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
                    atomicAdd((float2*)p, make_float2(a, b));
                #else
                    atomicAdd(p, a);
                    atomicAdd(p + 1, b);
                #endif
                }""", """
                $Q void jm_atomic_add2(__global float* p, float a, float b) {
                    jm_atomic_add_float(p, a);
                    jm_atomic_add_float(p + 1, b);
                }""");
        WarpOps.defineHelpers(); // after jm_fmax and friends, which they use
        MmaOps.defineHelpers(); // after jm_bf16_to_float
        GridDependencyOps.defineHelpers();
        GridBarrierOps.defineHelpers();
        AsyncCopyOps.defineHelpers(); // jm_shared_address first: the matrix loads use it too
        MatrixLoadOps.defineHelpers();
    }

    private final Set<String> used = new LinkedHashSet<>();

    /** Records that the generated code calls {@code name}; returns it. */
    String use(String name) {
        if (!HELPERS.containsKey(name)) {
            throw new IllegalArgumentException("no helper " + name);
        }
        for (String d : HELPERS.get(name).deps()) {
            use(d);
        }
        used.add(name);
        return name;
    }

    boolean isEmpty() {
        return used.isEmpty();
    }

    /**
     * OpenCL: the qualifier of a helper whose signature (the line with {@code $Q}) takes a {@code __local}
     * pointer becomes {@link CSyntax#localPointerFunctionQualifier} (see there why).
     */
    private static String localPointerHelpers(String template, CSyntax c) {
        if (c.cuda || !template.contains("__local")) {
            return template;
        }
        StringBuilder sb = new StringBuilder();
        for (String line : template.split("\n", -1)) {
            boolean localSignature = line.contains("$Q") && line.contains("__local");
            sb.append(localSignature ? line.replace("$Q", c.localPointerFunctionQualifier()) : line).append('\n');
        }
        return sb.substring(0, sb.length() - 1);
    }

    /** The C definitions of the used helpers, dependencies first. */
    String definitions(CSyntax c) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, Helper> e : HELPERS.entrySet()) {
            if (!used.contains(e.getKey())) {
                continue;
            }
            String template = c.cuda ? e.getValue().cudaTemplate() : e.getValue().openclTemplate();
            if (template.isEmpty()) {
                continue; // a helper only the other dialect needs
            }
            String t = localPointerHelpers(template, c)
                    .replace("$UI", c.unsigned(Kind.I)).replace("$UL", c.unsigned(Kind.J))
                    .replace("$I", "int").replace("$LS", c.longSuffix()).replace("$L", c.type(Kind.J))
                    .replace("$Q", c.helperQualifier())
                    .replace("$HALFPTR", c.cuda ? "__half*" : "__global half*")
                    .replace("$HALFBITSPTR", c.cuda ? "unsigned short*" : "__global ushort*")
                    .replace("$USHORT", c.cuda ? "unsigned short" : "ushort")
                    .replace("$ASUINT", c.cuda ? "(unsigned int)__float_as_int" : "as_uint")
                    .replace("$ASFLOAT", c.cuda ? "__uint_as_float" : "as_float")
                    .replace("$HALFSTORE", c.cuda ? "p[i] = __float2half_rn(v)" : "vstore_half_rte(v, i, p)")
                    .replace("$FLOORD", "floor").replace("$FLOOR", c.cuda ? "floorf" : "floor")
                    .replace("$ASINT", c.cuda ? "__float_as_int" : "as_int")
                    .replace("$ASLONG", c.cuda ? "__double_as_longlong" : "as_long")
                    .replace("$POPCL", c.cuda ? "__popcll" : "popcount")
                    .replace("$POPC", c.cuda ? "__popc" : "popcount");
            if (t.contains("double")) {
                c.usedDouble = true;
            }
            sb.append(t).append("\n\n");
        }
        return sb.toString();
    }
}
