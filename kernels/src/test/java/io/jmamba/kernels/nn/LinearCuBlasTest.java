package io.jmamba.kernels.nn;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceMatrix;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static io.jmamba.kernels.nn.NnTest.fill;
import static io.jmamba.kernels.ssd.GoldenFile.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * The parts of the cuBLAS path of {@link Linear} that run anywhere: the bias kernel that follows the
 * library GEMM, the row-count routing of {@link Linear.Path#AUTO_CUBLAS}, and the error a cuBLAS task
 * gives on a device that is not a CUDA one. {@link LinearCuBlasGpuTest} checks the products on CUDA.
 */
class LinearCuBlasTest {

    @TestFactory
    Stream<DynamicTest> addBiasAddsTheBiasToEveryRow() {
        List<DynamicTest> tests = new ArrayList<>();
        int[][] shapes = {{1, 1}, {3, 37}, {70, 5}, {33, 129}};
        for (ComputeDevice d : DeviceMatrix.devices()) {
            for (int[] s : shapes) {
                int rows = s[0], out = s[1];
                String name = "addBias rows " + rows + " out " + out + " on " + d.id();
                tests.add(dynamicTest(name, () -> {
                    Random r = new Random(rows * 31L + out);
                    FloatArray y = fill(r, (long) rows * out, -1, 1), bias = fill(r, out, -1, 1);
                    FloatArray want = new FloatArray((long) rows * out);
                    for (int i = 0; i < rows; i++) {
                        for (int j = 0; j < out; j++) {
                            want.set((long) i * out + j, y.get((long) i * out + j) + bias.get(j));
                        }
                    }
                    GraphParts.runOnce(d, "bias", GraphParts.arrays(y, bias), List.of(y), (g, grids) -> {
                        g.task("add", LinearKernels::addBias, y, bias, rows, out);
                        grids.addWorkerGrid("bias.add", GraphParts.loopGrid(out, rows));
                    });
                    assertClose(name, want, y);
                }));
            }
        }
        return tests.stream();
    }

    /** Up to GEMV_MAX_ROWS rows AUTO_CUBLAS takes the JIT GEMV, so it runs (and is right) on every device. */
    @TestFactory
    Stream<DynamicTest> autoCuBlasTakesTheGemvForFewRows() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ComputeDevice d : DeviceMatrix.devices()) {
            String name = "AUTO_CUBLAS rows " + Linear.GEMV_MAX_ROWS + " on " + d.id();
            tests.add(dynamicTest(name, () -> {
                int rows = Linear.GEMV_MAX_ROWS, in = 45, out = 19;
                Random r = new Random(7);
                FloatArray x = fill(r, (long) rows * in, -1, 1), w = fill(r, (long) out * in, -1, 1), bias = fill(r, out, -1, 1);
                FloatArray ref = new FloatArray((long) rows * out), y = new FloatArray((long) rows * out);
                NnReference.linear(x, w, bias, ref, rows, in, out);
                Linear.run(d, rows, in, out, x, w, bias, y, Linear.Path.AUTO_CUBLAS);
                assertClose(name, ref, y);
            }));
        }
        return tests.stream();
    }

    /** Beyond GEMV_MAX_ROWS (or forced) the product is a cuBLAS task: elsewhere than on CUDA it says so. */
    @TestFactory
    Stream<DynamicTest> cuBlasPathOnAnotherDeviceNamesTheDevice() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ComputeDevice d : DeviceMatrix.devices()) {
            if (d.backendName().equals("cuda")) {
                continue;
            }
            for (Linear.Path path : new Linear.Path[] {Linear.Path.CUBLAS, Linear.Path.AUTO_CUBLAS, Linear.Path.AUTO_CUBLAS_TF32,
                    Linear.Path.AUTO_CUBLAS_GEMV_TREE}) {
                tests.add(dynamicTest(path + " on " + d.id(), () -> {
                    int rows = Linear.GEMV_MAX_ROWS + 1, in = 8, out = 6;
                    FloatArray x = new FloatArray((long) rows * in), w = new FloatArray((long) out * in);
                    FloatArray y = new FloatArray((long) rows * out);
                    RuntimeException e = assertThrows(RuntimeException.class,
                            () -> Linear.run(d, rows, in, out, x, w, null, y, path));
                    String all = messages(e);
                    assertTrue(all.contains("cuBLAS") && all.contains(d.id()), "message names cuBLAS and " + d.id() + ": " + all);
                }));
            }
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> autoForPicksCuBlasOnlyOnCuda() {
        return DeviceMatrix.devices().stream().map(d -> dynamicTest(d.id(), () -> assertEquals(
                d.backendName().equals("cuda") ? Linear.Path.AUTO_CUBLAS : Linear.Path.AUTO, Linear.Path.autoFor(d))));
    }

    private static String messages(Throwable t) {
        StringBuilder b = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            b.append(c.getMessage()).append(" | ");
        }
        return b.toString();
    }
}
