package io.jmamba.kernels.attention;

import io.jmamba.runtime.jit.Dialect;
import io.jmamba.runtime.jit.GeneratedKernel;
import io.jmamba.runtime.jit.KernelJit;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the asynchronously staged bf16 attention kernel becomes in CUDA C with the default tiles and headdim 64:
 * cp.async copies into two buffers per operand, one wait and one barrier per key tile in that order before the
 * next tile's copies, fragments by ldmatrix (K as is, V transposed) into the tensor-core MMA.
 */
class FlashAttentionBf16AsyncCodegenTest {
    static GeneratedKernel compile(Dialect d) {
        Method m = Arrays.stream(FlashAttentionBf16AsyncKernel.class.getDeclaredMethods())
                .filter(x -> x.getName().equals("flash")).findFirst().orElseThrow();
        CausalAttentionBf16.Tiles t = CausalAttentionBf16.Tiles.DEFAULT;
        return KernelJit.compile(m, Map.of(8, 64, 9, 1, 10, t.mTiles(), 11, t.keyTile(),
                12, FlashAttentionBf16AsyncKernel.stageInts(64, t.keyTile())), d);
    }

    @Test
    void cudaPipelinesCpAsyncIntoTwoBuffersAndReadsFragmentsWithLdmatrix() {
        GeneratedKernel k = compile(Dialect.CUDA);
        String s = k.source();
        assertTrue(s.contains("cp.async.cg.shared.global [%0], [%1], 16;"), s);
        assertTrue(s.contains("ldmatrix.sync.aligned.m8n8.x4.shared.b16") && s.contains("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16"), s);
        assertTrue(s.contains("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32"), s);
        int keyTile = CausalAttentionBf16.Tiles.DEFAULT.keyTile();
        assertEquals(4L * FlashAttentionBf16AsyncKernel.localInts(64, keyTile), k.localMemoryBytes(), "two buffers each of K and V");
        String body = s.substring(s.indexOf("__global__"));
        int prologue = body.indexOf("jm_async_copy_commit();");
        int wait = body.indexOf("jm_async_copy_wait(0);");
        int barrier = body.indexOf("__syncthreads();");
        int nextCopy = body.indexOf("jm_async_copy_commit();", barrier);
        int mma = body.indexOf("_scores", barrier);
        assertTrue(prologue >= 0 && prologue < wait && wait < barrier && barrier < nextCopy && nextCopy < mma,
                "first tile's copies, then per tile: wait, barrier, next tile's copies, compute:\n" + body);
        assertEquals(1, body.split("__syncthreads\\(\\);", -1).length - 1, "one barrier per key tile:\n" + body);
        assertTrue(k.usesWarpOps());
    }
}
