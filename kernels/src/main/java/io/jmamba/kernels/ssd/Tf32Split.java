package io.jmamba.kernels.ssd;

import io.jmamba.runtime.api.KernelContext;

import static io.jmamba.kernels.ssd.SsdTensorKernels.NT;

/**
 * The split of a float into the two TF32 operands of a 3xTF32 product ({@link SsdTf32StateKernels},
 * {@link SsdTf32CbKernels}, {@link SsdTf32ScanKernels}): {@code v} itself is the big operand, since the tensor core (and
 * the JVM and OpenCL forms of {@code mmaTf32Frag}) reads only its sign, exponent and top 10 mantissa bits, and
 * {@link #low} is the rest, exact in float. Then {@code a b ~ a low(b) + low(a) b + a b} in three MMAs; the dropped
 * {@code low(a) low(b)} (below 2^-20 of the product, as each low part is below 2^-10 of its value) and the tensor
 * core's truncation of the two low parts (below 2^-20 each) leave an error below 3 x 2^-20 of the product.
 *
 * <p>Why truncation and not {@code KernelMath.roundTf32} (nearest): on sm_90 {@code cvt.rna.tf32.f32} compiles to four
 * instructions with its NaN checks (FSETP, VIADD, SEL, then the JIT's LOP3 mask), two per element of the split. With
 * them the chunk scan ran 10.7 instructions per HMMA; truncating (one LOP3 and one FADD) brought it to 7.0 and the
 * kernel from 1.56 to 1.25 ms at 64K tokens (H100, ncu, runs 54 and 55). The low part doubles in size, which stays far
 * inside the float fixtures' tolerance.
 */
final class Tf32Split {
    private Tf32Split() {
    }

    /** {@code v} minus its TF32 truncation (the low 13 mantissa bits, as a float of the same sign). */
    static float low(float v) {
        return v - Float.intBitsToFloat(Float.floatToRawIntBits(v) & 0xffffe000);
    }

    /**
     * acc += A B for the {@code NT} (8) n8 tiles of one k8 step in three TF32 products each, A given as its values {@code a*}
     * and their {@link #low} parts {@code l*}, B of tile j in {@code b[2j]}, {@code b[2j + 1]} (b0, b1; split here),
     * accumulator of tile j at {@code acc[4j..]}. The products go in three passes over the tiles, the small terms first
     * (so that they reach the accumulator before the big term grows it). With the B fragments of all tiles loaded before
     * the MMAs (this signature), ncu's source view of the chunk scan went from the three MMAs of a tile back to back
     * with NOPs between them (30M NOPs, "wait" 38% of the stall samples, run 57) to 5M NOPs and 28.5% (run 58); the
     * order of the passes itself made no difference in a same-run A/B against tile-by-tile order (H100, run 65: SSD
     * 64K 1.919 / 1.952 against 1.923 / 1.908 ms, 1M 31.70 / 31.75 against 31.77 / 31.95).
     */
    static void mma3(KernelContext ctx, float a0, float a1, float a2, float a3, float l0, float l1, float l2, float l3,
                     float[] b, float[] acc) {
        for (int j = 0; j < NT; j++) {
            ctx.mmaTf32Frag(a0, a1, a2, a3, low(b[2 * j]), low(b[2 * j + 1]), acc, 4 * j);
        }
        for (int j = 0; j < NT; j++) {
            ctx.mmaTf32Frag(l0, l1, l2, l3, b[2 * j], b[2 * j + 1], acc, 4 * j);
        }
        for (int j = 0; j < NT; j++) {
            ctx.mmaTf32Frag(a0, a1, a2, a3, b[2 * j], b[2 * j + 1], acc, 4 * j);
        }
    }
}
