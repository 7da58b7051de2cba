package io.jmamba.kernels.ssd;

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
 * What the asynchronously staged chunk scan ({@link SsdFragAsyncKernels#chunkScanAsync}) and chunk state
 * ({@link SsdStateAsyncKernels#chunkStateAsync}) become in CUDA C: cp.async copies, the first slice's committed
 * before the slice loop, then per slice a wait and one barrier before the next slice's copies and the fragments
 * (ldmatrix) and MMA; two buffers of each staged operand in local memory.
 */
class SsdFragAsyncCodegenTest {
    static GeneratedKernel compile(Class<?> cls, String name) {
        Method m = Arrays.stream(cls.getDeclaredMethods()).filter(x -> x.getName().equals(name)).findFirst().orElseThrow();
        return KernelJit.compile(m, Map.of(), Dialect.CUDA);
    }

    @Test
    void cudaPipelinesCpAsyncIntoTwoBuffersAndReadsFragmentsWithLdmatrix() {
        GeneratedKernel k = compile(SsdFragAsyncKernels.class, "chunkScanAsync");
        String s = k.source();
        assertTrue(s.contains("ldmatrix.sync.aligned.m8n8.x4.shared.b16") && s.contains("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16"), s);
        assertEquals(4L * 2 * (SsdFragAsyncKernels.STAGE_INTS + SsdFragAsyncKernels.CB_FLOATS) + 8L * SsdTensorKernels.MAX_CHUNK,
                k.localMemoryBytes(), "two buffers each of the bf16 tiles and of C B^T, and dA, dt per token");
        assertPipelined(k);
    }

    @Test
    void cudaChunkStatePipelinesTheSameWayWithTransposedFragments() {
        GeneratedKernel k = compile(SsdStateAsyncKernels.class, "chunkStateAsync");
        assertTrue(k.source().contains("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16"), k.source());
        assertEquals(4L * 2 * SsdStateAsyncKernels.STAGE_INTS + 4L * SsdTensorKernels.MAX_CHUNK, k.localMemoryBytes(),
                "two buffers of the x and B tiles, and the token weights");
        assertPipelined(k);
    }

    /** cp.async, MMA, 48 KB; copies committed before the loop, then per slice: wait, barrier, next copies, MMA. */
    private static void assertPipelined(GeneratedKernel k) {
        String s = k.source();
        assertTrue(s.contains("cp.async.cg.shared.global [%0], [%1], 16;"), s);
        assertTrue(s.contains("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32"), s);
        assertTrue(k.localMemoryBytes() <= 48 * 1024, "static local memory within 48 KB: " + k.localMemoryBytes());
        String body = s.substring(s.indexOf("__global__"));
        int prologue = body.indexOf("jm_async_copy_commit();");
        int wait = body.indexOf("jm_async_copy_wait(0);");
        int barrier = body.indexOf("__syncthreads();");
        int nextCopy = body.indexOf("jm_async_copy_commit();", barrier);
        int mma = body.indexOf("jm_mma_frag_bf16(", barrier);
        assertTrue(prologue >= 0 && prologue < wait && wait < barrier && barrier < nextCopy && nextCopy < mma,
                "first slice's copies, then per slice: wait, barrier, next slice's copies, compute:\n" + body);
        assertEquals(1, body.split("__syncthreads\\(\\);", -1).length - 1, "one barrier per slice:\n" + body);
        assertEquals(2, body.split("jm_async_copy_commit\\(\\);", -1).length - 1, "a commit before and one in the loop:\n" + body);
        assertEquals(1, body.split("jm_async_copy_wait\\(", -1).length - 1, "one wait, in the loop:\n" + body);
    }

    /** The stage layout's alignment: rows an odd multiple of 4 ints (ldmatrix, cp.async), whole copies per item. */
    @Test
    void stageRowsAreSixteenByteAlignedAndBankSpread() {
        for (int stride : new int[] {SsdFragAsyncKernels.STRIDE, SsdFragAsyncKernels.INTER_STRIDE}) {
            assertEquals(0, stride % 4);
            assertEquals(1, (stride / 4) % 2, stride + " ints: an odd multiple of 4");
        }
        for (int at : new int[] {SsdFragAsyncKernels.STAGE_INTS, SsdFragAsyncKernels.C_AT, SsdFragAsyncKernels.CB_FLOATS}) {
            assertEquals(0, at % 4, at + ": buffers and tiles start 16-byte aligned");
        }
        assertEquals(SsdTensorKernels.TILE * SsdFragAsyncKernels.ROW_CHUNKS,
                SsdFragAsyncKernels.COPIES * SsdTensorKernels.GROUP, "every x row chunk copied once");
        assertEquals(SsdTensorKernels.TILE * SsdFragAsyncKernels.INTER_ROW_CHUNKS,
                SsdFragAsyncKernels.INTER_COPIES * SsdTensorKernels.GROUP, "every state and C row chunk copied once");
        assertEquals(SsdFragAsyncKernels.CB_FLOATS, 4 * 4 * SsdTensorKernels.GROUP, "four C B^T copies per item");
    }
}
