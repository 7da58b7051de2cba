package io.jmamba.runtime.jit;

/**
 * What differs between the two C dialects: type names, address-space qualifiers, work-item built-ins,
 * barriers, bit casts and half conversions. Everything else in {@link CEmitter} is shared.
 */
final class CSyntax {
    final Dialect dialect;
    final boolean cuda;
    /** Set when a double type is printed: OpenCL then needs cl_khr_fp64. */
    boolean usedDouble;
    boolean usedHalf;

    CSyntax(Dialect dialect) {
        this.dialect = dialect;
        this.cuda = dialect == Dialect.CUDA;
    }

    String type(Kind k) {
        return switch (k) {
            case I -> "int";
            case J -> cuda ? "long long" : "long";
            case F -> "float";
            case D -> {
                usedDouble = true;
                yield "double";
            }
        };
    }

    String unsigned(Kind k) {
        return k == Kind.I ? (cuda ? "unsigned int" : "uint") : (cuda ? "unsigned long long" : "ulong");
    }

    String elemType(ElemType e) {
        return switch (e) {
            case BOOLEAN, BYTE -> cuda ? "signed char" : "char";
            case CHAR -> cuda ? "unsigned short" : "ushort";
            case SHORT -> "short";
            case INT -> "int";
            case LONG -> type(Kind.J);
            case FLOAT -> "float";
            case DOUBLE -> type(Kind.D);
            case HALF -> {
                usedHalf = true;
                yield cuda ? "__half" : "half";
            }
            // bf16 travels as its bit pattern; jm_bf16_to_float / jm_float_to_bf16 convert with integer code
            case BF16 -> cuda ? "unsigned short" : "ushort";
            case BF16_PAIR -> "int"; // a 32-bit access to a bf16 array (see ElemType.BF16_PAIR)
        };
    }

    /** C type of a scalar parameter given its Java type name. */
    String scalarType(String javaType, Kind k) {
        return switch (javaType) {
            case "boolean" -> "int";
            case "byte" -> elemType(ElemType.BYTE);
            case "char" -> elemType(ElemType.CHAR);
            case "short" -> "short";
            default -> type(k);
        };
    }

    String space(ArrayRef.Space s) {
        if (cuda) {
            return "";
        }
        return switch (s) {
            case GLOBAL -> "__global ";
            case LOCAL -> "__local ";
            case PRIVATE -> "";
        };
    }

    /**
     * CUDA: 16-byte aligned, so that the device compiler may turn four neighbouring loads or stores of
     * a local array at a provably aligned index into one vector access (it cannot raise the alignment
     * of a shared array itself).
     */
    String localArrayQualifier() {
        return cuda ? "__shared__ __attribute__((aligned(16))) " : "__local ";
    }

    String kernelQualifier() {
        return cuda ? "extern \"C\" __global__ void" : "__kernel void";
    }

    String deviceFunctionQualifier() {
        return cuda ? "static __device__" : "static";
    }

    String helperQualifier() {
        return cuda ? "static __device__ inline" : "static inline";
    }

    /**
     * OpenCL: a device function whose pointer to local memory always points to the same kernel-scope array
     * ({@link FixedLocalPointers}; built-in helpers: every one that takes a local pointer), always inlined, to work
     * around PoCL (3.1 on the CPU). PoCL gives each work-group its own copy of the kernel-scope {@code __local} arrays
     * by making them hidden kernel arguments, rewriting the kernel function's uses of them only, before it inlines
     * the other functions (its automatic-locals pass; later PoCL pipelines run it after inlining for this reason).
     * When clang (-O2, at clBuildProgram) keeps a function out of line and, every call passing the same array,
     * replaces its pointer parameter by the array itself (constant propagation across calls), the function's
     * accesses still name the module-level placeholder and never reach the work-group's memory (the SSD chunk
     * state's staging helper, called once per tile, lost every copy made inside its slice loop; AsyncCopyKernels'
     * twoTileHelper case). The same function kept out of line but given a pointer that clang cannot replace, or
     * inlined, is correct. The C is valid OpenCL either way; CUDA keeps {@link #deviceFunctionQualifier}.
     */
    String localPointerFunctionQualifier() {
        return "static inline __attribute__((always_inline))";
    }

