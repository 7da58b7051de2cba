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
}
