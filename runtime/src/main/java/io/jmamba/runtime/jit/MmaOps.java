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

    static void defineHelpers() {
        define("jm_mma_bf16", "unsigned short", "bf16", "__global const ushort*", "jm_bf16_to_float(a[ia])",
                "jm_bf16_to_float(b[ib])");
        define("jm_mma_f16", "__half", "f16", "__global const half*", "vload_half(ia, a)", "vload_half(ib, b)");
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
