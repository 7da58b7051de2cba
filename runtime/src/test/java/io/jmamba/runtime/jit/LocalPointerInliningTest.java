package io.jmamba.runtime.jit;

import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.conformance.AsyncCopyKernels;
import io.jmamba.runtime.conformance.MatrixLoadKernels;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * OpenCL C inlines every function whose local-memory pointer always points to the same kernel array
 * ({@link FixedLocalPointers}, {@link CSyntax#localPointerFunctionQualifier}: PoCL loses such a function's accesses
 * when it is not inlined; the results are checked by AsyncCopyKernels' two-tile cases in the conformance suite).
 * Other functions and every CUDA function keep their qualifiers.
 */
class LocalPointerInliningTest {
    /** One helper (one C function: the values are not constants) fills two different local arrays. */
    public static void twoArrays(KernelContext ctx, IntArray out) {
        int[] a = ctx.allocateIntLocalArray(64);
        int[] b = ctx.allocateIntLocalArray(64);
        fill(ctx, a, ctx.groupIdx);
        fill(ctx, b, ctx.groupIdx + 1);
        ctx.localBarrier();
        out.set(ctx.globalIdx, a[ctx.localIdx] + b[ctx.localIdx] * ctx.localIdx);
    }

    /** The same helper given the same array twice, through a second helper's parameter. */
    public static void sameArrayThroughAParameter(KernelContext ctx, IntArray out) {
        int[] a = ctx.allocateIntLocalArray(64);
        fillTwice(ctx, a);
        ctx.localBarrier();
        out.set(ctx.globalIdx, a[ctx.localIdx]);
    }

    static void fill(KernelContext ctx, int[] dst, int v) {
        dst[ctx.localIdx] = v;
    }

    static void fillTwice(KernelContext ctx, int[] dst) {
        fill(ctx, dst, ctx.groupIdx);
        fill(ctx, dst, ctx.groupIdx + 1);
    }
    private static final String ALWAYS_INLINE = "static inline __attribute__((always_inline)) ";

    private static String source(Class<?> owner, String name, Dialect d) {
        Method m = Arrays.stream(owner.getDeclaredMethods()).filter(x -> x.getName().equals(name)).findFirst().orElseThrow();
        return KernelJit.compile(m, Map.of(), d).source();
    }

    @Test
    void openClInlinesTranslatedFunctionsGivenOneLocalArray() {
        String s = source(AsyncCopyKernels.class, "twoTileHelper", Dialect.OPENCL);
        // the twice-called staging helper of the slice loop and its caller
        assertTrue(s.contains(ALWAYS_INLINE + "void AsyncCopyKernels_stageTokenRows_5("), s);
        assertTrue(s.contains(ALWAYS_INLINE + "void AsyncCopyKernels_stageBothByHelper_3("), s);
        // no local pointer: left to the compiler
        assertTrue(s.contains("\nstatic int AsyncCopyKernels_stagedRows("), s);
        assertTrue(s.contains("\n__kernel void AsyncCopyKernels_twoTileHelper("), s);
    }

    @Test
    void aHelperGivenDifferentArraysKeepsItsPointerParameter() {
        String s = source(LocalPointerInliningTest.class, "twoArrays", Dialect.OPENCL);
        assertTrue(s.contains("\nstatic void LocalPointerInliningTest_fill(__local int* dst"), s);
        assertFalse(s.contains("always_inline"), s);
    }

    @Test
    void theSameArrayThroughACallersParameterCounts() {
        String s = source(LocalPointerInliningTest.class, "sameArrayThroughAParameter", Dialect.OPENCL);
        assertTrue(s.contains(ALWAYS_INLINE + "void LocalPointerInliningTest_fill"), s);
        assertTrue(s.contains(ALWAYS_INLINE + "void LocalPointerInliningTest_fillTwice(__local int* dst"), s);
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
