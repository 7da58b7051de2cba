package io.jmamba.runtime.jit;

import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the compiler records about a kernel: parameters, @Parallel loops, specialisation, cache, names. */
class CompilerTest {
    private static GeneratedKernel compile(String name, Map<Integer, Object> spec) {
        return KernelJit.compile(PoclExecutionTest.method(name), spec, Dialect.OPENCL);
    }

    @Test
    void parametersFollowTheContract() {
        GeneratedKernel k = compile("saxpy", Map.of());
        assertEquals(List.of(new KernelParam(0, "alpha", KernelParam.Kind.SCALAR, "float"),
                new KernelParam(1, "x", KernelParam.Kind.ARRAY, "float"),
                new KernelParam(2, "y", KernelParam.Kind.ARRAY, "float")), k.params());
        assertTrue(k.source().contains("__kernel void SampleKernels_saxpy(float alpha, __global float* x, long x_size, "
                + "__global float* y, long y_size)"), k.source());
        assertTrue(k.source().contains("y[i] = ((alpha * x[i]) + y[i]);"), "readable names from the LocalVariableTable");
        assertEquals("SampleKernels_saxpy", k.entryName());
        GeneratedKernel c = compile("contextAdd", Map.of());
        assertEquals(KernelParam.Kind.CONTEXT, c.params().getFirst().kind());
        assertTrue(c.usesContext());
        assertFalse(c.usesBarriers());
        assertTrue(c.parallelLoops().isEmpty());
        assertTrue(c.source().contains("(__global int* a, long a_size, __global int* b, long b_size, __global int* c, long c_size)"));
    }

    @Test
    void parallelLoopsAndTheirBounds() {
        assertEquals(List.of(new ParallelLoop(0, new ParallelLoop.Bound.ArraySize(1))), compile("saxpy", Map.of()).parallelLoops());
        assertEquals(List.of(new ParallelLoop(0, new ParallelLoop.Bound.ScalarParam(1))), compile("scaleN", Map.of()).parallelLoops());
        assertEquals(List.of(new ParallelLoop(0, new ParallelLoop.Bound.ScalarParam(1)),
                new ParallelLoop(1, new ParallelLoop.Bound.ScalarParam(2))), compile("grid2d", Map.of()).parallelLoops());
        assertEquals(List.of(new ParallelLoop(0, new ParallelLoop.Bound.Constant(64))), compile("stride2", Map.of()).parallelLoops());
        ParallelLoop.Bound n = new ParallelLoop.Bound.ScalarParam(1);
        assertEquals(List.of(new ParallelLoop(0, new ParallelLoop.Bound.Formula("mul", n, new ParallelLoop.Bound.Constant(2)))),
                compile("computedBound", Map.of()).parallelLoops());
        ParallelLoop.Bound tokens = new ParallelLoop.Bound.Formula("mul", new ParallelLoop.Bound.ScalarParam(1),
                new ParallelLoop.Bound.ScalarParam(2));
        ParallelLoop.Bound half = new ParallelLoop.Bound.Formula("div",
                new ParallelLoop.Bound.Formula("min", tokens, new ParallelLoop.Bound.ScalarParam(3)), new ParallelLoop.Bound.Constant(2));
        assertEquals(List.of(new ParallelLoop(0, tokens),
                        new ParallelLoop(1, new ParallelLoop.Bound.Formula("sub", half, new ParallelLoop.Bound.Constant(1)))),
                compile("boundInLocals", Map.of()).parallelLoops(), "bounds held in locals stored once trace back to the parameters");
        assertEquals(List.of(new ParallelLoop(0, new ParallelLoop.Bound.Unknown())), compile("boundReassigned", Map.of()).parallelLoops(),
                "a local stored twice has no single value");
        assertEquals(List.of(new ParallelLoop(0, new ParallelLoop.Bound.Unknown())), compile("unknownBound", Map.of()).parallelLoops());
        assertEquals(List.of(new ParallelLoop(0, new ParallelLoop.Bound.Unknown())), compile("inclusiveBound", Map.of()).parallelLoops(),
                "i <= n runs n + 1 times: not the bound n");
        GeneratedKernel g = compile("grid2d", Map.of());
        assertFalse(g.usesContext(), "@Parallel kernels size their own grid");
        assertTrue(g.source().contains("r = ((int)get_global_id(0));"), g.source());
        assertTrue(g.source().contains("c = ((int)get_global_id(1));"), g.source());
        assertTrue(g.source().contains("get_global_size(1)"), g.source());
        String s = compile("stride2", Map.of()).source();
        assertTrue(s.contains("i = ((int)(1u + (uint)((int)(2u * (uint)((int)get_global_id(0))))));"), s);
        assertTrue(s.contains("i = ((int)((uint)i + (uint)((int)(2u * (uint)((int)get_global_size(0))))));"), s);
    }

