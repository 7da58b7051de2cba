package io.jmamba.runtime.jit;

import java.util.List;

/**
 * {@code KernelContext.mmaBf16/mmaF16}: a warp's 16 x 8 x 16 matrix multiply-accumulate. CUDA C issues
 * the tensor-core instruction {@code mma.sync.aligned.m16n8k16.row.col.f32.{bf16,f16}} through inline PTX
 * (sm_80 and later; no header needed, so NVRTC compiles it as is), each lane loading its A and B
 * fragment elements straight from global memory in the layout the PTX ISA specifies. OpenCL C has no
 * tensor cores: each work-item computes its four accumulator elements with float arithmetic, the same
 * left-to-right sums as the JVM reference, and needs no exchange between lanes.
 *
 * <p>IR: {@code mma.bf16} / {@code mma.f16} with arguments (A, A index, lda, B, B index, ldb, accumulator,
 * accumulator offset, lane).
 *
 * <p>{@code KernelContext.mmaBf16Frag/mmaF16Frag/mmaTf32Frag} (IR {@code mma.frag.bf16/f16/tf32}, arguments
 * a0..a3, b0, b1, accumulator, accumulator offset) take the fragments from registers: on CUDA one
 * {@code mma.sync} whose operands are those registers (a plain, non-volatile asm: it has no side effects,
 * so the compiler may schedule it). On OpenCL the lanes publish their six registers one at a time in the
 * warp scratch ({@code jm_warp_put}: barrier, write, barrier) and each work-item gathers the four A
 * registers of its quad and the B registers of the lanes that own its two columns, then sums its four
 * elements left to right in float exactly as the JVM's {@code JvmMma} does.
 */
final class MmaOps {
    private MmaOps() {
    }

    /** The C call; {@code args} are the printed IR arguments. */
    static String call(String op, List<String> args, JavaHelpers helpers) {
        boolean f16 = op.equals("mma.f16");
        String name = helpers.use(f16 ? "jm_mma_f16" : "jm_mma_bf16");
        return name + "(" + args.get(0) + ", " + args.get(1) + ", " + args.get(2) + ", " + args.get(3) + ", "
                + args.get(4) + ", " + args.get(5) + ", " + args.get(6) + " + (" + args.get(7) + "), " + args.get(8) + ")";
    }

    /** The C call of a register-fragment MMA; {@code args} are the printed IR arguments. */
    static String fragCall(String op, List<String> args, JavaHelpers helpers, CSyntax c) {
        String name = helpers.use("jm_mma_frag_" + op.substring("mma.frag.".length()));
        String operands = String.join(", ", args.subList(0, 6)) + ", " + args.get(6) + " + (" + args.get(7) + ")";
        return name + "(" + (c.cuda ? operands : WarpOps.SCRATCH + ", " + WarpOps.LOCAL_ID + ", " + operands) + ")";
    }

    static void defineHelpers() {
        JavaHelpers.defByDialect("jm_half_bits_to_float", List.of(), "", """
                $Q float jm_half_bits_to_float(ushort h) {
                    /* OpenCL C 1.2 reads half only through vload_half: go through a private copy */
                    ushort p = h;
                    return vload_half(0, (const half*)&p);
                }""");
        JavaHelpers.defByDialect("jm_pack_bf16x2", List.of("jm_float_to_bf16"), """
                $Q int jm_pack_bf16x2(float lo, float hi) {
                    /* one cvt: d = {a -> bits 16-31, b -> bits 0-15}, round to nearest even (a NaN becomes the canonical NaN) */
                    unsigned int r;
                    asm("cvt.rn.bf16x2.f32 %0, %1, %2;" : "=r"(r) : "f"(hi), "f"(lo));
                    return (int)r;
                }""", """
                $Q int jm_pack_bf16x2(float lo, float hi) {
                    return (int)((uint)jm_float_to_bf16(lo) | ((uint)jm_float_to_bf16(hi) << 16));
                }""");
        JavaHelpers.defByDialect("jm_round_tf32", List.of(), """
                $Q float jm_round_tf32(float x) {
                    /* KernelMath.roundTf32: nearest, ties away; the mask pins the low 13 bits to zero as the JVM has them */
                    unsigned int r;
                    asm("cvt.rna.tf32.f32 %0, %1;" : "=r"(r) : "f"(x));
                    return __uint_as_float(r & 0xffffe000u);
                }""", """
                $Q float jm_round_tf32(float x) {
                    /* KernelMath.roundTf32: half a tf32 ulp added to the magnitude bits, then truncated (ties away) */
                    uint u = as_uint(x);
                    if ((u & 0x7fffffffu) > 0x7f800000u) return as_float((u & 0xffffe000u) | 0x00400000u);
                    if ((u & 0x7fffffffu) == 0x7f800000u) return x;
                    return as_float((u + 0x1000u) & 0xffffe000u);
                }""");
        // after the helpers they use: definitions are emitted in the order they are defined
        defineFrag("bf16", "int", "m16n8k16", 16, "jm_bf16_to_float((ushort)(X))");
        defineFrag("f16", "int", "m16n8k16", 16, "jm_half_bits_to_float((ushort)(X))");
        defineFrag("tf32", "float", "m16n8k8", 8, "as_float((int)((uint)(X) & 0xffffe000u))");

        define("jm_mma_bf16", "unsigned short", "bf16", "__global const ushort*", "jm_bf16_to_float(a[ia])",
                "jm_bf16_to_float(b[ib])");
        define("jm_mma_f16", "__half", "f16", "__global const half*", "vload_half(ia, a)", "vload_half(ib, b)");
    }

