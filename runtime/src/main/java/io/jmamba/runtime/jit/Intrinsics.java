package io.jmamba.runtime.jit;

import java.lang.constant.MethodTypeDesc;
import java.lang.classfile.TypeKind;
import java.util.List;
import java.util.Set;

/**
 * The calls the JIT maps to device built-ins instead of compiling them: java.lang.Math / StrictMath,
 * {@link io.jmamba.runtime.api.KernelMath}, Float/Double bit casts and tests, Integer/Long bit counts,
 * KernelContext ids, barriers, local memory and atomics, and NativeArray get/set/getSize.
 *
 * <p>Names returned here ("math.exp", "jm.fmin", "ctx.globalIdx", ...) are the IR's; {@link CEmitter} and
 * {@link JavaHelpers} turn them into C for each dialect.
 */
final class Intrinsics {
    static final String CONTEXT = "io/jmamba/runtime/api/KernelContext";
    static final String API = "io/jmamba/runtime/api/";
    private static final Set<String> MATH_OWNERS = Set.of("java/lang/Math", "java/lang/StrictMath", API + "KernelMath");
    private static final Set<String> UNARY_MATH = Set.of("exp", "exp2", "log", "log1p", "expm1", "sqrt", "rsqrt", "tanh",
            "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "floor", "ceil", "cbrt", "log10", "rint");
    private static final Set<String> BINARY_MATH = Set.of("pow", "atan2", "hypot");
    static final Set<String> ARRAY_CLASSES = Set.of(API + "FloatArray", API + "IntArray", API + "LongArray",
            API + "ByteArray", API + "DoubleArray", API + "HalfFloatArray", API + "BFloat16Array",
            API + "NativeArray");
    private static final Set<String> CONTEXT_METHODS = Set.of("localBarrier", "globalBarrier", "allocateFloatLocalArray",
            "allocateIntLocalArray", "allocateLongLocalArray", "allocateDoubleLocalArray", "atomicAdd", "atomicAdd2", "globalTimer", "warpSize", "laneId",
            "shuffle", "shuffleXor", "shuffleUp", "shuffleDown", "warpReduceSum", "warpReduceMax", "warpReduceMin",
            "warpInclusiveScanSum", "mmaBf16", "mmaF16", "mmaBf16Frag", "mmaF16Frag", "mmaTf32Frag",
            "gridDependencyWait", "launchDependents", "gridBarrier", "asyncCopy16", "asyncCopyCommit", "asyncCopyWait",
            "ldmatrixX4", "ldmatrixX4Trans");
    /** KernelContext warp operations and the IR intrinsic each becomes (see {@link WarpOps}). */
    static final java.util.Map<String, String> WARP_METHODS = java.util.Map.of("shuffle", "warp.shfl",
            "shuffleXor", "warp.xor", "shuffleUp", "warp.up", "shuffleDown", "warp.down", "warpReduceSum", "warp.sum",
            "warpReduceMax", "warp.max", "warpReduceMin", "warp.min", "warpInclusiveScanSum", "warp.scan");
    static final Set<String> CONTEXT_FIELDS = Set.of("globalIdx", "globalIdy", "globalIdz", "localIdx", "localIdy",
            "localIdz", "groupIdx", "groupIdy", "groupIdz", "globalGroupSizeX", "globalGroupSizeY", "globalGroupSizeZ",
            "localGroupSizeX", "localGroupSizeY", "localGroupSizeZ");

    private Intrinsics() {
    }

    /** Classes whose static methods must be intrinsics: a call to anything else in them is rejected. */
    static boolean isLibraryClass(String owner) {
        return owner.startsWith("java/") || owner.startsWith("javax/") || owner.startsWith("jdk/")
                || owner.startsWith("sun/") || owner.startsWith("com/sun/") || owner.startsWith(API);
    }

    static boolean isInstanceIntrinsic(String owner, String name) {
        if (owner.equals(CONTEXT)) {
            return CONTEXT_METHODS.contains(name);
        }
        if ((name.equals("getPair") || name.equals("setPair")) && owner.equals(API + "BFloat16Array")) {
            return true;
        }
        if ((name.equals("get4") || name.equals("set4"))
                && (owner.equals(API + "FloatArray") || owner.equals(API + "BFloat16Array"))) {
            return true;
        }
        return ARRAY_CLASSES.contains(owner) && (name.equals("get") || name.equals("set") || name.equals("getSize"));
    }

    static boolean isStaticIntrinsic(String owner, String name, String descriptor) {
        MethodTypeDesc type = MethodTypeDesc.ofDescriptor(descriptor);
        return name(owner, name, type) != null;
    }

    /** The IR call for a static intrinsic, or null when {@code owner.name} is not one. */
    static Expr staticCall(String owner, String name, MethodTypeDesc type, List<Expr> args) {
        String n = name(owner, name, type);
        if (n == null) {
            return null;
        }
        return new Expr.Intrinsic(n, Kind.of(TypeKind.from(type.returnType())), List.copyOf(args));
    }

    private static String name(String owner, String name, MethodTypeDesc type) {
        if (type.returnType().isClassOrInterface() || type.returnType().isArray()
                || type.returnType().descriptorString().equals("V")) {
            return null;
        }
        for (var p : type.parameterList()) {
            if (!p.isPrimitive()) {
                return null;
            }
        }
        Kind ret = Kind.of(TypeKind.from(type.returnType()));
        Kind arg0 = type.parameterCount() > 0 ? Kind.of(TypeKind.from(type.parameterType(0))) : null;
        if (MATH_OWNERS.contains(owner)) {
            if (UNARY_MATH.contains(name) && type.parameterCount() == 1 && ret.isFloating()) {
                return "math." + name;
            }
            if (BINARY_MATH.contains(name) && type.parameterCount() == 2 && ret.isFloating()) {
                return "math." + name;
            }
            return switch (name) {
                case "fma" -> ret.isFloating() ? "math.fma" : null;
                case "exp2Approx" -> ret == Kind.F && owner.equals(API + "KernelMath") ? "jm.exp2approx" : null;
                case "packBf16x2" -> owner.equals(API + "KernelMath") ? "jm.packbf16x2" : null;
                case "bf16x2Lo" -> owner.equals(API + "KernelMath") ? "jm.bf16x2lo" : null;
                case "bf16x2Hi" -> owner.equals(API + "KernelMath") ? "jm.bf16x2hi" : null;
                case "roundTf32" -> owner.equals(API + "KernelMath") ? "jm.roundtf32" : null;
                case "abs" -> ret.isFloating() ? "math.fabs" : "jm.abs";
                case "min", "max" -> "jm." + name;
                case "round" -> arg0 != null && arg0.isFloating() ? "jm.round" : null;
                case "floorDiv", "floorMod" -> !ret.isFloating() && type.parameterType(0).equals(type.parameterType(1))
                        ? "jm." + name : null;
                case "signum" -> ret.isFloating() ? "jm.signum" : null;
                default -> null;
            };
        }
        return switch (owner) {
            case "java/lang/Float", "java/lang/Double" -> switch (name) {
                case "floatToRawIntBits", "doubleToRawLongBits", "intBitsToFloat", "longBitsToDouble" -> "bits.cast";
                case "floatToIntBits", "doubleToLongBits" -> "jm.tobits";
                case "isNaN" -> "jm.isnan";
                case "isInfinite" -> "jm.isinf";
                case "isFinite" -> "jm.isfinite";
                case "compare" -> "jm.compare";
                case "min", "max" -> "jm." + name;
                default -> null;
            };
            case "java/lang/Integer", "java/lang/Long" -> switch (name) {
                case "bitCount" -> "jm.popcount";
                case "numberOfLeadingZeros" -> "jm.clz";
                case "numberOfTrailingZeros" -> "jm.ctz";
                case "compare" -> "jm.icompare";
                case "min", "max" -> "jm." + name;
                default -> null;
            };
            default -> null;
        };
    }
}