    @Test
    void specialisationBakesLiteralsAndFoldsSizes() {
        GeneratedKernel four = compile("privateState", Map.of(2, 4));
        assertEquals(KernelParam.Kind.SPECIALIZED, four.params().get(2).kind());
        assertTrue(four.source().contains("float h[4];"), four.source());
        assertTrue(four.source().contains("float w[8];"), "new float[2 * dstate] folds to 8");
        assertTrue(four.source().contains("const int dstate = 4;"), four.source());
        assertFalse(four.source().contains("int dstate,"), "a specialised parameter is not a C parameter");
        assertTrue(four.entryName().startsWith("SampleKernels_privateState_s"), four.entryName());
        assertTrue(four.source().contains("#pragma unroll\n    for (;;) {\nL27:;\n    if (s >= dstate) goto L68;"),
                "the loop over dstate gets an unroll hint: " + four.source());
        assertFalse(compile("privateState", Map.of(2, 1000)).source().contains("#pragma unroll"),
                "no hint for large trip counts");
        assertFalse(compile("saxpy", Map.of()).source().contains("#pragma unroll"), "no hint for unknown bounds");
        assertFalse(compile("control", Map.of()).source().contains("#pragma unroll"),
                "no hint for loops with a second exit (break outer): the compiler could not honour it");
        GeneratedKernel sixteen = compile("privateState", Map.of(2, 16));
        assertTrue(sixteen.source().contains("float h[16];"));
        assertNotEquals(four.entryName(), sixteen.entryName());

        GeneratedKernel tile = compile("sharedTile", Map.of(2, 32));
        assertTrue(tile.source().contains("__local float tile[64];"), tile.source());
        assertEquals(64 * 4, tile.localMemoryBytes());
        assertTrue(tile.usesBarriers());

        String flags = compile("specialisedFlags", Map.of(1, true, 2, 0.5f, 3, 7L)).source();
        assertTrue(flags.contains("const float scale = 0.5f;") && flags.contains("const long bias = 7L;"), flags);
        assertFalse(flags.contains("relu"), "the test of relu == true is decided at compile time: " + flags);
    }

    @Test
    void codeCacheReturnsTheSameKernelPerMethodValuesAndDialect() {
        Method m = PoclExecutionTest.method("privateState");
        GeneratedKernel a = KernelJit.compile(m, Map.of(2, 8), Dialect.OPENCL);
        int size = KernelJit.cachedKernels();
        assertSame(a, KernelJit.compile(m, Map.of(2, 8), Dialect.OPENCL));
        assertEquals(size, KernelJit.cachedKernels());
        GeneratedKernel cuda = KernelJit.compile(m, Map.of(2, 8), Dialect.CUDA);
        assertEquals(Dialect.CUDA, cuda.dialect());
        assertNotEquals(a.source(), cuda.source());
        assertEquals(size + 1, KernelJit.cachedKernels());
    }

    @Test
    void printKernelRendersSourceForEitherDialect() {
        String cl = PrintKernel.render(new String[] {SampleKernels.class.getName(), "privateState", "2=4"});
        assertTrue(cl.contains("__kernel void SampleKernels_privateState_s") && cl.contains("float h[4];"), cl);
        String cuda = PrintKernel.render(new String[] {SampleKernels.class.getName(), "saxpy", "cuda"});
        assertTrue(cuda.contains("extern \"C\" __global__ void SampleKernels_saxpy(float alpha, float* x, long long x_size"), cuda);
    }

    @Test
    void printKernelReportsUsageAndCompileErrorsWithStatus() {
        var out = new java.io.ByteArrayOutputStream();
        var err = new java.io.ByteArrayOutputStream();
        assertEquals(2, PrintKernel.run(new String[] {"no.such.Class", "k"}, new java.io.PrintStream(out),
                new java.io.PrintStream(err)));
        assertTrue(err.toString().contains("class not found on the class path: no.such.Class"), err.toString());
        err.reset();
        assertEquals(1, PrintKernel.run(new String[] {RejectedKernels.class.getName(), "usesString"},
                new java.io.PrintStream(out), new java.io.PrintStream(err)));
        assertTrue(err.toString().contains("usesString at bytecode offset 0: string constant"), err.toString());
        err.reset();
        assertEquals(2, PrintKernel.run(new String[] {SampleKernels.class.getName(), "privateState", "2=four"},
                new java.io.PrintStream(out), new java.io.PrintStream(err)));
        assertTrue(err.toString().contains("not a int: four"), err.toString());
    }

    @Test
    void everySampleKernelBuildsWithTheRealOpenClCompiler() {
        String why = OpenCl.unavailableReason();
        if (why != null && io.jmamba.runtime.backend.DeviceMatrix.requiredBackends().contains("opencl")) {
            org.junit.jupiter.api.Assertions.fail("OpenCL required but unavailable: " + why);
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(why == null, () -> "skipped: no OpenCL device (" + why + ")");
        try (OpenCl cl = new OpenCl()) {
            for (Method m : SampleKernels.class.getDeclaredMethods()) {
                if (CudaSyntaxTest.isKernel(m)) {
                    cl.build(KernelJit.compile(m, CudaSyntaxTest.specialisation(m), Dialect.OPENCL).source());
                }
            }
        }
    }

    @Test
    void assertionsAreDroppedAndConstantBranchesPruned() {
        String one = compile("assertsAndFlags", Map.of(1, 1)).source();
        assertTrue(one.contains("(v * 2.0f)") && !one.contains("(v + 100.0f)"), one);
        assertFalse(one.contains("AssertionError") || one.contains("-1000"), one);
        String two = compile("assertsAndFlags", Map.of(1, 2)).source();
        assertTrue(two.contains("(v + 100.0f)") && !two.contains("(v * 2.0f)"), two);
    }
}