    /**
     * {@code jm_mma_frag_TYPE}. OpenCL gathers, for lane (g, t): A's registers from the quad's lanes 4g..4g+3
     * (lane 4g + q holds A(row, 2q..2q+1) and A(row, 2q+8..2q+9) for bf16/f16, A(row, q) and A(row, q+4) for
     * tf32) and B's from lanes 4c..4c+3 for its columns c = 2t and 2t+1; element k of a pair register is its
     * low half when k is even.
     */
    private static void defineFrag(String type, String regType, String shape, int k, String widen) {
        String name = "jm_mma_frag_" + type;
        boolean tf32 = type.equals("tf32");
        String cuda = """
                $Q void NAME(REG a0, REG a1, REG a2, REG a3, REG b0, REG b1, float* acc) {
                    /* registers in the PTX ISA's fragment layout (see KernelContext.mmaXXFrag) */
                    float d0 = acc[0], d1 = acc[1], d2 = acc[2], d3 = acc[3];
                    asm("mma.sync.aligned.SHAPE.row.col.f32.TYPE.TYPE.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};"
                        : "+f"(d0), "+f"(d1), "+f"(d2), "+f"(d3)
                        : "r"(R(a0)), "r"(R(a1)), "r"(R(a2)), "r"(R(a3)), "r"(R(b0)), "r"(R(b1)));
                    acc[0] = d0; acc[1] = d1; acc[2] = d2; acc[3] = d3;
                }""";
        // tf32 operands are float bit patterns; PTX wants them in .b32 registers
        for (String r : List.of("a0", "a1", "a2", "a3", "b0", "b1")) {
            cuda = cuda.replace("R(" + r + ")", tf32 ? "__float_as_uint(" + r + ")" : r);
        }
        cuda = cuda.replace("NAME", name).replace("REG", regType).replace("SHAPE", shape).replace("TYPE", type);
        // k-th element (0..K-1) of row r / column c: lane q = (k % (K/2)) / PER, register half k % PER
        int per = tf32 ? 1 : 2;
        String opencl = """
                $Q void NAME(__local int* s, int lid, REG a0, REG a1, REG a2, REG a3, REG b0, REG b1, float* acc) {
                    /* emulated warp: publish each register, gather what this lane's four elements need */
                    int lane = lid & 31, g = lane >> 2, t = lane & 3;
                    int w, q;
                    int ra[4][4], rb[2][2][4]; /* ra[reg][q]: A register reg of lane 4g+q; rb[reg][col][q]: B of lane 4(2t+col)+q */
                    w = jm_warp_put(s, lid, BITS(a0)); for (q = 0; q < 4; q++) ra[0][q] = s[w + 4 * g + q];
                    w = jm_warp_put(s, lid, BITS(a1)); for (q = 0; q < 4; q++) ra[1][q] = s[w + 4 * g + q];
                    w = jm_warp_put(s, lid, BITS(a2)); for (q = 0; q < 4; q++) ra[2][q] = s[w + 4 * g + q];
                    w = jm_warp_put(s, lid, BITS(a3)); for (q = 0; q < 4; q++) ra[3][q] = s[w + 4 * g + q];
                    w = jm_warp_put(s, lid, BITS(b0));
                    for (q = 0; q < 4; q++) { rb[0][0][q] = s[w + 8 * t + q]; rb[0][1][q] = s[w + 8 * t + 4 + q]; }
                    w = jm_warp_put(s, lid, BITS(b1));
                    for (q = 0; q < 4; q++) { rb[1][0][q] = s[w + 8 * t + q]; rb[1][1][q] = s[w + 8 * t + 4 + q]; }
                    for (int j = 0; j < 4; j++) {
                        int hi = j >> 1, col = j & 1;
                        float sum = acc[j];
                        for (int k = 0; k < KK; k++) {
                            int second = k >= HALFK, kk = k - (second ? HALFK : 0), lq = kk / PER;
                            int shift = 16 * (kk % PER);
                            int av = ra[hi + 2 * second][lq], bv = rb[second][col][lq];
                            sum = sum + WIDEN_A * WIDEN_B;
                        }
                        acc[j] = sum;
                    }
                }""".replace("NAME", name).replace("REG", regType).replace("KK", String.valueOf(k))
                .replace("HALFK", String.valueOf(k / 2)).replace("PER", String.valueOf(per))
                .replace("BITS(", tf32 ? "as_int(" : "(")
                .replace("WIDEN_A", widen.replace("X", tf32 ? "av" : "(uint)av >> shift"))
                .replace("WIDEN_B", widen.replace("X", tf32 ? "bv" : "(uint)bv >> shift"));
        List<String> deps = switch (type) {
            case "bf16" -> List.of("jm_warp_put", "jm_bf16_to_float");
            case "f16" -> List.of("jm_warp_put", "jm_half_bits_to_float");
            default -> List.of("jm_warp_put");
        };
        JavaHelpers.defByDialect(name, deps, cuda, opencl);
    }

