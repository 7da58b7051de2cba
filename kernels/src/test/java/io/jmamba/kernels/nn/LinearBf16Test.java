package io.jmamba.kernels.nn;

import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceMatrix;
import io.jmamba.runtime.graph.GraphAction;
import io.jmamba.runtime.jit.Dialect;
import io.jmamba.runtime.jit.KernelJit;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static io.jmamba.kernels.nn.NnTest.fill;
import static io.jmamba.kernels.ssd.GoldenFile.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * {@link LinearBf16} on every device. The bf16 weights are exactly the fp32 weights rounded, each widened
 * exactly and every product and sum in fp32, so the result must equal the fp32 reference run on the
 * rounded weights up to summation order: the fp32 tolerance of the other linear tests, not a bf16 one.
 */
class LinearBf16Test {
    /** {rows, in, out} for the GEMV: edge widths, the 130M model's in_proj and out_proj (split 4). */
    private static final int[][] GEMV_SHAPES = {{1, 1, 1}, {1, 3, 33}, {2, 130, 33}, {1, 768, 3352}, {4, 768, 33},
            {3, 1536, 768}, {1, 1030, 7}, {9, 768, 33}};

    @TestFactory
    Stream<DynamicTest> bf16WeightsMatchTheReferenceOnRoundedWeights() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ComputeDevice d : DeviceMatrix.devices()) {
            for (int[] s : GEMV_SHAPES) {
                tests.add(linearCase(d, s[0], s[1], s[2], s[0] % 2 == 1, Linear.Path.GEMV));
            }
            for (int[] s : NnTest.LINEAR_SHAPES) {
                tests.add(linearCase(d, s[0], s[1], s[2], s[1] % 2 == 1, Linear.Path.GEMM));
            }
            // the packed (16-byte load) GEMV: widths that are multiples of 8, one and several chunks, split 4
            for (int[] s : new int[][] {{1, 8, 5}, {2, 264, 33}, {4, 768, 3352}, {3, 1536, 768}, {5, 1024, 9}}) {
                tests.add(packedCase(d, s[0], s[1], s[2], s[0] % 2 == 1));
            }
            // AUTO takes the GEMV for a few rows and the JIT GEMM beyond
            tests.add(linearCase(d, 2, 768, 96, true, Linear.Path.AUTO));
            tests.add(linearCase(d, 70, 96, 131, false, Linear.Path.AUTO));
        }
        return tests.stream();
    }

    private static DynamicTest linearCase(ComputeDevice d, int rows, int in, int out, boolean withBias, Linear.Path path) {
        String name = path + " rows " + rows + " in " + in + " out " + out + (withBias ? " +bias" : "") + " on " + d.id();
        return dynamicTest(name, () -> {
            Random r = new Random(rows * 100_000L + in * 100L + out);
            FloatArray x = fill(r, (long) rows * in, -1, 1), w = fill(r, (long) out * in, -1, 1);
            FloatArray bias = withBias ? fill(r, out, -1, 1) : null;
            BFloat16Array wb = LinearBf16.round(w);
            FloatArray rounded = new FloatArray(w.getSize());
            for (long i = 0; i < w.getSize(); i++) {
                rounded.set(i, wb.get(i));
            }
            FloatArray ref = new FloatArray((long) rows * out), y = new FloatArray((long) rows * out);
            for (long i = 0; i < y.getSize(); i++) {
                y.set(i, Float.NaN); // every output must be written
            }
            NnReference.linear(x, rounded, bias, ref, rows, in, out);
            LinearBf16.run(d, rows, in, out, x, wb, bias, y, path);
            assertClose(name, ref, y);
        });
    }

    private static DynamicTest packedCase(ComputeDevice d, int rows, int in, int out, boolean withBias) {
        String name = "packed GEMV rows " + rows + " in " + in + " out " + out + (withBias ? " +bias" : "") + " on " + d.id();
        return dynamicTest(name, () -> {
            Random r = new Random(rows * 7_000L + in * 10L + out);
            FloatArray x = fill(r, (long) rows * in, -1, 1), w = fill(r, (long) out * in, -1, 1);
            FloatArray bias = withBias ? fill(r, out, -1, 1) : null;
            BFloat16Array wb = LinearBf16.round(w);
            FloatArray rounded = new FloatArray(w.getSize());
            for (long i = 0; i < w.getSize(); i++) {
                rounded.set(i, wb.get(i));
            }
            FloatArray ref = new FloatArray((long) rows * out), y = new FloatArray((long) rows * out);
            for (long i = 0; i < y.getSize(); i++) {
                y.set(i, Float.NaN);
            }
            NnReference.linear(x, rounded, bias, ref, rows, in, out);
            LinearBf16.runPacked(d, rows, in, out, x, wb, bias, y, Linear.Path.GEMV);
            assertClose(name, ref, y);
        });
    }

    @Test
    void packedPathIsTakenForWidthsOfEight() {
        TaskGraph g = new TaskGraph("g");
        BFloat16Array w = new BFloat16Array(3352L * 768);
        LinearBf16.addTo(g, new GridScheduler(), "p", 1, 768, 3352, new FloatArray(768), w, LinearBf16.packedView(w), null,
                new FloatArray(3352), Linear.Path.AUTO_CUBLAS);
        assertTrue(g.snapshot().actions().stream().anyMatch(a -> a instanceof GraphAction.Task t && t.id().equals("p_gemvp")
                && t.method().getDeclaringClass() == GemvBf16PackedKernel.class));
    }

    @Test
    void roundingIsNearestEven() {
        FloatArray w = new FloatArray(3);
        w.set(0, 1f + 0x1p-8f);            // halfway between 1 and 1 + 2^-7: ties to even -> 1
        w.set(1, 1f + 0x1p-8f + 0x1p-20f); // just above halfway -> 1 + 2^-7
        w.set(2, -3.5f);                   // exact
        BFloat16Array b = LinearBf16.round(w);
        assertEquals(1f, b.get(0));
        assertEquals(1f + 0x1p-7f, b.get(1));
        assertEquals(-3.5f, b.get(2));
    }

    @Test
    void pathsPickTheKernels() {
        assertEquals(List.of("p_gemv:gemv@GemvBf16Kernel"), tasks(1, Linear.Path.AUTO_CUBLAS));
        assertEquals(List.of("p_gemv:gemv@GemvBf16Kernel"), tasks(Linear.GEMV_MAX_ROWS, Linear.Path.AUTO));
        assertEquals(List.of("p_tobf16:toBf16@LinearBf16Kernels", "p_cublas"), tasks(64, Linear.Path.AUTO_CUBLAS));
        assertEquals(List.of("p_gemm:gemm@LinearBf16Kernels"), tasks(64, Linear.Path.AUTO));
    }

    private static List<String> tasks(int rows, Linear.Path path) {
        int in = 768, out = 3352;
        TaskGraph g = new TaskGraph("g");
        LinearBf16.addTo(g, new GridScheduler(), "p", rows, in, out, new FloatArray((long) rows * in),
                new BFloat16Array((long) out * in), null, new FloatArray((long) rows * out), path);
        List<String> ids = new ArrayList<>();
        for (GraphAction a : g.snapshot().actions()) {
            if (a instanceof GraphAction.Task t) {
                ids.add(t.id() + ":" + t.method().getName() + "@" + t.method().getDeclaringClass().getSimpleName());
            } else if (a instanceof GraphAction.LibraryTask t) {
                ids.add(t.id());
            }
        }
        return ids;
    }

    /** The GEMV's CUDA C widens W with vector loads and multiply-adds with fma (one instruction under --fmad=false). */
    @Test
    void gemvCudaSourceUsesVectorLoadsAndFma() throws Exception {
        var m = GemvBf16Kernel.class.getMethod("gemv", io.jmamba.runtime.api.KernelContext.class, FloatArray.class,
                BFloat16Array.class, FloatArray.class, FloatArray.class, int.class, int.class, int.class, boolean.class, int.class);
        String src = KernelJit.compile(m, Map.of(9, 1), Dialect.CUDA).source();
        assertTrue(src.contains("fmaf("), "fused multiply-adds expected:\n" + src);
        assertTrue(src.contains("ushort4") || src.contains("uint2") || src.contains("short4"), "8-byte bf16 vector loads expected:\n" + src);
    }
}
