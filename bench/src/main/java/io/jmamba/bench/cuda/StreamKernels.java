package io.jmamba.bench.cuda;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.Parallel;

/** Stream kernels written in Java for the JIT: what the bandwidth benchmark compiles when the JIT is present. */
public final class StreamKernels {
    private StreamKernels() {
    }

    /** y = a x + y: reads 8 bytes and writes 4 per element. */
    public static void axpy(FloatArray x, FloatArray y, float a) {
        for (@Parallel int i = 0; i < y.getSize(); i++) {
            y.set(i, a * x.get(i) + y.get(i));
        }
    }

    /** y = x: reads 4 bytes and writes 4 per element (the same traffic as a device copy). */
    public static void copy(FloatArray x, FloatArray y) {
        for (@Parallel int i = 0; i < y.getSize(); i++) {
            y.set(i, x.get(i));
        }
    }

    /** An empty kernel, for launch overhead. */
    public static void empty(FloatArray x) {
    }
}
