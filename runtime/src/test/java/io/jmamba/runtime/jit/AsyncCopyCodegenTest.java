package io.jmamba.runtime.jit;

import io.jmamba.runtime.conformance.AsyncCopyKernels;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What asyncCopy16 / asyncCopyCommit / asyncCopyWait become in C (their results are checked by the conformance
 * suite on every device; without a GPU here, this pins the CUDA text: the PTX, its operand constraints, the
 * architecture gate and the program order of copy, commit, wait and barrier).
 */
class AsyncCopyCodegenTest {
    private static GeneratedKernel compile(String name, Dialect d) {
        Method m = Arrays.stream(AsyncCopyKernels.class.getDeclaredMethods()).filter(x -> x.getName().equals(name))
                .findFirst().orElseThrow();
        return KernelJit.compile(m, Map.of(), d);
    }

    @Test
    void cudaIssuesCpAsyncOnSm80WithA32BitSharedAddress() {
        String s = compile("pipelinedInts", Dialect.CUDA).source();
        assertTrue(s.contains("#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800"), s);
        // the builtin address-space cast, which the compiler folds for a __shared__ array, not a cvta in asm
        assertTrue(s.contains("return (unsigned int)__cvta_generic_to_shared(p);"), s);
        assertFalse(s.contains("cvta.to.shared"), s);
        assertTrue(s.contains("asm volatile(\"cp.async.cg.shared.global [%0], [%1], 16;\" :: \"r\"(jm_shared_address(dst)), \"l\"(src) : \"memory\");"), s);
        assertTrue(s.contains("asm volatile(\"cp.async.commit_group;\" ::: \"memory\");"), s);
        assertTrue(s.contains("case 1: asm volatile(\"cp.async.wait_group 1;\" ::: \"memory\"); break;"), s);
    }

    @Test
    void cudaKeepsCopyCommitWaitBarrierInProgramOrder() {
        String s = compile("bf16Pairs", Dialect.CUDA).source();
        String body = s.substring(s.indexOf("__global__"));
        int copy = body.indexOf("jm_async_copy16((void*)");
        int commit = body.indexOf("jm_async_copy_commit();");
        int wait = body.indexOf("jm_async_copy_wait(0);");
        int barrier = body.indexOf("__syncthreads();");
        assertTrue(copy >= 0 && copy < commit && commit < wait && wait < barrier, "copy, commit, wait, barrier:\n" + body);
    }

    @Test
    void aCopyInAHelperTakesTheLocalArrayParameter() {
        String s = compile("pipelinedInts", Dialect.CUDA).source();
        String helper = s.substring(s.indexOf("AsyncCopyKernels_stage"));
        assertTrue(helper.contains("jm_async_copy16((void*)("), helper);
    }

    @Test
    void openClCopiesAtOnceWithOneVectorAccess() {
        String s = compile("floats", Dialect.OPENCL).source();
        assertTrue(s.contains("vstore4(vload4(0, (__global const int*)"), s);
        assertTrue(s.contains("(__local int*)"), s);
        assertFalse(s.contains("cp.async") || s.contains("jm_async"), s);
    }

    @Test
    void cudaLoadsFragmentsWithLdmatrixOnSm75() {
        Method m = Arrays.stream(io.jmamba.runtime.conformance.MatrixLoadKernels.class.getDeclaredMethods())
                .filter(x -> x.getName().equals("ldmatrixMma")).findFirst().orElseThrow();
        GeneratedKernel k = KernelJit.compile(m, Map.of(), Dialect.CUDA);
        String s = k.source();
        assertTrue(s.contains("#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 750"), s);
        assertTrue(s.contains("asm volatile(\"ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\""), s);
        assertTrue(s.contains("asm volatile(\"ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\""), s);
        assertTrue(s.contains(": \"=r\"(r0), \"=r\"(r1), \"=r\"(r2), \"=r\"(r3) : \"r\"(jm_shared_address(row)) : \"memory\");"), s);
        assertTrue(k.usesWarpOps(), "launched with whole warps");
        String o = KernelJit.compile(m, Map.of(), Dialect.OPENCL).source();
        assertTrue(o.contains("jm_ldmatrix_x4_trans(__local const int* m, int stride, int lane, int* r)"), o);
        assertFalse(o.contains("ldmatrix.sync") || o.contains("jm_shared_address"), o);
    }
}
