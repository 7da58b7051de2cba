package io.jmamba.runtime.jit;

import io.jmamba.runtime.conformance.AsyncCopyKernels;
import io.jmamba.runtime.conformance.MatrixLoadKernels;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * OpenCL C inlines every function that takes a pointer to local memory ({@link CSyntax#localPointerFunctionQualifier}:
 * PoCL loses a non-inlined function's accesses to the kernel's local arrays; the results are checked by
 * AsyncCopyKernels' two-tile cases in the conformance suite). Functions without one and every CUDA function keep
 * their qualifiers.
 */
class LocalPointerInliningTest {
    private static final String ALWAYS_INLINE = "static inline __attribute__((always_inline)) ";

    private static String source(Class<?> owner, String name, Dialect d) {
        Method m = Arrays.stream(owner.getDeclaredMethods()).filter(x -> x.getName().equals(name)).findFirst().orElseThrow();
        return KernelJit.compile(m, Map.of(), d).source();
    }

    @Test
    void openClInlinesTranslatedFunctionsThatTakeALocalArray() {
        String s = source(AsyncCopyKernels.class, "twoTileHelper", Dialect.OPENCL);
        assertTrue(s.contains(ALWAYS_INLINE + "void AsyncCopyKernels_stageTokenRows("), s);
        assertTrue(s.contains(ALWAYS_INLINE + "void AsyncCopyKernels_stageBothByHelper("), s);
        // no local pointer: left to the compiler
        assertTrue(s.contains("\nstatic int AsyncCopyKernels_stagedRows("), s);
        assertTrue(s.contains("\n__kernel void AsyncCopyKernels_twoTileHelper("), s);
    }

    @Test
    void openClInlinesBuiltInHelpersThatTakeALocalPointer() {
        String s = source(MatrixLoadKernels.class, "ldmatrixMma", Dialect.OPENCL);
        assertTrue(s.contains(ALWAYS_INLINE + "void jm_ldmatrix_x4(__local const int* m"), s);
        assertTrue(s.contains(ALWAYS_INLINE + "void jm_mma_frag_bf16(__local int* s"), s);
        assertTrue(s.contains(ALWAYS_INLINE + "int jm_warp_put(__local int* s"), s);
        // no local pointer: a plain helper
        assertTrue(s.contains("\nstatic inline float jm_bf16_to_float(ushort b)"), s);
    }

    @Test
    void cudaKeepsItsQualifiers() {
        String s = source(AsyncCopyKernels.class, "twoTileHelper", Dialect.CUDA);
        assertFalse(s.contains("always_inline"), s);
        assertTrue(s.contains("static __device__ void AsyncCopyKernels_stageTokenRows("), s);
        String m = source(MatrixLoadKernels.class, "ldmatrixMma", Dialect.CUDA);
        assertFalse(m.contains("always_inline"), m);
    }
}
