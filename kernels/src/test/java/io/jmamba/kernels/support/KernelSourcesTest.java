package io.jmamba.kernels.support;

import io.jmamba.kernels.attention.CausalAttentionKernels;
import io.jmamba.kernels.attention.FlashAttentionTiledKernel;
import io.jmamba.kernels.conv.CausalConv1dBf16Kernels;
import io.jmamba.kernels.conv.CausalConv1dKernels;
import io.jmamba.kernels.conv.CausalConv1dVectorKernels;
import io.jmamba.kernels.scan.SelectiveScanAsyncWidenKernels;
import io.jmamba.kernels.scan.SelectiveScanBlockKernel;
import io.jmamba.kernels.scan.SelectiveScanKernels;
import io.jmamba.kernels.scan.SelectiveScanTiled16Kernels;
import io.jmamba.kernels.scan.SelectiveStateUpdateKernels;
import io.jmamba.runtime.api.Specialize;
import io.jmamba.runtime.jit.Dialect;
import io.jmamba.runtime.jit.GeneratedKernel;
import io.jmamba.runtime.jit.KernelJit;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every kernel of this package set goes through the JIT to both dialects, CUDA C included, which
 * no device in CI runs: a construct the JIT rejects shows up here without a GPU.
 */
class KernelSourcesTest {
    private static final List<Class<?>> KERNEL_CLASSES = List.of(SelectiveScanKernels.class, SelectiveScanBlockKernel.class,
            SelectiveScanTiled16Kernels.class, SelectiveScanAsyncWidenKernels.class,
            SelectiveStateUpdateKernels.class, CausalConv1dKernels.class, CausalAttentionKernels.class,
            FlashAttentionTiledKernel.class, CausalConv1dBf16Kernels.class, CausalConv1dVectorKernels.class);

    /** Representative values for the specialised parameters, by name. */
    private static Object specialValue(String name) {
        return switch (name) {
            case "dstate" -> 16;
            case "width" -> 4;
            case "headdim" -> 64;
            case "causal" -> 1;
            case "queryTile", "keyTile" -> 64;
            case "tileFloats" -> 64 * 64;
            case "threads" -> 128;
            case "items" -> 8;
            case "perItem" -> 8;
            case "vectorsPerItem" -> 4;
            case "pairsPerItem" -> 16;
            case "scanFloats" -> 128 * 16;
            default -> throw new AssertionError("no test value for @Specialize parameter " + name);
        };
    }

    @TestFactory
    List<DynamicTest> everyKernelCompilesToBothDialects() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Class<?> c : KERNEL_CLASSES) {
            for (Method m : c.getDeclaredMethods()) {
                if (!Modifier.isPublic(m.getModifiers()) || !Modifier.isStatic(m.getModifiers())) {
                    continue;
                }
                Map<Integer, Object> spec = new HashMap<>();
                Parameter[] ps = m.getParameters();
                for (int i = 0; i < ps.length; i++) {
                    if (ps[i].isAnnotationPresent(Specialize.class)) {
                        spec.put(i, specialValue(ps[i].getName()));
                    }
                }
                for (Dialect d : Dialect.values()) {
                    tests.add(DynamicTest.dynamicTest(c.getSimpleName() + "." + m.getName() + " to " + d, () -> {
                        GeneratedKernel k = KernelJit.compile(m, spec, d);
                        assertTrue(k.source().contains(k.entryName()), "the source defines its entry point");
                    }));
                }
            }
        }
        return tests;
    }
}
