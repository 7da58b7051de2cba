package io.jmamba.runtime.backend.cuda;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.KernelMath;
import io.jmamba.runtime.api.Parallel;
import io.jmamba.runtime.api.Specialize;

/** Java kernels the CUDA tests compile through the JIT. */
public final class CudaJitKernels {
    private CudaJitKernels() {
    }

    public static void axpy(FloatArray x, FloatArray y, float a) {
        for (@Parallel int i = 0; i < y.getSize(); i++) {
            y.set(i, a * x.get(i) + y.get(i));
        }
    }

    /** out[r * cols + c] = in[c * rows + r] * scale + r - c, over a 2-D @Parallel nest. */
    public static void transposeScale(FloatArray in, FloatArray out, int rows, int cols, float scale) {
        for (@Parallel int r = 0; r < rows; r++) {
            for (@Parallel int c = 0; c < cols; c++) {
                out.set(r * cols + c, in.get(c * rows + r) * scale + r - c);
            }
        }
    }

    /** Each work-group sums its items' inputs through local memory and barriers. */
    public static void groupSum(KernelContext ctx, FloatArray in, FloatArray out) {
        float[] scratch = ctx.allocateFloatLocalArray(128);
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

    /** A window sum of specialised width (a causal-conv shape): the loop over {@code width} unrolls. */
    public static void windowSum(FloatArray in, FloatArray out, @Specialize int width) {
        for (@Parallel int i = 0; i < out.getSize(); i++) {
            float s = 0f;
            for (int k = 0; k < width; k++) {
                int j = i - k;
                s += j >= 0 ? in.get(j) : 0f;
            }
            out.set(i, s);
        }
    }

    /** Integer and math built-ins: a histogram with atomics and an exp-softplus. */
    public static void histogram(KernelContext ctx, IntArray values, IntArray counts) {
        int v = values.get(ctx.globalIdx);
        ctx.atomicAdd(counts, (int) (v % counts.getSize()), 1);
    }

    public static void softplus(FloatArray x, FloatArray y) {
        for (@Parallel int i = 0; i < x.getSize(); i++) {
            float v = x.get(i);
            y.set(i, v > 20f ? v : KernelMath.log1p(KernelMath.exp(v)));
        }
    }
}
