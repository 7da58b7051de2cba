package io.jmamba.runtime.conformance;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.Parallel;
import io.jmamba.runtime.api.Specialize;

import java.util.List;

/**
 * {@code @Specialize} parameters baked in as literals: loop bounds, private array sizes, float and
 * boolean constants. Each kernel runs with two values, which must compile to two kernels (the code
 * cache key includes the values).
 */
public final class SpecializeKernels {
    static final int N = 40;

    private SpecializeKernels() {
    }

    /** A row sum whose width is a specialised constant (unrollable). */
    public static void specializedWidth(FloatArray a, FloatArray out, int rows, @Specialize int width) {
        for (@Parallel int r = 0; r < rows; r++) {
            float s = 0f;
            for (int k = 0; k < width; k++) {
                s += a.get(r * width + k) * (k + 1);
            }
            out.set(r, s);
        }
    }

    /** A private array sized by a specialised parameter. */
    public static void specializedArraySize(IntArray a, IntArray out, int n, @Specialize int size) {
        for (@Parallel int i = 0; i < n; i++) {
            int[] buf = new int[size];
            for (int k = 0; k < size; k++) {
                buf[k] = a.get((i + k) % n) ^ k;
            }
            int m = Integer.MIN_VALUE;
            for (int k = 0; k < size; k++) {
                m = Math.max(m, buf[k] - buf[size - 1 - k]);
            }
            out.set(i, m);
        }
    }

    public static void specializedScalars(FloatArray a, FloatArray out, int n, @Specialize float scale,
                                          @Specialize boolean negate, @Specialize long offset) {
        for (@Parallel int i = 0; i < n; i++) {
            float v = a.get(i) * scale + offset;
            out.set(i, negate ? -v : v);
        }
    }

    static List<ConformanceCase> cases() {
        ConformanceCase width = ConformanceCase.of(SpecializeKernels.class, "specializedWidth",
                () -> new Object[] {Inputs.floats(N * 5, 121, -1, 1), new FloatArray(N), N, 5});
        ConformanceCase size = ConformanceCase.of(SpecializeKernels.class, "specializedArraySize",
                () -> new Object[] {Inputs.edgeInts(N, 122), new IntArray(N), N, 3});
        ConformanceCase scalars = ConformanceCase.of(SpecializeKernels.class, "specializedScalars",
                () -> new Object[] {Inputs.edgeFloats(N, 123), new FloatArray(N), N, 1.5f, false, 3L});
        return List.of(width,
                width.named("width 16", () -> new Object[] {Inputs.floats(N * 16, 124, -1, 1), new FloatArray(N), N, 16}),
                size,
                size.named("size 9", () -> new Object[] {Inputs.edgeInts(N, 125), new IntArray(N), N, 9}),
                scalars,
                scalars.named("negate", () -> new Object[] {Inputs.edgeFloats(N, 126), new FloatArray(N), N, -0.1f, true, -1L << 40}));
    }
}
