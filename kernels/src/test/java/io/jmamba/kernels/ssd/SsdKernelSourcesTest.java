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
import java.util.List;
import java.util.Map;
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
        for (Class<?> c : List.of(SsdBlockedKernels.class, SsdTiledKernels.class)) {
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

    /** The blocked kernels' staging loops index with lid and the pass number on these equalities. */
    @Test
    void blockedStagingShapesHold() {
        assertEquals(SsdBlockedKernels.K_STEP, SsdBlockedKernels.PAIR_ROWS * SsdBlockedKernels.PAIR_PASSES,
                "column-pair staging covers the slice's rows");
        assertEquals(SsdBlockedKernels.TILE, 2 * SsdBlockedKernels.ROWS * SsdBlockedKernels.PAIR_PASSES,
                "row-pair staging covers the tile's rows");
        assertEquals(0, SsdBlockedKernels.GROUP % SsdBlockedKernels.TP, "whole pair rows per pass");
        assertEquals(0, SsdBlockedKernels.LS % 2, "pairs never straddle a local row");
        assertEquals(SsdBlockedKernels.TILE, SsdBlockedKernels.SIDE * SsdBlockedKernels.PER, "8 x 8 items of 8 x 8 outputs");
        assertEquals(KernelContext.WARP_SIZE, SsdBlockedKernels.WARP_ITEMS, "a CUDA warp");
        assertEquals(SsdBlockedKernels.WARP_ITEMS, SsdBlockedKernels.WARP_ITEMS / SsdBlockedKernels.SIDE * SsdBlockedKernels.PER,
                "a warp's items own as many consecutive rows as it has items");
        assertTrue(SsdConfig.MAX_CHUNK <= SsdCumsumKernel.GROUP * SsdCumsumKernel.TOKENS_PER_ITEM, "cumsum covers a chunk");
    }

    @Test
    void pairsRoundTripEveryBitPattern() {
        float[] samples = {0f, -0f, 1f, -1.5f, Float.MIN_VALUE, Float.MAX_VALUE, Float.NaN, Float.NEGATIVE_INFINITY,
                Float.intBitsToFloat(0x7fc00001)};
        for (float lo : samples) {
            for (float hi : samples) {
                long v = SsdBlockedKernels.pack(lo, hi);
                assertEquals(Float.floatToRawIntBits(lo), Float.floatToRawIntBits(SsdBlockedKernels.low(v)));
                assertEquals(Float.floatToRawIntBits(hi), Float.floatToRawIntBits(SsdBlockedKernels.high(v)));
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
