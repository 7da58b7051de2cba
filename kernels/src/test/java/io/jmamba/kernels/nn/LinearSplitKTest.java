package io.jmamba.kernels.nn;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceMatrix;
import io.jmamba.runtime.graph.GraphAction;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static io.jmamba.kernels.nn.NnTest.fill;
import static io.jmamba.kernels.ssd.GoldenFile.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/** The split-K GEMM: its slicing arithmetic, when AUTO takes it, and its products on every device. */
class LinearSplitKTest {
    /** {rows, in, out}: K not a multiple of the slice, of K_STEP, shorter than one slice; one tile or several. */
    private static final int[][] SHAPES = {{5, 300, 29}, {70, 257, 131}, {9, 40, 7}, {64, 200, 65}, {17, 129, 1}};

    @TestFactory
    Stream<DynamicTest> splitKMatchesReference() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ComputeDevice d : DeviceMatrix.devices()) {
            for (int[] s : SHAPES) {
                for (boolean withBias : new boolean[] {true, false}) {
                    String name = "GEMM_SPLIT_K rows " + s[0] + " in " + s[1] + " out " + s[2] + " (" + Linear.splits(s[0], s[1], s[2])
                            + " slices)" + (withBias ? " +bias" : "") + " on " + d.id();
                    tests.add(dynamicTest(name, () -> {
                        int rows = s[0], in = s[1], out = s[2];
                        Random r = new Random(rows * 1000L + in * 10L + out);
                        FloatArray x = fill(r, (long) rows * in, -1, 1), w = fill(r, (long) out * in, -1, 1);
                        FloatArray bias = withBias ? fill(r, out, -1, 1) : null;
                        FloatArray ref = new FloatArray((long) rows * out), y = new FloatArray((long) rows * out);
                        NnReference.linear(x, w, bias, ref, rows, in, out);
                        Linear.run(d, rows, in, out, x, w, bias, y, Linear.Path.GEMM_SPLIT_K);
                        assertClose(name, ref, y);
                    }));
                }
            }
        }
        return tests.stream();
    }

    @Test
    void slicesFillTheDeviceWithinBounds() {
        // a batch-64 decode step of the 130M model: in_proj has 53 tiles, out_proj 12
        assertEquals(5, Linear.splits(64, 768, 3352));
        assertEquals(160, Linear.kChunk(768, 5));
        assertEquals(16, Linear.splits(64, 1536, 768));
        assertEquals(96, Linear.kChunk(1536, 16));
        assertEquals(1, Linear.splits(9, 40, 7), "K shorter than one slice: no split");
        assertEquals(4, Linear.splits(5, 300, 29), "at most in / MIN_SLICE slices");
        assertEquals(1, Linear.splits(4096, 768, 3352), "enough tiles already");
    }

    @Test
    void autoSplitsOnlyWhenThereAreFewTiles() {
        assertEquals(List.of("p_gemmk", "p_gemmk_sum"), taskIds(64, 768, 3352));
        assertEquals(List.of("p_gemm"), taskIds(1024, 768, 3352));
        assertEquals(List.of("p_gemm"), taskIds(9, 40, 7)); // one slice: the plain GEMM
        assertEquals(List.of("p_gemv"), taskIds(4, 768, 3352));
    }

    private static List<String> taskIds(int rows, int in, int out) {
        TaskGraph g = new TaskGraph("g");
        Linear.addTo(g, new GridScheduler(), "p", rows, in, out, new FloatArray((long) rows * in),
                new FloatArray((long) out * in), null, new FloatArray((long) rows * out), Linear.Path.AUTO);
        return g.snapshot().actions().stream().filter(a -> a instanceof GraphAction.Task)
                .map(a -> ((GraphAction.Task) a).id()).toList();
    }
}
