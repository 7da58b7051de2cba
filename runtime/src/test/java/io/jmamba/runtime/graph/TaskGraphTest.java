package io.jmamba.runtime.graph;

import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.DataTransferMode;
import io.jmamba.runtime.api.ExecutionPlan;
import io.jmamba.runtime.api.ExecutionResult;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.api.WorkerGrid1D;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceMatrix;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Task-graph semantics (transfer modes, state, graphs sharing buffers, close) on every device found. */
class TaskGraphTest {

    @TestFactory
    List<DynamicTest> onEveryDevice() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ComputeDevice d : DeviceMatrix.devices()) {
            add(tests, d, "every-execution transfers move data both ways", this::everyExecution);
            add(tests, d, "first-execution input is copied once; device state persists", this::firstExecutionKeepsState);
            add(tests, d, "under-demand output is fetched only when asked", this::underDemand);
            add(tests, d, "a second graph consumes what the first persisted", this::persistAndConsume);
            add(tests, d, "consuming an array nobody persisted is an error", this::consumeWithoutPersist);
            add(tests, d, "bf16 arrays transfer, persist and are consumed", this::bf16PersistAndConsume);
            add(tests, d, "closing a plan frees its device memory", this::closeFrees);
            add(tests, d, "work-group barriers and local memory", this::barrierReduction);
            add(tests, d, "global integer atomics", this::atomics);
            add(tests, d, "a KernelContext task without a grid is an error", this::contextNeedsGrid);
        }
        return tests;
    }

    private static void add(List<DynamicTest> tests, ComputeDevice d, String name, Consumer<ComputeDevice> body) {
        tests.add(DynamicTest.dynamicTest(name + " [" + d.id() + "]", () -> body.accept(d)));
    }

    private void everyExecution(ComputeDevice d) {
        FloatArray a = FloatArray.fromArray(1, 2, 3, 4, 5);
        FloatArray b = FloatArray.fromArray(10, 20, 30, 40, 50);
        FloatArray c = new FloatArray(5);
        TaskGraph g = new TaskGraph("s0")
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, a, b)
                .task("add", GraphKernels::add, a, b, c)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, c);
        try (ExecutionPlan plan = new ExecutionPlan(g.snapshot()).withDevice(d)) {
            plan.execute();
            assertArrayEquals(new float[] {11, 22, 33, 44, 55}, c.toHeapArray());
            a.set(0, 100);
            plan.execute();
            assertEquals(110f, c.get(0), "EVERY_EXECUTION must copy the changed input again");
        }
    }

    private void firstExecutionKeepsState(ComputeDevice d) {
        FloatArray a = FloatArray.fromArray(0, 0, 0);
        TaskGraph g = new TaskGraph("s0")
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, a)
                .task("inc", GraphKernels::increment, a)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, a);
        try (ExecutionPlan plan = new ExecutionPlan(g.snapshot()).withDevice(d)) {
            plan.execute();
            assertEquals(1f, a.get(1));
            a.set(1, 50f); // not copied again: the device copy carries on from 1
            plan.execute();
            plan.execute();
            assertArrayEquals(new float[] {3, 3, 3}, a.toHeapArray());
        }
    }

    private void underDemand(ComputeDevice d) {
        FloatArray in = FloatArray.fromArray(1, 2, 3);
        FloatArray out = new FloatArray(3);
        TaskGraph g = new TaskGraph("s0")
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, in)
                .task("scale", GraphKernels::scale, in, out, 2f)
                .transferToHost(DataTransferMode.UNDER_DEMAND, out);
        try (ExecutionPlan plan = new ExecutionPlan(g.snapshot()).withDevice(d)) {
            ExecutionResult r = plan.execute();
            assertArrayEquals(new float[] {0, 0, 0}, out.toHeapArray(), "UNDER_DEMAND must not copy by itself");
            r.transferToHost(out);
            assertArrayEquals(new float[] {2, 4, 6}, out.toHeapArray());
        }
    }

    private void persistAndConsume(ComputeDevice d) {
        FloatArray in = FloatArray.fromArray(1, 2, 3, 4);
        FloatArray mid = new FloatArray(4);
        FloatArray out = new FloatArray(4);
        TaskGraph first = new TaskGraph("first")
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, in)
                .task("scale", GraphKernels::scale, in, mid, 3f)
                .persistOnDevice(mid);
        TaskGraph second = new TaskGraph("second")
                .consumeFromDevice(mid)
                .task("scale", GraphKernels::scale, mid, out, 0.5f)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, out);
        try (ExecutionPlan plan = new ExecutionPlan(first.snapshot(), second.snapshot()).withDevice(d)) {
            plan.withGraph(0).execute();
            plan.withGraph(1).execute();
            assertArrayEquals(new float[] {1.5f, 3f, 4.5f, 6f}, out.toHeapArray());
            assertArrayEquals(new float[] {0, 0, 0, 0}, mid.toHeapArray(), "the intermediate never left the device");
        }
    }

    private void bf16PersistAndConsume(ComputeDevice d) {
        BFloat16Array in = BFloat16Array.fromFloats(1, 2, 3, -4);
        BFloat16Array mid = new BFloat16Array(4);
        BFloat16Array out = new BFloat16Array(4);
        TaskGraph first = new TaskGraph("first")
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, in)
                .task("scale", GraphKernels::scaleBf16, in, mid, 3f)
                .persistOnDevice(mid);
        TaskGraph second = new TaskGraph("second")
                .consumeFromDevice(mid)
                .task("scale", GraphKernels::scaleBf16, mid, out, 1.0078125f)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, out);
        try (ExecutionPlan plan = new ExecutionPlan(first.snapshot(), second.snapshot()).withDevice(d)) {
            plan.withGraph(0).execute();
            plan.withGraph(1).execute();
            // 3 * 1.0078125 = 3.0234375 is a tie between 3.015625 (odd mantissa) and 3.03125 (even): it goes up
            assertArrayEquals(new float[] {3.03125f, 6.0625f, 9.0625f, -12.125f}, out.toHeapArray());
            assertArrayEquals(new float[] {0, 0, 0, 0}, mid.toHeapArray(), "the intermediate never left the device");
        }
    }

    private void consumeWithoutPersist(ComputeDevice d) {
        FloatArray mid = FloatArray.fromArray(1, 2);
        FloatArray out = new FloatArray(2);
        TaskGraph g = new TaskGraph("lonely").consumeFromDevice(mid).task("scale", GraphKernels::scale, mid, out, 1f);
        try (ExecutionPlan plan = new ExecutionPlan(g.snapshot()).withDevice(d)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, plan::execute);
            assertTrue(e.getMessage().contains("persistOnDevice"), e.getMessage());
        }
    }

    private void closeFrees(ComputeDevice d) {
        FloatArray a = new FloatArray(1000);
        TaskGraph g = new TaskGraph("s0").task("inc", GraphKernels::increment, a).transferToHost(DataTransferMode.EVERY_EXECUTION, a);
        ExecutionPlan plan = new ExecutionPlan(g.snapshot()).withDevice(d);
        plan.execute();
        assertEquals(4000, plan.deviceBytes());
        plan.close();
        assertEquals(0, plan.deviceBytes());
        assertThrows(IllegalStateException.class, plan::execute);
        plan.close(); // twice is harmless
    }

    private void barrierReduction(ComputeDevice d) {
        int n = 256;
        FloatArray in = new FloatArray(n);
        for (int i = 0; i < n; i++) {
            in.set(i, i);
        }
        FloatArray out = new FloatArray(n / 64);
        KernelContext ctx = new KernelContext();
        TaskGraph g = new TaskGraph("s0")
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, in)
                .task("sum", GraphKernels::groupSum, ctx, in, out)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, out);
        GridScheduler grid = new GridScheduler("s0.sum", new WorkerGrid1D(n).setLocalWork(64));
        try (ExecutionPlan plan = new ExecutionPlan(g.snapshot()).withDevice(d).withGridScheduler(grid)) {
            plan.execute();
            for (int grp = 0; grp < n / 64; grp++) {
                float expected = 0;
                for (int i = grp * 64; i < (grp + 1) * 64; i++) {
                    expected += i;
                }
                assertEquals(expected, out.get(grp), "group " + grp);
            }
        }
    }

    private void atomics(ComputeDevice d) {
        int n = 1024;
        IntArray values = new IntArray(n);
        for (int i = 0; i < n; i++) {
            values.set(i, i * 7);
        }
        IntArray counts = new IntArray(8);
        KernelContext ctx = new KernelContext();
        TaskGraph g = new TaskGraph("s0")
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, values, counts)
                .task("hist", GraphKernels::histogram, ctx, values, counts)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, counts);
        try (ExecutionPlan plan = new ExecutionPlan(g.snapshot()).withDevice(d)
                .withGridScheduler(new GridScheduler("s0.hist", new WorkerGrid1D(n).setLocalWork(32)))) {
            plan.execute();
            int[] expected = new int[8];
            for (int i = 0; i < n; i++) {
                expected[(i * 7) % 8]++;
            }
            assertArrayEquals(expected, counts.toHeapArray());
        }
    }

    private void contextNeedsGrid(ComputeDevice d) {
        FloatArray in = new FloatArray(64);
        FloatArray out = new FloatArray(1);
        TaskGraph g = new TaskGraph("s0").task("sum", GraphKernels::groupSum, new KernelContext(), in, out);
        try (ExecutionPlan plan = new ExecutionPlan(g.snapshot()).withDevice(d)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, plan::execute);
            assertTrue(e.getMessage().contains("GridScheduler"), e.getMessage());
        }
    }
}
