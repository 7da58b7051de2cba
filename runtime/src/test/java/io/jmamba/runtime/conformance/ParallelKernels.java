package io.jmamba.runtime.conformance;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.Parallel;
import io.jmamba.runtime.api.WorkerGrid1D;
import io.jmamba.runtime.api.WorkerGrid2D;

import java.util.List;

/** {@code @Parallel} loops: 1-D, nested 2-D, offsets and strides, and grids smaller than the loop (grid-stride). */
public final class ParallelKernels {
    private ParallelKernels() {
    }

    public static void saxpy(float alpha, FloatArray x, FloatArray y, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            y.set(i, alpha * x.get(i) + y.get(i));
        }
    }

    /** The loop bound is the array's size, a long. */
    public static void boundBySize(IntArray a, IntArray out) {
        for (@Parallel int i = 0; i < out.getSize(); i++) {
            out.set(i, a.get(i) * 3 + i);
        }
    }

    /** A start other than 0 and a step other than 1. */
    public static void startAndStep(IntArray out, int n) {
        for (@Parallel int i = 3; i < n; i += 4) {
            out.set(i, i * i);
        }
    }

    /** Run with a grid far smaller than the loop: each work-item must take several iterations. */
    public static void gridStride(IntArray a, IntArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            out.set(i, a.get(i) ^ i);
        }
    }

    /** Nested parallel loops: rows on dimension 0, columns on dimension 1, a sequential reduction inside. */
    public static void matmul2d(FloatArray a, FloatArray b, FloatArray c, int m, int n, int k) {
        for (@Parallel int i = 0; i < m; i++) {
            for (@Parallel int j = 0; j < n; j++) {
                float s = 0f;
                for (int t = 0; t < k; t++) {
                    s += a.get(i * k + t) * b.get(t * n + j);
                }
                c.set(i * n + j, s);
            }
        }
    }

    /** 2-D with a grid smaller than the loops in both dimensions. */
    public static void transpose2d(IntArray a, IntArray out, int rows, int cols) {
        for (@Parallel int r = 0; r < rows; r++) {
            for (@Parallel int c = 0; c < cols; c++) {
                out.set(c * rows + r, a.get(r * cols + c) + r - c);
            }
        }
    }

    static List<ConformanceCase> cases() {
        return List.of(
                ConformanceCase.of(ParallelKernels.class, "saxpy",
                        () -> new Object[] {1.75f, Inputs.floats(1000, 171, -5, 5), Inputs.floats(1000, 172, -5, 5), 1000}),
                ConformanceCase.of(ParallelKernels.class, "boundBySize",
                        () -> new Object[] {Inputs.edgeInts(333, 173), new IntArray(333)}),
                ConformanceCase.of(ParallelKernels.class, "startAndStep",
                        () -> new Object[] {new IntArray(101), 101}),
                ConformanceCase.of(ParallelKernels.class, "gridStride",
                        () -> new Object[] {Inputs.edgeInts(1000, 174), new IntArray(1000), 1000})
                        .withGrid(() -> new WorkerGrid1D(16)),
                ConformanceCase.of(ParallelKernels.class, "matmul2d",
                        () -> new Object[] {Inputs.floats(13 * 7, 175, -1, 1), Inputs.floats(7 * 11, 176, -1, 1), new FloatArray(13 * 11), 13, 11, 7}),
                ConformanceCase.of(ParallelKernels.class, "transpose2d",
                        () -> new Object[] {Inputs.edgeInts(37 * 29, 177), new IntArray(37 * 29), 37, 29})
                        .withGrid(() -> new WorkerGrid2D(8, 4)));
    }
}
