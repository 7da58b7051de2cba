package io.jmamba.runtime.jit;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.KernelCompilationException;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.Parallel;
import io.jmamba.runtime.conformance.GridBarrierKernels;
import io.jmamba.runtime.conformance.WarpKernels;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What KernelContext.gridBarrier becomes in CUDA C and OpenCL C (the results are checked by GridBarrierTest on
 * every device; the CUDA source was also compiled with nvcc -arch=sm_90 when this was written).
 */
class GridBarrierCodegenTest {
    private static GeneratedKernel compile(Class<?> owner, String name, Dialect d) {
        Method m = Arrays.stream(owner.getDeclaredMethods()).filter(x -> x.getName().equals(name)).findFirst().orElseThrow();
        return KernelJit.compile(m, Map.of(), d);
    }

    @Test
    void cudaEmitsTheCooperativeGroupsBarrier() {
        GeneratedKernel k = compile(GridBarrierKernels.class, "exchange", Dialect.CUDA);
        String s = k.source();
        assertTrue(k.usesGridBarrier(), "recorded for the backends");
        assertTrue(k.usesContext() && k.usesBarriers(), "an exact grid, one thread per item on the JVM");
        String helper = s.substring(s.indexOf("void jm_grid_barrier(int* counter)"), s.indexOf("__global__"));
        for (String part : new String[]{"__syncthreads();", "__threadfence();", "gridDim.x * gridDim.y * gridDim.z",
                "blockIdx.x == 0 && blockIdx.y == 0 && blockIdx.z == 0", "0x80000000u - (groups - 1u) : 1u",
                "atomicAdd((unsigned int*)counter, add)", "volatile unsigned int* seen",
                "((arrived ^ *seen) & 0x80000000u) == 0u"}) {
            assertTrue(helper.contains(part), "helper lacks " + part + ":\n" + helper);
        }
        int add = helper.indexOf("atomicAdd");
        assertTrue(helper.indexOf("__threadfence();") < add && helper.lastIndexOf("__threadfence();") > add,
                "fences on both sides of the arrival:\n" + helper);
        String body = s.substring(s.indexOf("__global__"));
        assertEquals(2, count(body, "jm_grid_barrier(counter);"), "two barriers in the kernel, one in the helper:\n" + s);
        int write = body.indexOf("a[i] =");
        int barrier = body.indexOf("jm_grid_barrier(counter);");
        int read = body.indexOf("b[i] =");
        assertTrue(write < barrier && barrier < read, "phase 1, barrier, phase 2 in order:\n" + body);
    }

    @Test
    void openClEmitsAtomicsFencesAndBarriers() {
        GeneratedKernel k = compile(GridBarrierKernels.class, "exchange", Dialect.OPENCL);
        String s = k.source();
        assertTrue(k.usesGridBarrier());
        String helper = s.substring(s.indexOf("void jm_grid_barrier(__global int* counter)"), s.indexOf("__kernel"));
        for (String part : new String[]{"barrier(CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE);", "mem_fence(CLK_GLOBAL_MEM_FENCE);",
                "get_num_groups(0) * get_num_groups(1) * get_num_groups(2)", "volatile __global uint* c",
                "atomic_add(c, add)", "atomic_or(c, 0u)", "0x80000000u - (groups - 1u) : 1u"}) {
            assertTrue(helper.contains(part), "helper lacks " + part + ":\n" + helper);
        }
        assertEquals(2, count(helper, "#ifdef __NV_CL_C_VERSION\n        asm volatile(\"membar.gl;\");\n#endif"),
                "NVIDIA's OpenCL gets the device-wide fence on both sides of the arrival:\n" + helper);
    }

    @Test
    void kernelsWithoutItAreNotMarked() {
        assertFalse(compile(WarpKernels.class, "shuffles", Dialect.CUDA).usesGridBarrier());
    }

    @Test
    void aGridBarrierInsideAParallelLoopIsRejected() {
        KernelCompilationException e = assertThrows(KernelCompilationException.class,
                () -> compile(Rejected.class, "inParallelLoop", Dialect.CUDA));
        assertEquals("inParallelLoop", e.methodName());
        assertTrue(e.bytecodeOffset() >= 0, e.getMessage());
        assertTrue(e.construct().contains("KernelContext.gridBarrier inside a @Parallel loop"), e.getMessage());
    }

    private static int count(String s, String part) {
        int n = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }

    static final class Rejected {
        private Rejected() {
        }

        /** A grid-stride loop runs different trip counts per item: they would not all reach the barrier. */
        static void inParallelLoop(KernelContext ctx, IntArray counter, FloatArray a) {
            for (@Parallel int i = 0; i < a.getSize(); i++) {
                a.set(i, 1f);
                ctx.gridBarrier(counter);
            }
        }
    }
}
