package io.jmamba.runtime.jit;

import java.lang.classfile.instruction.LocalVariable;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * C names for a function's registers: the Java name from the LocalVariableTable where there is one
 * (several names for one slot are joined), else {@code v<slot>_<kind>}. Names that clash with C,
 * OpenCL or CUDA keywords, built-ins or the JIT's own names get a {@code j_} prefix.
 */
final class Names {
    private static final Set<String> RESERVED = Set.of("auto", "break", "case", "char", "const", "continue",
            "default", "do", "double", "else", "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long",
            "register", "restrict", "return", "short", "signed", "sizeof", "static", "struct", "switch", "typedef",
            "union", "unsigned", "void", "volatile", "while", "bool", "half", "global", "local", "constant", "private",
            "kernel", "uint", "ulong", "uchar", "ushort", "size_t", "ptrdiff_t", "intptr_t", "uintptr_t", "min", "max",
            "exp", "log", "log1p", "expm1", "sqrt", "rsqrt", "tanh", "sin", "cos", "tan", "asin", "acos", "atan",
            "sinh", "cosh", "floor", "ceil", "cbrt", "log10", "rint", "pow", "atan2", "hypot", "fma", "fabs", "abs",
            "fmod", "signbit", "isnan", "isinf", "isfinite", "clz", "popcount", "barrier", "new", "delete", "this",
            "class", "template", "namespace", "operator", "true", "false", "threadIdx", "blockIdx", "blockDim",
            "gridDim", "warpSize", "atomicAdd", "atomic_add", "NAN", "INFINITY", "vload_half", "vstore_half", "as_int",
            "as_float", "as_long", "as_double", "friend", "virtual", "public", "protected", "using", "typename",
            "mutable", "explicit", "export", "try", "catch", "throw", "asm", "dim3", "uint3", "size", "as_uint",
            "atomic_cmpxchg", "atomic_inc", "vstore_half_rte", "fmin", "fmax", "trunc", "round", "exp2", "log2",
            "expf", "logf", "log1pf", "expm1f", "sqrtf", "rsqrtf", "tanhf", "sinf", "cosf", "tanf", "asinf", "acosf",
            "atanf", "sinhf", "coshf", "floorf", "ceilf", "cbrtf", "log10f", "rintf", "powf", "atan2f", "hypotf",
            "fmaf", "fabsf", "fmodf", "nullptr", "constexpr", "decltype", "static_assert", "alignas", "noexcept");

    private final Map<String, String> byRegister = new HashMap<>();
    private final Set<String> taken;

    Names(Iterable<LocalVariable> lvt, Set<String> taken) {
        this.taken = taken;
        Map<String, Set<String>> candidates = new HashMap<>();
        for (LocalVariable lv : lvt) {
            String desc = lv.type().stringValue();
            Kind k = switch (desc) {
                case "Z", "B", "C", "S", "I" -> Kind.I;
                case "J" -> Kind.J;
                case "F" -> Kind.F;
                case "D" -> Kind.D;
                default -> null;
            };
            if (k != null) {
                candidates.computeIfAbsent(lv.slot() + "_" + k, x -> new LinkedHashSet<>()).add(lv.name().stringValue());
            }
        }
        candidates.forEach((key, names) -> byRegister.put(key, String.join("_", names)));
    }

    /** The C name of register (slot, kind), unique within the function. */
    String local(int slot, Kind kind) {
        String javaName = byRegister.get(slot + "_" + kind);
        return javaName != null ? unique(javaName) : uniqueRaw("v" + slot + "_" + kind.suffix());
    }

    /** A unique C name from a name the JIT made itself (already valid C). */
    String uniqueRaw(String base) {
        String n = base;
        for (int i = 2; !taken.add(n); i++) {
            n = base + "_" + i;
        }
        return n;
    }

    /** A unique C name made from a Java name. */
    String unique(String javaName) {
        return uniqueRaw(sanitize(javaName));
    }

    static String sanitize(String javaName) {
        StringBuilder sb = new StringBuilder();
        for (char c : javaName.toCharArray()) {
            sb.append(c < 128 && (Character.isLetterOrDigit(c) || c == '_') ? c : '_');
        }
        String s = sb.toString();
        if (s.isEmpty() || Character.isDigit(s.charAt(0)) || RESERVED.contains(s) || s.startsWith("jm_")
                || s.startsWith("__") || s.matches("[stv][0-9].*") || s.startsWith("get_")) {
            s = "j_" + s;
        }
        return s;
    }
}
