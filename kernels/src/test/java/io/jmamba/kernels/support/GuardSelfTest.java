package io.jmamba.kernels.support;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.WorkerGrid1D;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceMatrix;
import io.jmamba.runtime.backend.LaunchGrid;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.opentest4j.AssertionFailedError;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/** {@link GuardedLaunch} and {@link GuardedGraph} catch a kernel that stores past its buffer's end, on every device. */
class GuardSelfTest {
    /** Stores 1 at items below n: n past the array's size writes past its end. */
    public static void fillTo(KernelContext ctx, FloatArray a, int n) {
        int i = ctx.globalIdx;
        if (i < n) {
            a.set(i, 1f);
        }
    }

    private static final int SIZE = 60;

    private static GuardedLaunch.Case launch(int n) {
        return new GuardedLaunch.Case("fillTo " + n, GuardedLaunch.method(GuardSelfTest.class, "fillTo"), Map.of(),
                new LaunchGrid(new long[] {64}, new long[] {32}), () -> new Object[] {null, new FloatArray(SIZE), n}, 0f);
    }

    private static GuardedGraph.Case graph(int n) {
        return new GuardedGraph.Case("fillTo graph " + n, () -> new FloatArray(SIZE), (graph, grids, a) -> {
            graph.task("fill", GuardSelfTest::fillTo, new KernelContext(), (FloatArray) a, n);
            grids.addWorkerGrid(graph.getName() + ".fill", new WorkerGrid1D(64).setLocalWork(32));
        }, 0f);
    }

    @TestFactory
    List<DynamicTest> aStoreOnePastTheEndIsCaught() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ComputeDevice d : DeviceMatrix.devices()) {
            tests.add(dynamicTest("GuardedLaunch on " + d.id(), () -> {
                assertDoesNotThrow(() -> GuardedLaunch.run(launch(SIZE), d));
                AssertionFailedError e = assertThrows(AssertionFailedError.class, () -> GuardedLaunch.run(launch(SIZE + 1), d));
                assertTrue(e.getMessage().contains("4 guard bytes past its end"), e.getMessage());
            }));
            tests.add(dynamicTest("GuardedGraph on " + d.id(), () -> {
                assertDoesNotThrow(() -> GuardedGraph.run(graph(SIZE), d));
                AssertionFailedError e = assertThrows(AssertionFailedError.class, () -> GuardedGraph.run(graph(SIZE + 3), d));
                assertTrue(e.getMessage().contains("12 guard bytes past the end of fill.a"), e.getMessage());
            }));
        }
        return tests;
    }
}
