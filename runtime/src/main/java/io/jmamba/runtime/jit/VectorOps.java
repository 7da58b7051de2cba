package io.jmamba.runtime.jit;

/**
 * {@code FloatArray.get4/set4} and {@code BFloat16Array.get4/set4}: four consecutive elements moved
 * between a global array and a private or local float array in one vector access. OpenCL C has
 * {@code vload4}/{@code vstore4}, which need only element alignment. CUDA's {@code float4}/{@code uint2}
 * accesses need 16-/8-byte alignment, which depends on the index at run time, so the generated code
 * tests the address and falls back to four scalar accesses: always correct, and one branch that every
 * thread of a warp takes the same way in the usual {@code 4 * i} pattern.
 *
 * <p>Each access is a C block with its own {@code jm_}-prefixed temporaries (user names never start
 * with {@code jm_}); the index and offset are evaluated once.
 */
final class VectorOps {
    private VectorOps() {
    }

    static String load4(CSyntax c, ArrayRef a, String index, String dst, String offset) {
        boolean bf16 = a.elem() == ElemType.BF16;
        String elem = c.elemType(a.elem());
        StringBuilder sb = new StringBuilder("{ ");
        sb.append(c.space(a.space())).append("const ").append(elem).append("* jm_p = ").append(a.cName()).append(" + (")
                .append(index).append("); const int jm_o = ").append(offset).append(";\n");
        if (c.cuda) {
            String vec = bf16 ? "uint2" : "float4";
            sb.append("        if ((((unsigned long long)jm_p) & ").append(bf16 ? 7 : 15).append("ull) == 0ull) {\n")
                    .append("            const ").append(vec).append(" jm_v = *(const ").append(vec).append("*)jm_p;\n");
            String[] parts = bf16
                    ? new String[] {"(unsigned short)(jm_v.x & 0xffffu)", "(unsigned short)(jm_v.x >> 16)",
                            "(unsigned short)(jm_v.y & 0xffffu)", "(unsigned short)(jm_v.y >> 16)"}
                    : new String[] {"jm_v.x", "jm_v.y", "jm_v.z", "jm_v.w"};
            for (int k = 0; k < 4; k++) {
                sb.append("            ").append(dst).append("[jm_o + ").append(k).append("] = ").append(widen(bf16, parts[k])).append(";\n");
            }
            sb.append("        } else {\n");
            for (int k = 0; k < 4; k++) {
                sb.append("            ").append(dst).append("[jm_o + ").append(k).append("] = ")
                        .append(widen(bf16, "jm_p[" + k + "]")).append(";\n");
            }
            sb.append("        }\n    }");
            return sb.toString();
        }
        sb.append("        const ").append(bf16 ? "ushort4" : "float4").append(" jm_v = vload4(0, jm_p);\n");
        String[] lanes = {"x", "y", "z", "w"};
        for (int k = 0; k < 4; k++) {
            sb.append("        ").append(dst).append("[jm_o + ").append(k).append("] = ").append(widen(bf16, "jm_v." + lanes[k])).append(";\n");
        }
        return sb.append("    }").toString();
    }

    static String store4(CSyntax c, ArrayRef a, String index, String src, String offset) {
        boolean bf16 = a.elem() == ElemType.BF16;
        String elem = c.elemType(a.elem());
        StringBuilder sb = new StringBuilder("{ ");
        sb.append(c.space(a.space())).append(elem).append("* jm_p = ").append(a.cName()).append(" + (").append(index)
                .append("); const int jm_o = ").append(offset).append(";\n");
        // all four values are read (and rounded) before anything is written, as in Java's set4
        String[] v = new String[4];
        for (int k = 0; k < 4; k++) {
            v[k] = "jm_s" + k;
            sb.append("        const ").append(elem).append(' ').append(v[k]).append(" = ")
                    .append(narrow(bf16, src + "[jm_o + " + k + "]")).append(";\n");
        }
        if (c.cuda) {
            sb.append("        if ((((unsigned long long)jm_p) & ").append(bf16 ? 7 : 15).append("ull) == 0ull) {\n");
            if (bf16) {
                sb.append("            *(uint2*)jm_p = make_uint2((unsigned int)jm_s0 | ((unsigned int)jm_s1 << 16), ")
                        .append("(unsigned int)jm_s2 | ((unsigned int)jm_s3 << 16));\n");
            } else {
                sb.append("            *(float4*)jm_p = make_float4(jm_s0, jm_s1, jm_s2, jm_s3);\n");
            }
            sb.append("        } else {\n");
            for (int k = 0; k < 4; k++) {
                sb.append("            jm_p[").append(k).append("] = ").append(v[k]).append(";\n");
            }
            sb.append("        }\n    }");
            return sb.toString();
        }
        sb.append("        vstore4((").append(bf16 ? "ushort4" : "float4").append(")(jm_s0, jm_s1, jm_s2, jm_s3), 0, jm_p);\n");
        return sb.append("    }").toString();
    }

    private static String widen(boolean bf16, String bits) {
        return bf16 ? "jm_bf16_to_float(" + bits + ")" : bits;
    }

    private static String narrow(boolean bf16, String value) {
        return bf16 ? "jm_float_to_bf16(" + value + ")" : value;
    }
}
