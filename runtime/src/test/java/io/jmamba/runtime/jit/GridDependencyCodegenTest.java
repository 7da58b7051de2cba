package io.jmamba.runtime.jit;

import io.jmamba.runtime.conformance.GridDependencyKernels;
import io.jmamba.runtime.conformance.WarpKernels;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What gridDependencyWait and launchDependents become (their results are checked by the conformance suite). */
class GridDependencyCodegenTest {
    private static GeneratedKernel compile(Class<?> owner, String name, Dialect d) {
        Method m = Arrays.stream(owner.getDeclaredMethods()).filter(x -> x.getName().equals(name)).findFirst().orElseThrow();
        return KernelJit.compile(m, Map.of(), d);
    }

    @Test
    void cudaEmitsGriddepcontrolForSm90InProgramOrder() {
        GeneratedKernel k = compile(GridDependencyKernels.class, "scaleAfterWait", Dialect.CUDA);
        String s = k.source();
        assertTrue(s.contains("asm volatile(\"griddepcontrol.wait;\" ::: \"memory\");"), s);
        assertTrue(s.contains("asm volatile(\"griddepcontrol.launch_dependents;\" ::: \"memory\");"), s);
        assertTrue(s.contains("#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900"), s);
        assertTrue(k.usesGridDependency(), "launched with programmatic serialisation");
        String body = s.substring(s.indexOf("__global__"));
        int w = body.indexOf("w[");
        int wait = body.indexOf("jm_grid_dependency_wait();");
        int release = body.indexOf("jm_launch_dependents();");
        int x = body.indexOf("x[");
        assertTrue(w >= 0 && w < wait && wait < release && release < x, "w read, wait, release, x read in that order:\n" + body);
    }

    @Test
    void aWaitInAHelperMarksTheKernel() {
        GeneratedKernel k = compile(GridDependencyKernels.class, "waitInHelper", Dialect.CUDA);
        assertTrue(k.usesGridDependency(), k.source());
        assertTrue(k.source().contains("jm_grid_dependency_wait();"), k.source());
    }

    @Test
    void openClEmitsNothingButComments() {
        GeneratedKernel k = compile(GridDependencyKernels.class, "scaleAfterWait", Dialect.OPENCL);
        assertFalse(k.source().contains("griddepcontrol") || k.source().contains("jm_grid_dependency"), k.source());
    }

    @Test
    void kernelsWithoutTheWaitAreLaunchedPlainly() {
        assertFalse(compile(WarpKernels.class, "shuffles", Dialect.CUDA).usesGridDependency());
    }
}
