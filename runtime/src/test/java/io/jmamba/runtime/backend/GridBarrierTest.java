package io.jmamba.runtime.backend;

import io.jmamba.runtime.api.DataTransferMode;
import io.jmamba.runtime.api.ExecutionPlan;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.api.WorkerGrid1D;
import io.jmamba.runtime.conformance.GridBarrierKernels;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * KernelContext.gridBarrier and ComputeDevice.computeUnits on every device of {@link DeviceMatrix}: where the
 * backend can keep every work-group resident (the JVM, CUDA, an OpenCL GPU) a kernel whose phases read what
 * other work-groups wrote gives the exact results, launched twice with the same counter (which must then be
 * back at 0, as after any even number of barriers); where it cannot (a CPU OpenCL device such as PoCL) the
 * launch is refused with a message that names the kernel and why, unless the grid is a single work-group
 * (which runs there, and so checks the OpenCL barrier's counter arithmetic on PoCL).
 */
class GridBarrierTest {
    private static final int GROUP = 64;
    private static final int GROUPS = 6;

    @TestFactory
    Stream<DynamicNode> gridBarrierOnEveryDevice() {
        List<DynamicNode> tests = new ArrayList<>();
        for (ComputeDevice d : DeviceMatrix.devices()) {
            String on = " on " + d.id() + " (" + d.name() + ")";
            tests.add(DynamicTest.dynamicTest("computeUnits" + on,
                    () -> assertTrue(d.computeUnits() > 0, d.id() + " reports " + d.computeUnits() + " compute units")));
            if (refuses(d)) {
                tests.add(DynamicTest.dynamicTest("gridBarrier refused" + on, () -> refused(d)));
                tests.add(DynamicTest.dynamicTest("a single work-group runs" + on, () -> exchangeTwice(d, 1)));
            } else {
                tests.add(DynamicTest.dynamicTest("exchange through three grid barriers, twice" + on,
                        () -> exchangeTwice(d, GROUPS)));
                tests.add(DynamicTest.dynamicTest("two-dimensional grid" + on, () -> exchange2d(d)));
            }
            int planGroups = refuses(d) ? 1 : GROUPS;
            tests.add(DynamicTest.dynamicTest("in a task graph (CUDA graph where there is one), three executions" + on,
                    () -> inAPlan(d, planGroups)));
            if (d.backendName().equals("jvm")) {
                tests.add(DynamicTest.dynamicTest("a failing work-item releases the others" + on, () -> failingItem(d)));
                tests.add(DynamicTest.dynamicTest("more work-items than virtual threads allowed refused" + on,
                        () -> tooManyJvmItems(d)));
            }
            if (d.backendName().equals("opencl") && d.kind() == DeviceKind.GPU) {
                tests.add(DynamicTest.dynamicTest("more groups than compute units refused" + on, () -> tooManyGroups(d)));
            }
        }
        return tests.stream();
    }

    /** CPU (and accelerator) OpenCL devices do not run every work-group at once. */
    private static boolean refuses(ComputeDevice d) {
        return d.backendName().equals("opencl") && d.kind() != DeviceKind.GPU;
    }

    private static Method exchange() throws NoSuchMethodException {
        return GridBarrierKernels.class.getMethod("exchange", KernelContext.class, IntArray.class, IntArray.class,
                IntArray.class, IntArray.class, int.class);
    }

    private static void exchangeTwice(ComputeDevice d, int groups) throws Exception {
        int n = GROUP * groups;
        try (DeviceSession s = d.openSession()) {
            CompiledKernel k = s.compile(new KernelRequest(exchange(), Map.of()));
            DeviceBuffer counter = zeros(s, 1);
            DeviceBuffer a = zeros(s, n);
            DeviceBuffer b = filled(s, n, -7);
            DeviceBuffer out = zeros(s, n);
            LaunchGrid grid = new LaunchGrid(new long[]{n}, new long[]{GROUP});
            int[] counterAfter = {Integer.MIN_VALUE, 0}; // three barriers flip bit 31 three times per launch
            for (int round = 1; round <= 2; round++) {
                s.launch(k, grid, new Object[]{null, counter, a, b, out, round * 1000}, false);
                s.synchronize();
                int[] got = read(s, out, n);
                for (int i = 0; i < n; i++) {
                    assertEquals(GridBarrierKernels.expected(i, GROUP, groups, round * 1000), got[i],
                            "out[" + i + "] after launch " + round + " on " + d.id());
                }
                assertEquals(counterAfter[round - 1], read(s, counter, 1)[0],
                        "counter after launch " + round + " (the barrier leaves it for the next launch to reuse)");
            }
        }
    }

    private static void exchange2d(ComputeDevice d) throws Exception {
        int width = 64;
        int height = 4;
        int n = width * height;
        Method m = GridBarrierKernels.class.getMethod("exchange2d", KernelContext.class, IntArray.class, IntArray.class,
                IntArray.class);
        try (DeviceSession s = d.openSession()) {
            CompiledKernel k = s.compile(new KernelRequest(m, Map.of()));
            DeviceBuffer counter = zeros(s, 1);
            DeviceBuffer a = zeros(s, n);
            DeviceBuffer out = zeros(s, n);
            int lx = 32;
            int ly = 2; // 2 x 2 = 4 groups
            s.launch(k, new LaunchGrid(new long[]{width, height}, new long[]{lx, ly}), new Object[]{null, counter, a, out}, false);
            s.synchronize();
            int[] got = read(s, out, n);
            for (int i = 0; i < n; i++) {
                assertEquals(((i + width * ly + lx) % n + 1) * 2, got[i], "out[" + i + "] on " + d.id());
            }
            assertEquals(Integer.MIN_VALUE, read(s, counter, 1)[0], "counter after one barrier");
        }
    }

    /**
     * Through ExecutionPlan with a grid scheduler, the way model code launches it; withCudaGraph records the first
     * execution into a CUDA graph on CUDA (ignored elsewhere), so later executions replay the cooperative launch.
     */
    private static void inAPlan(ComputeDevice d, int groups) throws Exception {
        int n = GROUP * groups;
        IntArray counter = new IntArray(1);
        IntArray a = new IntArray(n);
        IntArray b = new IntArray(n);
        IntArray out = new IntArray(n);
        KernelContext ctx = new KernelContext();
        TaskGraph g = new TaskGraph("s")
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, counter, a, b)
                .task("exchange", GridBarrierKernels::exchange, ctx, counter, a, b, out, 77)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, out, counter);
        GridScheduler grid = new GridScheduler("s.exchange", new WorkerGrid1D(n).setLocalWork(GROUP));
        try (ExecutionPlan plan = new ExecutionPlan(g.snapshot()).withDevice(d).withGridScheduler(grid).withCudaGraph(true)) {
            for (int execution = 1; execution <= 3; execution++) {
                out.getSegment().fill((byte) 0);
                plan.execute();
                for (int i = 0; i < n; i++) {
                    assertEquals(GridBarrierKernels.expected(i, GROUP, groups, 77), out.get(i), "out[" + i + "], execution " + execution);
                }
                assertEquals(execution % 2 == 1 ? Integer.MIN_VALUE : 0, counter.get(0), "counter after execution " + execution);
            }
        }
    }

    /** An item that throws before the barrier must not leave the rest waiting there (for the 120 s barrier timeout). */
    private static void failingItem(ComputeDevice d) throws Exception {
        int n = GROUP * GROUPS;
        try (DeviceSession s = d.openSession()) {
            CompiledKernel k = s.compile(new KernelRequest(exchange(), Map.of()));
            DeviceBuffer counter = zeros(s, 1);
            DeviceBuffer a = zeros(s, n - 1); // the last item's first write is out of bounds
            DeviceBuffer b = zeros(s, n);
            DeviceBuffer out = zeros(s, n);
            RuntimeException e = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> assertThrows(RuntimeException.class,
                    () -> s.launch(k, new LaunchGrid(new long[]{n}, new long[]{GROUP}), new Object[]{null, counter, a, b, out, 1}, false)));
            assertTrue(String.valueOf(e.getMessage()).contains("work-item (" + (n - 1) + ", 0, 0)"), String.valueOf(e.getMessage()));
        }
    }

    private static void tooManyJvmItems(ComputeDevice d) throws Exception {
        int n = 1024 * 65; // one group more than 65536 work-items
        try (DeviceSession s = d.openSession()) {
            CompiledKernel k = s.compile(new KernelRequest(exchange(), Map.of()));
            DeviceBuffer buf = zeros(s, n);
            DeviceBuffer counter = zeros(s, 1);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.launch(k,
                    new LaunchGrid(new long[]{n}, new long[]{1024}), new Object[]{null, counter, buf, buf, buf, 1}, false));
            assertTrue(e.getMessage().contains("GridBarrierKernels.exchange") && e.getMessage().contains(n + " work-items")
                    && e.getMessage().contains("65536"), e.getMessage());
            assertEquals(0, read(s, counter, 1)[0], "nothing ran");
        }
    }

    private static void refused(ComputeDevice d) throws Exception {
        try (DeviceSession s = d.openSession()) {
            CompiledKernel k = s.compile(new KernelRequest(exchange(), Map.of())); // the source builds; only launching is refused
            int n = GROUP * 2;
            DeviceBuffer buf = zeros(s, n);
            DeviceBuffer counter = zeros(s, 1);
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, () -> s.launch(k,
                    new LaunchGrid(new long[]{n}, new long[]{GROUP}), new Object[]{null, counter, buf, buf, buf, 1}, false));
            assertTrue(e.getMessage().contains("GridBarrierKernels_exchange") && e.getMessage().contains("gridBarrier")
                    && e.getMessage().contains(d.id()) && e.getMessage().contains("wait forever"), e.getMessage());
        }
    }

    private static void tooManyGroups(ComputeDevice d) throws Exception {
        try (DeviceSession s = d.openSession()) {
            CompiledKernel k = s.compile(new KernelRequest(exchange(), Map.of()));
            int n = 32 * (d.computeUnits() + 1);
            DeviceBuffer buf = zeros(s, n);
            DeviceBuffer counter = zeros(s, 1);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.launch(k,
                    new LaunchGrid(new long[]{n}, new long[]{32}), new Object[]{null, counter, buf, buf, buf, 1}, false));
            assertTrue(e.getMessage().contains("GridBarrierKernels_exchange")
                    && e.getMessage().contains("at most " + d.computeUnits()), e.getMessage());
        }
    }

    private static DeviceBuffer zeros(DeviceSession s, int ints) {
        return filled(s, ints, 0);
    }

    private static DeviceBuffer filled(DeviceSession s, int ints, int value) {
        IntArray host = new IntArray(ints);
        for (int i = 0; i < ints; i++) {
            host.set(i, value);
        }
        DeviceBuffer b = s.allocate(4L * ints);
        s.write(b, 0, host.getSegment());
        return b;
    }

    private static int[] read(DeviceSession s, DeviceBuffer b, int ints) {
        IntArray host = new IntArray(ints);
        s.read(b, 0, host.getSegment());
        return host.toHeapArray();
    }
}
