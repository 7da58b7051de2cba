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

import static io.jmamba.kernels.nn.NnTest.fill;
import static io.jmamba.kernels.ssd.GoldenFile.assertClose;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * The warp GEMV on a CUDA device (float4 loads behind CUDA's alignment test, hardware shuffles) at the
 * 130M model's decode shapes against the plain-Java reference and the first GEMV: in_proj, out_proj
 * (4 warps per output), the whole lm_head, and a row width that is not a multiple of 4 (unaligned rows).
 */
@Tag("gpu")
class LinearGemvGpuTest {
    /** {in, out}. */
    private static final int[][] SHAPES = {{768, 3352}, {1536, 768}, {768, 50288}, {1030, 7}, {130, 33}};

    @TestFactory
    Stream<DynamicTest> warpGemvMatchesReferenceOnCuda() {
        ComputeDevice d = cuda();
        List<DynamicTest> tests = new ArrayList<>();
        for (int[] s : SHAPES) {
            for (int rows = 1; rows <= Linear.GEMV_MAX_ROWS; rows++) {
                boolean withBias = rows % 2 == 1;
                int rowCount = rows;
                String name = "GEMV rows " + rows + " in " + s[0] + " out " + s[1] + (withBias ? " +bias" : "") + " on " + d.id();
                tests.add(dynamicTest(name, () -> {
                    int in = s[0], out = s[1];
                    Random r = new Random(rowCount * 100_000L + in * 100L + out);
                    FloatArray x = fill(r, (long) rowCount * in, -1, 1), w = fill(r, (long) out * in, -1, 1);
                    FloatArray bias = withBias ? fill(r, out, -1, 1) : null;
                    FloatArray ref = new FloatArray((long) rowCount * out), y = new FloatArray((long) rowCount * out);
                    FloatArray tree = new FloatArray((long) rowCount * out);
                    NnReference.linear(x, w, bias, ref, rowCount, in, out);
                    Linear.run(d, rowCount, in, out, x, w, bias, y, Linear.Path.GEMV);
                    Linear.run(d, rowCount, in, out, x, w, bias, tree, Linear.Path.GEMV_TREE);
                    assertClose(name + " vs reference", ref, y);
                    assertClose(name + " vs GEMV_TREE", tree, y);
                }));
            }
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
            System.out.println("skipping warp GEMV CUDA test: " + reason);
            Assumptions.abort("no CUDA device: " + reason);
        }
        return found.getFirst();
    }
}
