package io.jmamba.kernels.nn;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceMatrix;
import io.jmamba.runtime.backend.Devices;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static io.jmamba.kernels.nn.NnTest.LINEAR_SHAPES;
import static io.jmamba.kernels.nn.NnTest.fill;
import static io.jmamba.kernels.ssd.GoldenFile.assertClose;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * {@link Linear}'s cuBLAS path on a CUDA device against the plain-Java reference and the JIT GEMM: the
 * odd shapes of {@link NnTest} (partial tiles everywhere) and the 130M model's in_proj, out_proj and a
 * slice of lm_head at 64 rows (a batch-64 decode step).
 */
@Tag("gpu")
class LinearCuBlasGpuTest {
    private static final int[][] MODEL_SHAPES = {{64, 768, 3352}, {64, 1536, 768}, {64, 768, 4099}, {5, 768, 3352}};

    @TestFactory
    Stream<DynamicTest> cuBlasMatchesReferenceAndJitGemm() {
        ComputeDevice d = cuda();
        List<DynamicTest> tests = new ArrayList<>();
        List<int[]> shapes = new ArrayList<>(List.of(LINEAR_SHAPES));
        shapes.addAll(List.of(MODEL_SHAPES));
        for (int[] s : shapes) {
            for (Linear.Path path : new Linear.Path[] {Linear.Path.CUBLAS, Linear.Path.AUTO_CUBLAS}) {
                for (boolean withBias : new boolean[] {true, false}) {
                    String name = path + " rows " + s[0] + " in " + s[1] + " out " + s[2] + (withBias ? " +bias" : "") + " on " + d.id();
                    tests.add(dynamicTest(name, () -> {
                        int rows = s[0], in = s[1], out = s[2];
                        Random r = new Random(rows * 1000L + in * 10L + out);
                        FloatArray x = fill(r, (long) rows * in, -1, 1), w = fill(r, (long) out * in, -1, 1);
                        FloatArray bias = withBias ? fill(r, out, -1, 1) : null;
                        FloatArray ref = new FloatArray((long) rows * out), y = new FloatArray((long) rows * out);
                        FloatArray jit = new FloatArray((long) rows * out);
                        NnReference.linear(x, w, bias, ref, rows, in, out);
                        Linear.run(d, rows, in, out, x, w, bias, y, path);
                        Linear.run(d, rows, in, out, x, w, bias, jit, Linear.Path.GEMM);
                        assertClose(name + " vs reference", ref, y);
                        assertClose(name + " vs JIT GEMM", jit, y);
                    }));
                }
            }
        }
        return tests.stream();
    }

    /**
     * The opt-in TF32 path: inputs rounded to a 10-bit mantissa, so the bound is looser than the fp32
     * tests' 1e-4: 2e-3 of the largest output (a product's rounding is about 1e-3 relative, and the
     * errors of a long dot product partly cancel).
     */
    @TestFactory
    Stream<DynamicTest> tf32IsCloseToTheReference() {
        ComputeDevice d = cuda();
        List<DynamicTest> tests = new ArrayList<>();
        for (int[] s : MODEL_SHAPES) {
            String name = "AUTO_CUBLAS_TF32 rows " + s[0] + " in " + s[1] + " out " + s[2] + " on " + d.id();
            tests.add(dynamicTest(name, () -> {
                int rows = s[0], in = s[1], out = s[2];
                Random r = new Random(rows * 1000L + in * 10L + out);
                FloatArray x = fill(r, (long) rows * in, -1, 1), w = fill(r, (long) out * in, -1, 1), bias = fill(r, out, -1, 1);
                FloatArray ref = new FloatArray((long) rows * out), y = new FloatArray((long) rows * out);
                NnReference.linear(x, w, bias, ref, rows, in, out);
                Linear.run(d, rows, in, out, x, w, bias, y, Linear.Path.AUTO_CUBLAS_TF32);
                double maxRef = 0, worst = 0;
                for (long i = 0; i < ref.getSize(); i++) {
                    maxRef = Math.max(maxRef, Math.abs(ref.get(i)));
                    double err = Math.abs((double) ref.get(i) - y.get(i));
                    worst = Double.isNaN(err) ? Double.POSITIVE_INFINITY : Math.max(worst, err);
                }
                double tol = 2e-3 * Math.max(1, maxRef);
                Assertions.assertTrue(worst <= tol, name + ": worst error " + worst + " > " + tol);
            }));
        }
        return tests.stream();
    }

    private static ComputeDevice cuda() {
        List<ComputeDevice> found = Devices.backend("cuda").map(b -> b.devices()).orElse(List.of());
        if (found.isEmpty()) {
            String reason = Devices.backend("cuda").flatMap(b -> b.unavailableReason()).orElse("no cuda backend");
            if (DeviceMatrix.requiredBackends().contains("cuda")) {
                Assertions.fail("cuda is required (JMAMBA_REQUIRE_BACKENDS) but unavailable: " + reason);
            }
            System.out.println("skipping cuBLAS Linear test: " + reason);
            Assumptions.abort("no CUDA device: " + reason);
        }
        return found.getFirst();
    }
}
