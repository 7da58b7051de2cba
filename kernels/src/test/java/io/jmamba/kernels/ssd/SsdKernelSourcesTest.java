package io.jmamba.kernels.ssd;

import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.jit.Dialect;
import io.jmamba.runtime.jit.GeneratedKernel;
import io.jmamba.runtime.jit.KernelJit;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * The CUDA C of the SSD matrix-product kernels, which no CI device runs: the inner products must
 * be fused multiply-adds (the CUDA path compiles with --fmad=false, so a plain a*b+c would cost two
 * instructions), and the blocked kernels' local memory must fit the 48 KB every CUDA device gives
 * a work-group without opting in.
 */
class SsdKernelSourcesTest {
    private static final List<String> PRODUCT_KERNELS = List.of("chunkState", "chunkCb", "chunkScan");

    static Method kernel(Class<?> c, String name) {
        for (Method m : c.getDeclaredMethods()) {
            if (m.getName().equals(name)) {
                return m;
            }
        }
        throw new AssertionError(c.getSimpleName() + " has no " + name);
    }

    static int count(String source, String regex) {
        Matcher m = Pattern.compile(regex).matcher(source);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    @TestFactory
    List<DynamicTest> productKernelsUseFusedMultiplyAdd() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Class<?> c : List.of(SsdWideKernels.class)) {
            for (String k : PRODUCT_KERNELS) {
                tests.add(dynamicTest(c.getSimpleName() + "." + k, () -> {
                    GeneratedKernel g = KernelJit.compile(kernel(c, k), Map.of(), Dialect.CUDA);
                    String src = g.source();
                    int slices = k.equals("chunkScan") ? 2 : 1; // chunkScan: the inter- and the intra-chunk product
                    assertEquals(slices, count(src, "= fmaf\\("), src);
                    assertTrue(count(src, "acc\\[[^\\]]*\\] = \\(acc\\[[^\\]]*\\] \\+") == 0,
                            "accumulation without fma in " + src);
                    assertTrue(g.localMemoryBytes() <= 48 * 1024, k + " declares " + g.localMemoryBytes() + " local bytes");
                }));
            }
        }
        return tests;
    }

    /**
     * The tensor-core kernels: one mma call site per product loop (chunkScanFrag runs both of its products
     * through one slice loop; chunkScanAsync has one site in each of its two branches, so that neither
     * carries the other's fragment loads as predicated code on CUDA: on OpenCL every site is six work-group
     * exchanges, and PoCL's build time grows with them), unrolled over the eight n8 accumulators so that they
     * stay in registers, and local memory within the 48 KB a work-group gets without opting in.
     */
    @TestFactory
    List<DynamicTest> fragKernelsHaveOneMmaSite() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Method m : List.of(kernel(SsdFragKernels.class, "chunkCbFrag"), kernel(SsdFragKernels.class, "chunkScanFrag"),
                kernel(SsdFragAsyncKernels.class, "chunkScanAsync"), kernel(SsdBf16StateKernels.class, "chunkStateBf16"),
                kernel(SsdStateAsyncKernels.class, "chunkStateAsync"), kernel(SsdCbAsyncKernels.class, "chunkCbAsync"))) {
            tests.add(dynamicTest(m.getDeclaringClass().getSimpleName() + "." + m.getName(), () -> {
                GeneratedKernel g = KernelJit.compile(m, Map.of(), Dialect.CUDA);
                String src = g.source();
                int sites = m.getName().equals("chunkScanAsync") ? 2 : 1;
                assertEquals(sites + 1, count(src, "jm_mma_frag_bf16\\("), sites + " mma call sites (plus the helper's definition) in " + src);
                assertTrue(count(src, "#pragma unroll") >= 1, "unrolled accumulator loop in " + src);
                assertTrue(g.localMemoryBytes() <= 48 * 1024, m.getName() + " declares " + g.localMemoryBytes() + " local bytes");
            }));
        }
        return tests;
    }

    /** The staged longs of the FRAG kernels: bf16 pairs and float bits survive the packing. */
    @Test
    void fragLongsRoundTrip() {
        int[] samples = {0, -1, 0x7fc00001, 0x80000000, 0x3f80bf80, 0x0000ffff};
        for (int lo : samples) {
            for (int hi : samples) {
                long v = SsdFragKernels.pairsOf(lo, hi);
                assertEquals(lo, (int) v);
                assertEquals(hi, (int) (v >>> 32));
            }
        }
        long f = SsdFragKernels.pairOfFloats(-2.5f, Float.MIN_VALUE);
        assertEquals(-2.5f, Float.intBitsToFloat((int) f));
        assertEquals(Float.MIN_VALUE, Float.intBitsToFloat((int) (f >>> 32)));
    }

    /** The wide kernels' staging loops (128 items of 8 x 4 outputs) index with lid and the pass number on these equalities. */
    @Test
    void wideStagingShapesHold() {
        assertEquals(SsdWideKernels.K_STEP, SsdWideKernels.PAIR_ROWS * SsdWideKernels.PAIR_PASSES,
                "column-pair staging covers the slice's rows");
        assertEquals(SsdWideKernels.TILE, 2 * SsdWideKernels.ROWS * SsdWideKernels.PAIR_PASSES,
                "row-pair staging covers the tile's rows");
        assertEquals(0, SsdWideKernels.GROUP % SsdWideKernels.TP, "whole pair rows per pass");
        assertEquals(0, SsdWideKernels.LS % 2, "pairs never straddle a local row");
        assertTrue(SsdConfig.MAX_CHUNK <= SsdCumsumKernel.GROUP * SsdCumsumKernel.TOKENS_PER_ITEM, "cumsum covers a chunk");
        assertEquals(SsdWideKernels.TILE, SsdWideKernels.SIDE_X * SsdWideKernels.COLS_PER, "16 items across of 4 columns");
        assertEquals(SsdWideKernels.TILE, SsdWideKernels.GROUP / SsdWideKernels.SIDE_X * SsdWideKernels.ROWS_PER,
                "8 items down of 8 rows");
        assertEquals(4, SsdWideKernels.COLS_PER, "two column pairs per item (the unrolled operand load)");
        assertEquals(KernelContext.WARP_SIZE, SsdWideKernels.WARP_ITEMS, "a CUDA warp");
        assertEquals(0, SsdWideKernels.WARP_ITEMS % SsdWideKernels.SIDE_X, "a warp holds whole item rows");
        for (int lid = 0; lid < SsdWideKernels.GROUP; lid++) {
            int ty = lid / SsdWideKernels.SIDE_X;
            assertTrue(SsdWideKernels.rowSlot(ty, SsdWideKernels.ROWS_PER - 1) <= SsdWideKernels.warpLastRow(lid),
                    "item " + lid + "'s rows end by its warp's last row");
        }
        Set<Integer> columns = new HashSet<>();
        for (int tx = 0; tx < SsdWideKernels.SIDE_X; tx++) {
            for (int q = 0; q < SsdWideKernels.COLS_PER; q++) {
                columns.add(SsdWideKernels.slot(tx, q));
            }
        }
        assertEquals(SsdWideKernels.TILE, columns.size(), "the items' columns cover the tile once");
    }

    @Test
    void pairsRoundTripEveryBitPattern() {
        float[] samples = {0f, -0f, 1f, -1.5f, Float.MIN_VALUE, Float.MAX_VALUE, Float.NaN, Float.NEGATIVE_INFINITY,
                Float.intBitsToFloat(0x7fc00001)};
        for (float lo : samples) {
            for (float hi : samples) {
                long v = SsdWideKernels.pack(lo, hi);
                assertEquals(Float.floatToRawIntBits(lo), Float.floatToRawIntBits(SsdWideKernels.low(v)));
                assertEquals(Float.floatToRawIntBits(hi), Float.floatToRawIntBits(SsdWideKernels.high(v)));
            }
        }
    }

    @Test
    void cumsumScansWithWarpShuffles() {
        String src = KernelJit.compile(kernel(SsdCumsumKernel.class, "chunkCumsum"), Map.of(), Dialect.CUDA).source();
        assertTrue(src.contains("__shfl_up_sync"), src);
        String cl = KernelJit.compile(kernel(SsdCumsumKernel.class, "chunkCumsum"), Map.of(), Dialect.OPENCL).source();
        assertTrue(cl.contains("barrier(CLK_LOCAL_MEM_FENCE)"), cl);
    }
}
