package io.jmamba.kernels.nn;

import io.jmamba.runtime.api.BFloat16Array;
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

import static io.jmamba.kernels.nn.NnTest.fill;
import static io.jmamba.kernels.ssd.GoldenFile.assertClose;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * {@link LinearBf16}'s cuBLAS path (x rounded to bf16, gemmEx bf16 x bf16 -> fp32). A product of two bf16
 * values is exact in fp32 and the sums are fp32, so the reference on the rounded x and rounded W must
 * agree within the fp32 tolerance; the warp GEMV (x unrounded) is checked on the same model shapes.
 */
@Tag("gpu")
class LinearBf16CuBlasGpuTest {
    private static final int[][] SHAPES = {{64, 768, 3352}, {64, 1536, 768}, {5, 768, 4099}, {37, 53, 29}, {2048, 768, 3352}};

    @TestFactory
    Stream<DynamicTest> cuBlasBf16MatchesTheReferenceOnRoundedOperands() {
        ComputeDevice d = cuda();
        List<DynamicTest> tests = new ArrayList<>();
        for (int[] s : SHAPES) {
            for (boolean withBias : new boolean[] {true, false}) {
                String name = "AUTO_CUBLAS bf16 rows " + s[0] + " in " + s[1] + " out " + s[2] + (withBias ? " +bias" : "");
                tests.add(dynamicTest(name, () -> {
                    int rows = s[0], in = s[1], out = s[2];
                    Random r = new Random(rows * 1000L + in * 10L + out);
                    FloatArray x = fill(r, (long) rows * in, -1, 1), w = fill(r, (long) out * in, -1, 1);
                    FloatArray bias = withBias ? fill(r, out, -1, 1) : null;
                    BFloat16Array wb = LinearBf16.round(w);
                    FloatArray xr = widened(LinearBf16.round(x)), wr = widened(wb);
                    FloatArray ref = new FloatArray((long) rows * out), y = new FloatArray((long) rows * out);
                    NnReference.linear(xr, wr, bias, ref, rows, in, out);
                    LinearBf16.run(d, rows, in, out, x, wb, bias, y, Linear.Path.CUBLAS);
                    assertClose(name, ref, y);
                }));
            }
        }
        return tests.stream();
    }

    private static FloatArray widened(BFloat16Array a) {
        FloatArray f = new FloatArray(a.getSize());
        for (long i = 0; i < a.getSize(); i++) {
            f.set(i, a.get(i));
        }
        return f;
    }

    private static ComputeDevice cuda() {
        List<ComputeDevice> found = Devices.backend("cuda").map(b -> b.devices()).orElse(List.of());
        if (found.isEmpty()) {
            String reason = Devices.backend("cuda").flatMap(b -> b.unavailableReason()).orElse("no cuda backend");
            if (DeviceMatrix.requiredBackends().contains("cuda")) {
                Assertions.fail("cuda is required (JMAMBA_REQUIRE_BACKENDS) but unavailable: " + reason);
            }
            System.out.println("skipping cuBLAS bf16 Linear test: " + reason);
            Assumptions.abort("no CUDA device: " + reason);
        }
        return found.get(0);
    }
}