    /** A work-item id or size built-in as an int. */
    String workItem(String what, int dim) {
        char xyz = "xyz".charAt(dim);
        if (cuda) {
            return switch (what) {
                case "globalId" -> "((int)(blockIdx." + xyz + " * blockDim." + xyz + " + threadIdx." + xyz + "))";
                case "localId" -> "((int)threadIdx." + xyz + ")";
                case "groupId" -> "((int)blockIdx." + xyz + ")";
                case "globalSize" -> "((int)(gridDim." + xyz + " * blockDim." + xyz + "))";
                case "localSize" -> "((int)blockDim." + xyz + ")";
                default -> throw new IllegalArgumentException(what);
            };
        }
        String fn = switch (what) {
            case "globalId" -> "get_global_id";
            case "localId" -> "get_local_id";
            case "groupId" -> "get_group_id";
            case "globalSize" -> "get_global_size";
            case "localSize" -> "get_local_size";
            default -> throw new IllegalArgumentException(what);
        };
        return "((int)" + fn + "(" + dim + "))";
    }

    String barrier(boolean global) {
        if (cuda) {
            return "__syncthreads();";
        }
        return global ? "barrier(CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE);" : "barrier(CLK_LOCAL_MEM_FENCE);";
    }

    /** Reinterprets bits: from kind {@code from} to kind {@code to}. */
    String bitCast(Kind from, Kind to, String x) {
        if (cuda) {
            return switch (from) {
                case F -> "__float_as_int(" + x + ")";
                case I -> "__int_as_float(" + x + ")";
                case D -> "__double_as_longlong(" + x + ")";
                case J -> "__longlong_as_double(" + x + ")";
            };
        }
        return "as_" + type(to) + "(" + x + ")";
    }

    /** A math built-in name for the kind (CUDA wants the f-suffixed float versions). */
    String math(String name, Kind k) {
        if (k == Kind.D) {
            usedDouble = true;
        }
        return cuda && k == Kind.F ? name + "f" : name;
    }

    /** The 32-bit lvalue of the bf16 pair at even element {@code index} of {@code ptr} (a bf16 array). */
    String pairAt(ArrayRef.Space s, String ptr, String index) {
        return "(*(" + space(s) + "int*)(" + ptr + " + (" + index + ")))";
    }

    String halfLoad(String ptr, String index) {
        return cuda ? "__half2float(" + ptr + "[" + index + "])" : "vload_half(" + index + ", " + ptr + ")";
    }

    /** Stores through the jm_store_half helper (round to nearest even, NaN payloads kept as Java keeps them). */
    String halfStore(String ptr, String index, String value) {
        return "jm_store_half(" + ptr + ", " + index + ", " + value + ");";
    }

    String longSuffix() {
        return cuda ? "LL" : "L";
    }

    String floatLiteral(float f) {
        if (Float.isNaN(f)) {
            return cuda ? "__int_as_float(0x7fc00000)" : "as_float(0x7fc00000)";
        }
        if (Float.isInfinite(f)) {
            String bits = f > 0 ? "0x7f800000" : "(int)0xff800000u";
            return cuda ? "__int_as_float(" + bits + ")" : "as_float(" + bits + ")";
        }
        String s = Float.toString(f) + "f";
        return f < 0 || (f == 0 && 1 / f < 0) ? "(" + s + ")" : s;
    }

    String doubleLiteral(double d) {
        usedDouble = true;
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            String bits = Double.isNaN(d) ? "0x7ff8000000000000" : d > 0 ? "0x7ff0000000000000" : "(long long)0xfff0000000000000ull";
            if (!cuda) {
                bits = Double.isNaN(d) ? "0x7ff8000000000000L" : d > 0 ? "0x7ff0000000000000L" : "(long)0xfff0000000000000UL";
                return "as_double(" + bits + ")";
            }
            return "__longlong_as_double(" + (bits.startsWith("(") ? bits : bits + "LL") + ")";
        }
        String s = Double.toString(d);
        return d < 0 || (d == 0 && 1 / d < 0) ? "(" + s + ")" : s;
    }

    String intLiteral(int v) {
        if (v == Integer.MIN_VALUE) {
            return "(-2147483647-1)";
        }
        return v < 0 ? "(" + v + ")" : Integer.toString(v);
    }

    String longLiteral(long v) {
        String l = longSuffix();
        if (v == Long.MIN_VALUE) {
            return "(-9223372036854775807" + l + "-1" + l + ")";
        }
        return v < 0 ? "(" + v + l + ")" : v + l;
    }
}
