package io.jmamba.runtime.conformance;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.WorkerGrid1D;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Programmatic dependent launch (KernelContext.gridDependencyWait / launchDependents): no-ops off CUDA, so the
 * results must be those of the same kernel without them. The kernels have the shape a decode GEMV takes: a
 * read-only weight loaded before the wait, the predecessor's output after it, the release after that; one
 * of them waits inside a helper method and behind a branch every item takes.
 */
public final class GridDependencyKernels {
    static final int N = 512;

    private GridDependencyKernels() {
    }

    /** out[i] = w[i] * x[i] + 1, w read before the wait. */
    public static void scaleAfterWait(KernelContext ctx, FloatArray w, FloatArray x, FloatArray out) {
        int i = ctx.globalIdx;
        float wi = w.get(i);
        ctx.gridDependencyWait();
        ctx.launchDependents();
        out.set(i, wi * x.get(i) + 1f);
    }

    /** The same through a helper method, the release first (allowed: it only lets the next kernel start). */
    public static void waitInHelper(KernelContext ctx, FloatArray w, FloatArray x, FloatArray out, int n) {
        int i = ctx.globalIdx;
        float[] wv = new float[4];
        w.get4(4L * (i % (n / 4)), wv, 0);
        ctx.launchDependents();
        if (n > 0) {
            waitFor(ctx);
        }
        float s = 0f;
        for (int e = 0; e < 4; e++) {
            s += wv[e] * x.get(i);
        }
        out.set(i, s);
    }

    static void waitFor(KernelContext ctx) {
        ctx.gridDependencyWait();
    }

    static List<ConformanceCase> cases() {
        return List.of(
                ConformanceCase.of(GridDependencyKernels.class, "scaleAfterWait", () -> new Object[] {new KernelContext(),
                                Inputs.floats(N, 501, -2, 2), Inputs.floats(N, 502, -3, 3), new FloatArray(N)})
                        .withGrid(() -> new WorkerGrid1D(N).setLocalWork(64))
                        .withCheck(args -> {
                            float[] w = ((FloatArray) args[1]).toHeapArray();
                            float[] x = ((FloatArray) args[2]).toHeapArray();
                            float[] out = ((FloatArray) args[3]).toHeapArray();
                            for (int i = 0; i < N; i++) {
                                assertEquals(w[i] * x[i] + 1f, out[i], "out[" + i + "]");
                            }
                        }),
                ConformanceCase.of(GridDependencyKernels.class, "waitInHelper", () -> new Object[] {new KernelContext(),
                                Inputs.floats(N, 503, -2, 2), Inputs.floats(N, 504, -3, 3), new FloatArray(N), N})
                        .withGrid(() -> new WorkerGrid1D(N).setLocalWork(128))
                        .withCheck(args -> {
                            float[] w = ((FloatArray) args[1]).toHeapArray();
                            float[] x = ((FloatArray) args[2]).toHeapArray();
                            float[] out = ((FloatArray) args[3]).toHeapArray();
                            for (int i = 0; i < N; i++) {
                                int b = 4 * (i % (N / 4));
                                float s = 0f;
                                for (int e = 0; e < 4; e++) {
                                    s += w[b + e] * x[i];
                                }
                                assertEquals(s, out[i], "out[" + i + "]");
                            }
                        }));
    }
}
