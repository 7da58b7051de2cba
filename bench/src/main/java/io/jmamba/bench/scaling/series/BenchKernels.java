package io.jmamba.bench.scaling.series;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.Parallel;

/** Kernels of the harness itself: a streaming copy, the bandwidth every memory-bound kernel is held to. */
public final class BenchKernels {
    private BenchKernels() {
    }

    /** out[i] = in[i]: reads and writes each element once. */
    public static void copy(FloatArray in, FloatArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            out.set(i, in.get(i));
        }
    }
}
