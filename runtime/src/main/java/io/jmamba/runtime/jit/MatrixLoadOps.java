package io.jmamba.runtime.jit;

import java.util.List;

/**
 * {@code KernelContext.ldmatrixX4 / ldmatrixX4Trans}: MMA fragments of a 16 x 16 tile of 16-bit values loaded
 * from work-group local memory. CUDA C (compute capability 7.5 and up) issues
 * {@code ldmatrix.sync.aligned.m8n8.x4[.trans].shared.b16}: lanes 8i..8i+7 give the shared addresses of the
 * eight rows of quarter i (rows {@code 8 (i % 2)}.., int columns {@code 4 (i / 2)}..), and register i of every
 * lane receives its two elements of quarter i. The asm is volatile (all 32 lanes must reach it; it stays out of
 * branches) with a memory clobber (it stays after the barrier that published the tile). Below 7.5, and on
 * OpenCL, each work-item reads its own elements (the API defines them per lane from the warp-uniform index and
 * stride, so no exchange is needed).
 *
 * <p>IR: {@link #LOAD} / {@link #LOAD_TRANS} with arguments (local array, index, stride, private int array,
 * offset, lane).
 */
final class MatrixLoadOps {
    static final String LOAD = "ldmatrix.x4";
    static final String LOAD_TRANS = "ldmatrix.x4.trans";

    private MatrixLoadOps() {
    }

    static void defineHelpers() {
        String direct = """
                    int g = lane >> 2, t = lane & 3;
                    for (int i = 0; i < 4; i++) r[i] = m[(8 * (i & 1) + g) * stride + 4 * (i >> 1) + t];""";
        String transposed = """
                    int g = lane >> 2, t = lane & 3, h = 16 * (g & 1);
                    for (int i = 0; i < 4; i++) {
                        int at = (8 * (i & 1) + 2 * t) * stride + 4 * (i >> 1) + (g >> 1);
                        r[i] = (int)((((UINT)m[at] >> h) & 0xffffu) | (((UINT)m[at + stride] >> h) << 16));
                    }""";
        define("jm_ldmatrix_x4", "", direct);
        define("jm_ldmatrix_x4_trans", ".trans", transposed);
    }

    private static void define(String name, String trans, String perLane) {
        String cuda = """
                $Q void NAME(const int* m, int stride, int lane, int* r) {
                #if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 750
                    /* lanes 8i..8i+7: the rows of quarter i (rows 8 (i % 2).., int columns 4 (i / 2)..) */
                    const int* row = m + ((lane & 7) + 8 * ((lane >> 3) & 1)) * stride + 4 * (lane >> 4);
                    unsigned int r0, r1, r2, r3;
                    asm volatile("ldmatrix.sync.aligned.m8n8.x4TRANS.shared.b16 {%0,%1,%2,%3}, [%4];"
                        : "=r"(r0), "=r"(r1), "=r"(r2), "=r"(r3) : "r"(jm_shared_address(row)) : "memory");
                    r[0] = (int)r0; r[1] = (int)r1; r[2] = (int)r2; r[3] = (int)r3;
                #else
                PER_LANE
                #endif
                }""".replace("NAME", name).replace("TRANS", trans).replace("PER_LANE", indented(perLane.replace("UINT", "unsigned int")));
        String opencl = """
                $Q void NAME(__local const int* m, int stride, int lane, int* r) {
                    /* each work-item reads its own elements of the four quarters */
                PER_LANE
                }""".replace("NAME", name).replace("PER_LANE", indented(perLane.replace("UINT", "uint")));
        JavaHelpers.defByDialect(name, List.of("jm_shared_address"), cuda, opencl);
    }

    private static String indented(String body) {
        return body.indent(4).stripTrailing();
    }

    /** The C call; {@code local}, {@code regs} are the arrays, the rest printed IR arguments. */
    static String call(String op, ArrayRef local, String index, String stride, ArrayRef regs, String offset, String lane,
                       JavaHelpers helpers) {
        String name = helpers.use(op.equals(LOAD) ? "jm_ldmatrix_x4" : "jm_ldmatrix_x4_trans");
        return name + "(" + local.cName() + " + (" + index + "), " + stride + ", " + lane + ", " + regs.cName() + " + (" + offset + "));";
    }
}
