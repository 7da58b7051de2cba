package io.jmamba.kernels.fused;

import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.jit.Dialect;
import io.jmamba.runtime.jit.GeneratedKernel;
import io.jmamba.runtime.jit.KernelJit;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fused kernels' CUDA C (made without a GPU): they compile through the JIT, multiply-add with fmaf in
 * the GEMV (two instructions otherwise under --fmad=false), and declare at most 48 KB of shared memory
 * (the static limit of a CUDA block).
 */
class FusedCudaSourceTest {
    private static final long STATIC_SHARED_LIMIT = 48 * 1024;

    @Test
    void fusedGemvKernelsFitSharedMemoryAndUseFma() throws Exception {
        for (String name : new String[] {"normGemvBf16", "normGemvF32", "gatedNormGemvBf16", "gatedNormGemvF32"}) {
            Method m = find(FusedGemvKernels.class, name);
            int splitIdx = m.getParameterCount() - 1;
            Map<Integer, Object> spec = new java.util.HashMap<>(name.startsWith("gated") ? Map.of(splitIdx - 1, 4, splitIdx, 4) : Map.of(splitIdx, 1));
            if (name.endsWith("Bf16")) {
                // the bf16 forms size their local rows by the specialised width (in, param 9) and norm groups (groupSize, 13)
                spec.put(9, name.startsWith("gated") ? 1536 : 768);
                if (name.startsWith("gated")) {
                    spec.put(13, 1536);
                }
            }
            GeneratedKernel k = KernelJit.compile(m, spec, Dialect.CUDA);
            assertTrue(k.localMemoryBytes() <= STATIC_SHARED_LIMIT, name + " declares " + k.localMemoryBytes() + " bytes of shared memory");
            assertTrue(k.source().contains("fmaf("), name + ": fused multiply-adds expected:\n" + k.source());
        }
    }

    /** The warp forms stage nothing in shared memory (their point: many small work-groups per SM) and unroll their register rows. */
    @Test
    void warpFormKernelsUseNoSharedMemory() throws Exception {
        for (String name : new String[] {"normGemvBf16", "gatedNormGemvBf16"}) {
            Method m = find(FusedGemvWarpKernels.class, name);
            // specialised: gated (in 9, groupSize 13, width last), norm (in 9)
            Map<Integer, Object> spec = name.startsWith("gated") ? Map.of(9, 1536, 13, 1536, m.getParameterCount() - 1, 4) : Map.of(9, 768);
            GeneratedKernel k = KernelJit.compile(m, spec, Dialect.CUDA);
            assertTrue(k.localMemoryBytes() == 0, name + " declares " + k.localMemoryBytes() + " bytes of shared memory");
            assertTrue(k.source().contains("fmaf("), name + ": fused multiply-adds expected:\n" + k.source());
            assertTrue(k.source().contains("#pragma unroll\n"), name + ": unrolled register loops expected:\n" + k.source());
        }
    }

    /** The pre-gated out_proj form: no shared memory, and no exp left in it (the gate moved to convSsm). */
    @Test
    void preGatedFormUsesNoSharedMemoryAndNoExp() throws Exception {
        Method m = find(FusedGemvGatedWarpKernels.class, "preGatedGemvBf16");
        GeneratedKernel k = KernelJit.compile(m, Map.of(9, 1536, 13, 1536, m.getParameterCount() - 1, 4), Dialect.CUDA);
        assertTrue(k.localMemoryBytes() == 0, "preGatedGemvBf16 declares " + k.localMemoryBytes() + " bytes of shared memory");
        assertTrue(k.source().contains("fmaf("), "fused multiply-adds expected:\n" + k.source());
        assertTrue(!k.source().contains("exp"), "no exp expected in the pre-gated form:\n" + k.source());
    }

    /**
     * The staged forms: one local row (8 KB) and one barrier, and every weight load before the wait on the
     * previous launch (programmatic dependent launch), the activations after it.
     */
    @Test
    void stagedFormsLoadWeightsBeforeTheWait() throws Exception {
        Method norm = find(FusedGemvStagedKernels.class, "normGemvBf16");
        GeneratedKernel k = KernelJit.compile(norm, Map.of(9, 768), Dialect.CUDA);
        String src = k.source();
        assertTrue(k.usesGridDependency(), "launched with programmatic serialisation");
        assertTrue(k.localMemoryBytes() <= 8 * 1024 + 64, "normGemvBf16 shared memory " + k.localMemoryBytes());
        String body = src.substring(src.indexOf("__global__"));
        int wait = body.indexOf("jm_grid_dependency_wait();");
        // the W and norm-weight loads are helpers (shared with the persistent decode kernel), called before the wait
        assertTrue(wait > 0 && between(body, "_loadRows(w, ", wait) && between(body, "_normWeights(normW, ", wait),
                "W and normW before the wait:\n" + body);
        assertTrue(body.indexOf("hidden + ") > wait && body.indexOf("residualIn + ") > wait, "hidden and residual after it:\n" + body);
        // the one barrier (in the RMS-scale helper) and the fused multiply-adds (in the dot helper): over the whole source
        assertTrue(countOf(src, "__syncthreads()") == 1 && src.contains("fmaf("), src);
        Method gated = find(FusedGemvStagedKernels.class, "preGatedGemvBf16");
        GeneratedKernel p = KernelJit.compile(gated, Map.of(9, 1536, 13, 1536, gated.getParameterCount() - 1, 4), Dialect.CUDA);
        String pb = p.source().substring(p.source().indexOf("__global__"));
        int pw = pb.indexOf("jm_grid_dependency_wait();");
        assertTrue(p.usesGridDependency() && pw > 0 && between(pb, "_normWeights(gateW, ", pw) && pb.indexOf("g + ") > pw, pb);
        assertTrue(!p.source().contains("exp") && countOf(p.source(), "__syncthreads()") == 1, p.source());
    }

    /** Whether {@code part} occurs in {@code s} before index {@code end}. */
    private static boolean between(String s, String part, int end) {
        int at = s.indexOf(part);
        return at >= 0 && at < end;
    }

    private static int countOf(String s, String part) {
        int n = 0;
        for (int at = s.indexOf(part); at >= 0; at = s.indexOf(part, at + 1)) {
            n++;
        }
        return n;
    }

    @Test
    void decodeKernelsCompileForCuda() throws Exception {
        Method convSsm = find(Mamba2DecodeKernels.class, "convSsm");
        int n = convSsm.getParameterCount();
        GeneratedKernel k = KernelJit.compile(convSsm, Map.of(n - 4, 128, n - 3, 4, n - 2, 8), Dialect.CUDA);
        assertTrue(k.localMemoryBytes() <= STATIC_SHARED_LIMIT, "convSsm shared memory " + k.localMemoryBytes());
        assertTrue(k.source().contains("fmaf("), k.source());
        Method shift = find(Mamba2DecodeKernels.class, "gatedNormShift");
        KernelJit.compile(shift, Map.of(shift.getParameterCount() - 1, 4), Dialect.CUDA);
    }

    private static Method find(Class<?> c, String name) {
        for (Method m : c.getMethods()) {
            if (m.getName().equals(name)) {
                return m;
            }
        }
        throw new IllegalStateException(c.getSimpleName() + "." + name + " not found");
    }

    @SuppressWarnings("unused")
    private static final Class<?>[] TYPES = {KernelContext.class, FloatArray.class, BFloat16Array.class};
}
