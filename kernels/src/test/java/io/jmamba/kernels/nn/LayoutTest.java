package io.jmamba.kernels.nn;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.WorkerGrid;
import io.jmamba.runtime.api.WorkerGrid3D;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceMatrix;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/** Column-block copies and transposes move exactly the elements they should, on every device. */
class LayoutTest {
    static FloatArray iota(int n) {
        FloatArray a = new FloatArray(n);
        for (int i = 0; i < n; i++) {
            a.set(i, i);
        }
        return a;
    }

    @TestFactory
    Stream<DynamicTest> layoutKernels() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ComputeDevice d : DeviceMatrix.devices()) {
            tests.add(dynamicTest("copyColumns on " + d.id(), () -> {
                // src (3, 7): take columns [2, 5) into dst (3, 4) at column 1; the rest of dst keeps -1
                FloatArray src = iota(21), dst = new FloatArray(12);
                dst.init(-1f);
                Layout.runCopyColumns(d, 3, 3, src, 7, 2, dst, 4, 1);
                assertArrayEquals(new float[] {-1, 2, 3, 4, -1, 9, 10, 11, -1, 16, 17, 18}, dst.toHeapArray());
            }));
            tests.add(dynamicTest("transpose on " + d.id(), () -> {
                FloatArray src = iota(2 * 3 * 5), dst = new FloatArray(30);
                Layout.runTranspose(d, 2, 3, 5, src, dst);
                for (int b = 0; b < 2; b++) {
                    for (int r = 0; r < 3; r++) {
                        for (int c = 0; c < 5; c++) {
                            assertTrue(dst.get((b * 5 + c) * 3 + r) == src.get((b * 3 + r) * 5 + c), "b " + b + " r " + r + " c " + c);
                        }
                    }
                }
            }));
        }
        return tests.stream();
    }

    /** Both transposes on shapes with partial tiles in both dimensions and several batches. */
    @TestFactory
    Stream<DynamicTest> tiledAndPlainTransposesAgree() {
        int[][] shapes = {{1, 1, 1}, {2, 3, 5}, {1, 70, 33}, {3, 40, 65}, {2, 32, 64}};
        List<DynamicTest> tests = new ArrayList<>();
        for (ComputeDevice d : DeviceMatrix.devices()) {
            for (boolean tiled : new boolean[] {true, false}) {
                tests.add(dynamicTest((tiled ? "tiled" : "plain") + " transpose on " + d.id(), () -> {
                    for (int[] s : shapes) {
                        FloatArray src = iota(s[0] * s[1] * s[2]), dst = new FloatArray(s[0] * s[1] * s[2]);
                        Layout.runTranspose(d, s[0], s[1], s[2], src, dst, tiled);
                        assertTransposed(s[0], s[1], s[2], src, dst);
                    }
                }));
            }
            tests.add(dynamicTest("tiled transpose with one work-group striding over every tile on " + d.id(), () -> {
                int batch = 2, rows = 70, cols = 40;
                FloatArray src = iota(batch * rows * cols), dst = new FloatArray(batch * rows * cols);
                GraphParts.runOnce(d, "layout", GraphParts.arrays(src), List.of(dst), (g, grids) -> {
                    long plane = (long) rows * cols;
                    g.task("t", LayoutKernels::transposeTiled, new KernelContext(), src, dst, batch, rows, cols,
                            0L, plane, (long) cols, 0L, plane, (long) rows);
                    grids.addWorkerGrid("layout.t", new WorkerGrid3D(LayoutKernels.TILE, LayoutKernels.TILE_ROWS, 1)
                            .setLocalWork(LayoutKernels.TILE, LayoutKernels.TILE_ROWS, 1));
                });
                assertTransposed(batch, rows, cols, src, dst);
            }));
        }
        return tests.stream();
    }

    static void assertTransposed(int batch, int rows, int cols, FloatArray src, FloatArray dst) {
        for (int b = 0; b < batch; b++) {
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    if (dst.get(((long) b * cols + c) * rows + r) != src.get(((long) b * rows + r) * cols + c)) {
                        throw new AssertionError("shape (" + batch + ", " + rows + ", " + cols + "): dst[" + b + ", " + c + ", " + r
                                + "] = " + dst.get(((long) b * cols + c) * rows + r) + ", expected " + src.get(((long) b * rows + r) * cols + c));
                    }
                }
            }
        }
    }

    @Test
    void tiledTransposeGridIsWholeGroupsWithinCudasLimits() {
        WorkerGrid g = Layout.tiledTransposeGrid(3, 1 << 22, 1536); // 4M rows: 131072 tiles, more than 65535 groups in y
        assertArrayEquals(new long[] {48 * 32, 65535L * 8, 3}, g.getGlobalWork());
        assertArrayEquals(new long[] {32, 8, 1}, g.getLocalWork());
    }

    @Test
    void columnsOutsideTheMatrixAreRefused() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> Layout.checkColumns(3, 3, new FloatArray(21), 7, 5, new FloatArray(12), 4, 0));
        assertTrue(e.getMessage().contains("src columns [5, 8)") && e.getMessage().contains("[0, 7)"), e.getMessage());
    }
}
