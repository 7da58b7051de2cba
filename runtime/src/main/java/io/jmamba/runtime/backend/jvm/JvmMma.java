package io.jmamba.runtime.backend.jvm;

import java.util.function.LongToDoubleFunction;

/**
 * The reference of {@code KernelContext.mmaBf16/mmaF16} for one lane: its four accumulator elements,
 * each {@code c + a0*b0 + ... + a15*b15} added left to right in float (the OpenCL fallback computes
 * exactly the same).
 */
final class JvmMma {
    private JvmMma() {
    }

    /** {@code a} and {@code b} read one element (widened to float, exactly) by index. */
    static void mma(LongToDoubleFunction a, long aIndex, int lda, LongToDoubleFunction b, long bIndex, int ldb,
                    float[] acc, int accOffset, int lane) {
        int group = lane >> 2;
        int inGroup = lane & 3;
        for (int j = 0; j < 4; j++) {
            int row = group + 8 * (j >> 1);
            int col = 2 * inGroup + (j & 1);
            float s = acc[accOffset + j];
            for (int k = 0; k < 16; k++) {
                s += (float) a.applyAsDouble(aIndex + (long) row * lda + k) * (float) b.applyAsDouble(bIndex + (long) k * ldb + col);
            }
            acc[accOffset + j] = s;
        }
    }
    /** Element widening of one fragment register half ({@code bits} already shifted to bits 0-15, or a tf32 float). */
    enum Operand {
        BF16 {
            @Override
            float widen(int bits) {
                return Float.intBitsToFloat((bits & 0xffff) << 16);
            }
        },
        F16 {
            @Override
            float widen(int bits) {
                return Float.float16ToFloat((short) bits);
            }
        },
        /** The tensor core reads sign, exponent and the top 10 mantissa bits: the low 13 are ignored. */
        TF32 {
            @Override
            float widen(int bits) {
                return Float.intBitsToFloat(bits & 0xffffe000);
            }
        };

        abstract float widen(int bits);
    }

    /**
     * The reference of the register-fragment MMAs for one lane, given the warp's published registers
     * {@code a[reg][lane]} (4 A registers) and {@code b[reg][lane]} (2 B registers): element j of the
     * accumulator, (row g + 8 * (j / 2), column 2t + j % 2), becomes {@code c + A(r,0)*B(0,c) + ...} added
     * left to right in float over K = 16 (bf16, f16: two elements per register) or K = 8 (tf32). The OpenCL
     * helper {@code jm_mma_frag_*} computes the same sums in the same order.
     */
    static void frag(Operand type, int[][] a, int[][] b, float[] acc, int accOffset, int lane) {
        int g = lane >> 2;
        int t = lane & 3;
        int per = type == Operand.TF32 ? 1 : 2;   // elements per register
        int halfK = 4 * per;                      // k of the first register (a0/a1, b0); the rest in a2/a3, b1
        for (int j = 0; j < 4; j++) {
            int hi = j >> 1;
            int col = 2 * t + (j & 1);
            float s = acc[accOffset + j];
            for (int k = 0; k < 2 * halfK; k++) {
                int second = k >= halfK ? 1 : 0;
                int kk = k - second * halfK;
                int q = kk / per;
                int shift = 16 * (kk % per);
                float av = type.widen(a[hi + 2 * second][4 * g + q] >>> shift);
                float bv = type.widen(b[second][4 * col + q] >>> shift);
                s = s + av * bv;
            }
            acc[accOffset + j] = s;
        }
    }
}
