package io.jmamba.kernels.attention;

import io.jmamba.runtime.jit.Dialect;
import io.jmamba.runtime.jit.GeneratedKernel;
import io.jmamba.runtime.jit.KernelJit;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the bf16 attention kernel becomes in CUDA C with the default tiles: tensor-core MMAs on register
 * fragments, one cvt per packed P pair, 32-bit index arithmetic only, the staged tiles' local memory; and on
 * OpenCL, loops around the emulated warp exchanges left rolled.
 */
class FlashAttentionBf16CodegenTest {
    private static GeneratedKernel compile(Dialect d) {
        Method m = Arrays.stream(FlashAttentionBf16Kernel.class.getDeclaredMethods())
                .filter(x -> x.getName().equals("flash")).findFirst().orElseThrow();
        CausalAttentionBf16.Tiles t = CausalAttentionBf16.Tiles.DEFAULT;
        return KernelJit.compile(m, Map.of(8, 64, 9, 1, 10, t.mTiles(), 11, t.keyTile(),
                12, FlashAttentionBf16Kernel.kStageInts(64, t.keyTile()), 13, FlashAttentionBf16Kernel.vStageInts(64, t.keyTile())), d);
    }

    @Test
    void cudaUsesRegisterFragmentsAnd32BitIndices() {
        GeneratedKernel k = compile(Dialect.CUDA);
        String s = k.source();
        assertTrue(s.contains("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32"), s);
        assertTrue(s.contains("cvt.rn.bf16x2.f32") && s.contains("ex2.approx.ftz.f32"), s);
        assertFalse(s.contains("(long long)") || s.contains("cuda_bf16.h"), "no 64-bit index arithmetic, no headers:\n" + s);
        // every MMA call site sits in an unrolled loop over constants: fragment arrays indexed by constants
        Matcher calls = Pattern.compile("jm_mma_frag_bf16\\(").matcher(s.substring(s.indexOf("__global__")));
        int n = 0;
        while (calls.find()) {
            n++;
        }
        assertEquals(2, n, "one S = QK^T and one O += PV call site");
        int kInts = FlashAttentionBf16Kernel.kStageInts(64, CausalAttentionBf16.Tiles.DEFAULT.keyTile());
        int vInts = FlashAttentionBf16Kernel.vStageInts(64, CausalAttentionBf16.Tiles.DEFAULT.keyTile());
        assertEquals(4L * (kInts + vInts), k.localMemoryBytes());
        assertTrue(k.usesWarpOps());
    }

    @Test
    void openClKeepsLoopsAroundEmulatedExchangesRolled() {
        String s = compile(Dialect.OPENCL).source();
        assertTrue(s.contains("jm_mma_frag_bf16(jm_warp, jm_lid, "), s);
        assertTrue(s.contains("#pragma unroll 1"), s);
    }
}
