package io.jmamba.runtime.jit;

import io.jmamba.runtime.api.DataTransferMode;
import io.jmamba.runtime.api.ExecutionPlan;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.KernelCompilationException;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.LaunchBounds;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.api.WorkerGrid1D;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceMatrix;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@link LaunchBounds}: printed on the CUDA entry, absent from OpenCL C, and enforced on launches on every device. */
class LaunchBoundsTest {
    /** Kernels of this test. */
    public static final class Bounded {
        private Bounded() {
        }

        @LaunchBounds(maxThreads = 128, minBlocksPerMultiprocessor = 4)
        public static void scale(KernelContext ctx, FloatArray x, float s) {
            int i = ctx.globalIdx;
            if (i < x.getSize()) {
                x.set(i, x.get(i) * s);
            }
        }

        @LaunchBounds(maxThreads = 64)
        public static void negate(KernelContext ctx, FloatArray x) {
            int i = ctx.globalIdx;
            if (i < x.getSize()) {
                x.set(i, -x.get(i));
            }
        }

        @LaunchBounds(maxThreads = 0)
        public static void zero(KernelContext ctx, FloatArray x) {
            x.set(ctx.globalIdx, 0f);
        }
    }

    private static Method method(String name) {
        for (Method m : Bounded.class.getMethods()) {
            if (m.getName().equals(name)) {
                return m;
            }
        }
        throw new AssertionError(name);
    }

    @Test
    void cudaEntryCarriesLaunchBounds() {
        GeneratedKernel k = KernelJit.compile(method("scale"), Map.of(), Dialect.CUDA);
        assertTrue(k.source().contains("extern \"C\" __global__ void __launch_bounds__(128, 4) " + k.entryName() + "("),
                k.source());
        GeneratedKernel one = KernelJit.compile(method("negate"), Map.of(), Dialect.CUDA);
        assertTrue(one.source().contains("__global__ void __launch_bounds__(64) " + one.entryName() + "("), one.source());
        // device functions and unbounded kernels are unchanged
        assertEquals(1, k.source().split("__launch_bounds__", -1).length - 1, k.source());
    }

    @Test
    void thePropertyOverridesTheBoundsAndIsPartOfTheCacheKey() {
        String key = LaunchBoundsRule.OVERRIDE_PREFIX + "Bounded.scale";
        try {
            System.setProperty(key, "128,3");
            GeneratedKernel k = KernelJit.compile(method("scale"), Map.of(), Dialect.CUDA);
            assertTrue(k.source().contains("__global__ void __launch_bounds__(128, 3) " + k.entryName() + "("), k.source());
            System.setProperty(key, "96");
            GeneratedKernel m = KernelJit.compile(method("scale"), Map.of(), Dialect.CUDA);
            assertTrue(m.source().contains("__global__ void __launch_bounds__(96) " + m.entryName() + "("), m.source());
            // the launch rule follows the override: 128 items are now more than its 96
            IllegalArgumentException tooMany = assertThrows(IllegalArgumentException.class,
                    () -> LaunchBoundsRule.check("t", method("scale"), new long[] {128}));
            assertTrue(tooMany.getMessage().contains("96"), tooMany.getMessage());
            System.setProperty(key, "128,x");
            KernelCompilationException e = assertThrows(KernelCompilationException.class,
                    () -> KernelJit.compile(method("scale"), Map.of(), Dialect.CUDA));
            assertTrue(e.getMessage().contains(key + "=128,x") && e.getMessage().contains("maxThreads,minBlocks"), e.getMessage());
        } finally {
            System.clearProperty(key);
        }
        GeneratedKernel back = KernelJit.compile(method("scale"), Map.of(), Dialect.CUDA);
        assertTrue(back.source().contains("__launch_bounds__(128, 4) "), back.source());
    }

    @Test
    void openClEntryIsUnchanged() {
        GeneratedKernel k = KernelJit.compile(method("scale"), Map.of(), Dialect.OPENCL);
        assertFalse(k.source().contains("launch_bounds"), k.source());
        assertTrue(k.source().contains("__kernel void " + k.entryName() + "("), k.source());
    }

    @Test
    void nonsenseBoundsAreACompileError() {
        KernelCompilationException e = assertThrows(KernelCompilationException.class,
                () -> KernelJit.compile(method("zero"), Map.of(), Dialect.CUDA));
        assertTrue(e.getMessage().contains("maxThreads must be >= 1"), e.getMessage());
        assertTrue(e.getMessage().contains("zero"), e.getMessage());
    }

    /** The printed CUDA C compiles with nvcc where the toolkit is installed (skipped with the reason otherwise). */
    @Test
    void nvccAcceptsTheBoundedEntry() throws Exception {
        Path nvcc = Path.of("/usr/local/cuda/bin/nvcc");
        assumeTrue(Files.isExecutable(nvcc), "no nvcc at " + nvcc + ": the CUDA C syntax is checked on GPU machines");
        Path dir = Files.createTempDirectory("jm-launch-bounds");
        Path cu = dir.resolve("k.cu");
        Files.writeString(cu, KernelJit.compile(method("scale"), Map.of(), Dialect.CUDA).source());
        Process p = new ProcessBuilder(nvcc.toString(), "-arch=sm_90", "-ptx", cu.toString(), "-o", dir.resolve("k.ptx").toString())
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "nvcc did not finish");
        assertEquals(0, p.exitValue(), log);
        String ptx = Files.readString(dir.resolve("k.ptx"));
        assertTrue(ptx.contains(".maxntid 128, 1, 1") && ptx.contains(".minnctapersm 4"), ptx);
    }

    @TestFactory
    List<DynamicTest> aLaunchAboveTheBoundFailsWithItsNameOnEveryDevice() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ComputeDevice d : DeviceMatrix.devices()) {
            tests.add(DynamicTest.dynamicTest(d.id(), () -> {
                FloatArray x = FloatArray.fromArray(new float[256]);
                x.init(2f);
                TaskGraph g = new TaskGraph("lb").transferToDevice(DataTransferMode.EVERY_EXECUTION, x)
                        .task("scale", Bounded::scale, new KernelContext(), x, 3f)
                        .transferToHost(DataTransferMode.EVERY_EXECUTION, x);
                try (ExecutionPlan plan = new ExecutionPlan(g.snapshot()).withDevice(d)
                        .withGridScheduler(new GridScheduler("lb.scale", new WorkerGrid1D(256).setLocalWork(256)))) {
                    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, plan::execute);
                    assertTrue(e.getMessage().contains("task lb.scale: local work size [256] has 256 work-items, more than the 128 "
                            + "of Bounded.scale's @LaunchBounds(maxThreads = 128)"), e.getMessage());
                }
                // within the bound it runs
                try (ExecutionPlan plan = new ExecutionPlan(g.snapshot()).withDevice(d)
                        .withGridScheduler(new GridScheduler("lb.scale", new WorkerGrid1D(256).setLocalWork(128)))) {
                    plan.execute();
                }
                assertEquals(6f, x.get(255));
            }));
        }
        return tests;
    }
}