    private static void define(String name, String cudaElem, String ptxType, String oclPointer, String loadA, String loadB) {
        String cuda = """
                $Q void NAME(const ELEM* ap, long long ai, int lda, const ELEM* bp, long long bi, int ldb, float* acc, int lane) {
                    /* mma.m16n8k16 fragments (PTX ISA), lane = 4 * g + t: A rows g and g + 8, columns 2t, 2t + 1 and
                       the same + 8; B rows 2t, 2t + 1 and + 8, column g; C/D rows g and g + 8, columns 2t, 2t + 1.
                       Two 16-bit elements per register, the first in the low half. */
                    const unsigned short* a = (const unsigned short*)ap;
                    const unsigned short* b = (const unsigned short*)bp;
                    int g = lane >> 2, t = lane & 3;
                    const unsigned short* r0 = a + ai + (long long)g * lda + 2 * t;
                    const unsigned short* r8 = r0 + 8LL * lda;
                    unsigned int a0 = (unsigned int)r0[0] | ((unsigned int)r0[1] << 16);
                    unsigned int a1 = (unsigned int)r8[0] | ((unsigned int)r8[1] << 16);
                    unsigned int a2 = (unsigned int)r0[8] | ((unsigned int)r0[9] << 16);
                    unsigned int a3 = (unsigned int)r8[8] | ((unsigned int)r8[9] << 16);
                    const unsigned short* c0 = b + bi + (long long)(2 * t) * ldb + g;
                    unsigned int b0 = (unsigned int)c0[0] | ((unsigned int)c0[ldb] << 16);
                    unsigned int b1 = (unsigned int)c0[8LL * ldb] | ((unsigned int)c0[9LL * ldb] << 16);
                    float d0 = acc[0], d1 = acc[1], d2 = acc[2], d3 = acc[3];
                    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.TYPE.TYPE.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};"
                                 : "+f"(d0), "+f"(d1), "+f"(d2), "+f"(d3)
                                 : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
                    acc[0] = d0; acc[1] = d1; acc[2] = d2; acc[3] = d3;
                }""".replace("NAME", name).replace("ELEM", cudaElem).replace("TYPE", ptxType);
        String opencl = """
                $Q void NAME(POINTER a, long ai, int lda, POINTER b, long bi, int ldb, float* acc, int lane) {
                    /* no tensor cores: each work-item sums its four accumulator elements left to right, as the JVM does */
                    int g = lane >> 2, t = lane & 3;
                    for (int j = 0; j < 4; j++) {
                        int row = g + 8 * (j >> 1), col = 2 * t + (j & 1);
                        float s = acc[j];
                        for (int k = 0; k < 16; k++) {
                            long ia = ai + (long)row * lda + k, ib = bi + (long)k * ldb + col;
                            s = s + LOADA * LOADB;
                        }
                        acc[j] = s;
                    }
                }""".replace("NAME", name).replace("POINTER", oclPointer).replace("LOADA", loadA).replace("LOADB", loadB);
        JavaHelpers.defByDialect(name, List.of("jm_bf16_to_float"), cuda, opencl);
    }
}
