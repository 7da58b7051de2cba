package io.jmamba.runtime.backend.cuda;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelContext;

/** A kernel for {@link CudaPdlGpuTest}: each launch reads what other blocks of the launch before it wrote. */
public final class PdlKernels {
    private PdlKernels() {
    }

    /** out[i] = in[(7919 i + 13) % n] / 2 + w[i]; w (read-only) is read before the wait. */
    public static void chainStep(KernelContext ctx, FloatArray w, FloatArray in, FloatArray out, int n) {
        int i = ctx.globalIdx;
        float wi = w.get(i);
        ctx.gridDependencyWait();
        ctx.launchDependents();
        int j = (int) (((long) i * 7919 + 13) % n);
        out.set(i, in.get(j) * 0.5f + wi);
    }
}
