package io.jmamba.runtime.backend.opencl;

import io.jmamba.runtime.api.DoubleArray;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.Parallel;
import io.jmamba.runtime.api.Specialize;

/** Small annotated-Java kernels that the JIT compiles for the end-to-end tests on OpenCL. */
final class JitKernels {
    private JitKernels() {
    }

    static void saxpy(FloatArray x, FloatArray y, float a) {
        for (@Parallel int i = 0; i < y.getSize(); i++) {
            y.set(i, a * x.get(i) + y.get(i));
        }
    }

    /** Horner's rule with a specialised degree: out[i] = sum over k of k * x^(degree - k). */
    static void polynomial(DoubleArray x, DoubleArray out, @Specialize int degree) {
        for (@Parallel int i = 0; i < x.getSize(); i++) {
            double acc = 0;
            double xi = x.get(i);
            for (int k = 0; k <= degree; k++) {
                acc = acc * xi + k;
            }
            out.set(i, acc);
        }
    }

    /** Two nested parallel loops, with long arithmetic for the index. */
    static void coordinates(IntArray out, int width, int height) {
        for (@Parallel int y = 0; y < height; y++) {
            for (@Parallel int x = 0; x < width; x++) {
                out.set((long) y * width + x, y * 1000 + x);
            }
        }
    }

    /** Work-group sum through local memory and barriers (groups of 64). */
    static void groupSum(KernelContext ctx, IntArray in, IntArray out) {
        int[] scratch = ctx.allocateIntLocalArray(64);
        int l = ctx.localIdx;
        scratch[l] = in.get(ctx.globalIdx);
        for (int stride = ctx.localGroupSizeX / 2; stride > 0; stride /= 2) {
            ctx.localBarrier();
            if (l < stride) {
                scratch[l] += scratch[l + stride];
            }
        }
        ctx.localBarrier();
        if (l == 0) {
            out.set(ctx.groupIdx, scratch[0]);
        }
    }
}
