package io.jmamba.kernels.nn;

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

import java.lang.reflect.Method;
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

/** The warp GEMV ({@link GemvWarpKernel}): edge shapes on every device, its split choice and its routing. */
class LinearGemvTest {
    /**
     * {in, out}: K of one column, below one float4, not a multiple of 4 or of a warp's 128 columns, the
     * 130M model's 768 (one batch of loads) and 1536 (out_proj, 4 warps per output); out of one output, not
     * a multiple of the outputs per group, and in_proj's 3352.
     */
    private static final int[][] SHAPES = {
            {1, 1}, {1, 33}, {3, 33}, {130, 1}, {130, 33}, {768, 1}, {768, 33}, {3, 3352}, {768, 3352},
            {1536, 33}, {1030, 7}, {2000, 5}};

    @TestFactory
    Stream<DynamicTest> warpGemvMatchesReference() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ComputeDevice d : DeviceMatrix.devices()) {
            for (int[] s : SHAPES) {
                for (int rows = 1; rows <= Linear.GEMV_MAX_ROWS; rows++) {
                    // with and without a bias, alternating over the rows, except the big cases get both at one row
                    boolean[] biases = s[1] * (long) s[0] > 1_000_000 ? new boolean[] {rows % 2 == 1}
                            : new boolean[] {true, false};
                    for (boolean withBias : biases) {
                        tests.add(gemvCase(d, rows, s[0], s[1], withBias, Linear.Path.GEMV));
                    }
                }
            }
            // more rows than one block: several grid rows, the last one partial
            tests.add(gemvCase(d, 6, 130, 33, true, Linear.Path.GEMV));
            tests.add(gemvCase(d, 9, 768, 33, false, Linear.Path.GEMV));
            // the first GEMV stays reachable and right
            tests.add(gemvCase(d, 3, 130, 33, true, Linear.Path.GEMV_TREE));
        }
        return tests.stream();
    }

    private static DynamicTest gemvCase(ComputeDevice d, int rows, int in, int out, boolean withBias, Linear.Path path) {
        String name = path + " rows " + rows + " in " + in + " out " + out + " (split " + Linear.gemvSplit(in, out) + ")"
                + (withBias ? " +bias" : "") + " on " + d.id();
        return dynamicTest(name, () -> {
            Random r = new Random(rows * 100_000L + in * 100L + out);
            FloatArray x = fill(r, (long) rows * in, -1, 1), w = fill(r, (long) out * in, -1, 1);
            FloatArray bias = withBias ? fill(r, out, -1, 1) : null;
            FloatArray ref = new FloatArray((long) rows * out), y = new FloatArray((long) rows * out);
            for (long i = 0; i < y.getSize(); i++) {
                y.set(i, Float.NaN); // every output must be written
            }
            NnReference.linear(x, w, bias, ref, rows, in, out);
            Linear.run(d, rows, in, out, x, w, bias, y, path);
            assertClose(name, ref, y);
        });
    }

    @Test
    void splitGivesSmallOutputCountsMoreWarps() {
        assertEquals(1, Linear.gemvSplit(768, 3352), "in_proj of the 130M model: 3352 warps already");
        assertEquals(1, Linear.gemvSplit(768, 50288), "lm_head");
        assertEquals(4, Linear.gemvSplit(1536, 768), "out_proj: 768 outputs take 4 warps each");
        assertEquals(2, Linear.gemvSplit(768, 33), "768 columns: each of 64 lanes keeps 3 float4 loads");
        assertEquals(1, Linear.gemvSplit(130, 33), "a short row stays on one warp");
        assertEquals(4, Linear.gemvSplit(1 << 20, 1), "never more than the warps of a group");
    }

    @Test
    void autoPathsTakeTheWarpGemvForFewRows() {
        for (Linear.Path p : new Linear.Path[] {Linear.Path.AUTO, Linear.Path.AUTO_CUBLAS, Linear.Path.AUTO_CUBLAS_TF32,
                Linear.Path.GEMV}) {
            assertEquals(List.of("p_gemv:gemv@GemvWarpKernel"), tasks(1, p), p.toString());
            assertEquals(List.of("p_gemv:gemv@GemvWarpKernel"), tasks(Linear.GEMV_MAX_ROWS, p), p.toString());
        }
        assertEquals(List.of("p_gemv:gemv@LinearKernels"), tasks(1, Linear.Path.GEMV_TREE));
        assertEquals(List.of("p_gemv:gemv@LinearKernels"), tasks(1, Linear.Path.AUTO_CUBLAS_GEMV_TREE));
        assertEquals(List.of("p_cublas"), tasks(Linear.GEMV_MAX_ROWS + 1, Linear.Path.AUTO_CUBLAS_GEMV_TREE));
    }

    /** Task ids with the kernel method and class (library tasks: the id alone) for a 768 -> 3352 layer. */
    private static List<String> tasks(int rows, Linear.Path path) {
        int in = 768, out = 3352;
        TaskGraph g = new TaskGraph("g");
        Linear.addTo(g, new GridScheduler(), "p", rows, in, out, new FloatArray((long) rows * in),
                new FloatArray((long) out * in), null, new FloatArray((long) rows * out), path);
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

    /**
     * The CUDA C of the kernel for each split: float4 loads behind the alignment test, fused multiply-adds
     * (two roundings would cost two instructions under --fmad=false), shuffle reductions, and unroll
     * hints on the constant-bound loops so that the load batch and the accumulators live in registers.
     */
    @Test
    void cudaSourceUsesVectorLoadsFmaAndShuffles() throws Exception {
        Method m = GemvWarpKernel.class.getMethod("gemv", io.jmamba.runtime.api.KernelContext.class, FloatArray.class,
                FloatArray.class, FloatArray.class, FloatArray.class, int.class, int.class, int.class, boolean.class, int.class);
        for (int split : new int[] {1, 2, 4}) {
            String src = KernelJit.compile(m, Map.of(9, split), Dialect.CUDA).source();
            assertTrue(src.contains("float4"), "float4 loads, split " + split);
            assertTrue(src.contains("fmaf("), "fmaf, split " + split);
            assertTrue(src.contains("__shfl_xor_sync"), "shuffle reduction, split " + split);
            assertTrue(src.contains("#pragma unroll"), "unroll hints, split " + split);
        }
    }
}
