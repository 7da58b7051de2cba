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
}
