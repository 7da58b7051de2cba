package io.jmamba.runtime.jit;

import io.jmamba.runtime.conformance.WarpKernels;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the warp operations become in each dialect (their results are checked by the conformance suite). */
class WarpCodegenTest {
    private static GeneratedKernel compile(String name, Dialect d) {
        Method m = Arrays.stream(WarpKernels.class.getDeclaredMethods()).filter(x -> x.getName().equals(name)).findFirst().orElseThrow();
        return KernelJit.compile(m, Map.of(), d);
    }

    @Test
    void cudaUsesHardwareShuffles() {
        GeneratedKernel k = compile("shuffles", Dialect.CUDA);
        String s = k.source();
        assertTrue(s.contains("__shfl_sync(0xffffffffu, v, lane & 31)") && s.contains("__shfl_xor_sync(0xffffffffu")
                && s.contains("__shfl_up_sync(0xffffffffu") && s.contains("__shfl_down_sync(0xffffffffu"), s);
        assertFalse(s.contains("__syncthreads") || s.contains("jm_warp"), s);
        assertTrue(k.usesWarpOps());
        assertEquals(0, k.localMemoryBytes(), "no scratch on CUDA");
        String scan = compile("reductions", Dialect.CUDA).source();
        assertTrue(scan.contains("jm_warp_scan_f(") && scan.contains("threadIdx.x & 31u"), scan);
    }

    @Test
    void openClEmulatesThroughLocalScratch() {
        GeneratedKernel k = compile("blockScan", Dialect.OPENCL);
        String s = k.source();
        assertTrue(s.contains("__local int jm_warp[1024];") && s.contains("const int jm_lid = "), s);
        assertTrue(s.contains("jm_warp_scan_f(jm_warp, jm_lid, "), s);
        assertFalse(s.contains("cl_khr_subgroups") || s.contains("sub_group"), "no sub-group extension: " + s);
        assertEquals(8 * 4 + 8 * 4 + 1024 * 4, k.localMemoryBytes(), "two 8-element local arrays and the scratch");
        assertTrue(k.usesWarpOps() && k.usesBarriers());
    }

    @Test
    void openClPassesScratchToHelpersThatTakeTheContext() {
        String s = compile("inHelper", Dialect.OPENCL).source();
        assertTrue(s.contains("WarpKernels_warpMean(float v, __local int* jm_warp, int jm_lid)"), s);
        assertTrue(s.contains("WarpKernels_warpMean(v, jm_warp, jm_lid)"), s);
    }

    @Test
    void warpSizeAndLaneAreConstantsAndIds() {
        String s = compile("twoDimensional", Dialect.OPENCL).source();
        assertFalse(s.contains("warpSize"), s);
        String cuda = compile("shuffles", Dialect.CUDA).source();
        assertTrue(cuda.contains("(((int)threadIdx.x) & 31)"), cuda);
    }

    @Test
    void mmaIsOneTensorCoreInstructionOnCudaAndPlainSumsOnOpenCl() {
        Method m = Arrays.stream(io.jmamba.runtime.conformance.MmaKernels.class.getDeclaredMethods())
                .filter(x -> x.getName().equals("bf16Tiles")).findFirst().orElseThrow();
        GeneratedKernel cuda = KernelJit.compile(m, Map.of(), Dialect.CUDA);
        assertTrue(cuda.source().contains("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32"), cuda.source());
        assertTrue(cuda.usesWarpOps(), "launches need warp-shaped groups");
        GeneratedKernel ocl = KernelJit.compile(m, Map.of(), Dialect.OPENCL);
        assertFalse(ocl.source().contains("jm_warp[") || ocl.source().contains("barrier("), "no exchange between lanes: " + ocl.source());
        assertEquals(0, ocl.localMemoryBytes());
        assertTrue(ocl.usesWarpOps());
    }

    private static GeneratedKernel compileFrag(String name, Dialect d) {
        Method m = Arrays.stream(io.jmamba.runtime.conformance.FragMmaKernels.class.getDeclaredMethods())
                .filter(x -> x.getName().equals(name)).findFirst().orElseThrow();
        return KernelJit.compile(m, Map.of(), d);
    }

    @Test
    void fragmentMmaIsOneInstructionOnRegistersOnCudaAndAnExchangeOnOpenCl() {
        GeneratedKernel cuda = compileFrag("bf16Frag", Dialect.CUDA);
        String s = cuda.source();
        assertTrue(s.contains("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32"), s);
        assertTrue(s.contains("jm_mma_frag_bf16(") && !s.contains("jm_warp"), s);
        // getPair is one 32-bit load at the element's address
        assertTrue(s.contains("(*(int*)(a + ("), s);
        assertTrue(cuda.usesWarpOps());
        String tf32 = compileFrag("tf32Frag", Dialect.CUDA).source();
        assertTrue(tf32.contains("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32") && tf32.contains("__float_as_uint(a0)"), tf32);
        GeneratedKernel ocl = compileFrag("bf16Frag", Dialect.OPENCL);
        assertTrue(ocl.source().contains("jm_mma_frag_bf16(jm_warp, jm_lid, ") && ocl.source().contains("(*(__global int*)(a + ("),
                ocl.source());
        assertTrue(ocl.usesWarpOps() && ocl.usesBarriers());
    }

    @Test
    void packAndRoundAreSingleConversionsOnCuda() {
        String s = compileFrag("packAndRound", Dialect.CUDA).source();
        assertTrue(s.contains("cvt.rn.bf16x2.f32 %0, %1, %2;\" : \"=r\"(r) : \"f\"(hi), \"f\"(lo)"), s);
        assertTrue(s.contains("cvt.rna.tf32.f32"), s);
        assertFalse(s.contains("cuda_bf16.h"), s);
    }
}
