package io.jmamba.runtime.conformance;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.WorkerGrid;
import io.jmamba.runtime.api.WorkerGrid1D;
import io.jmamba.runtime.api.WorkerGrid2D;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceMatrix;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every backend refuses to launch a warp kernel with a work-group that cannot be cut into warps of 32. */
class WarpLaunchTest {

    @TestFactory
    List<DynamicTest> warpKernelsNeedWarpShapedGroups() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ComputeDevice d : DeviceMatrix.devices()) {
            tests.add(rejected(d, "local size 48", () -> new WorkerGrid1D(96).setLocalWork(48), "multiple of 32"));
            tests.add(rejected(d, "local size 16 x 4", () -> new WorkerGrid2D(32, 4).setLocalWork(16, 4), "multiple of 32"));
            tests.add(rejected(d, "no local size", () -> new WorkerGrid1D(64), "explicit local work size"));
        }
        return tests;
    }

    private static DynamicTest rejected(ComputeDevice d, String what, Supplier<WorkerGrid> grid, String message) {
        return DynamicTest.dynamicTest(what + " [" + d.id() + "]", () -> {
            ConformanceCase c = new ConformanceCase("warpMean", WarpKernels.class, "inHelper",
                    () -> new Object[] {new KernelContext(), new FloatArray(4096), new FloatArray(4096)}, grid, Tolerance.exact(), null);
            Throwable e = assertThrows(RuntimeException.class, () -> CaseRunner.runWith(c, d, c.args().get()));
            StringBuilder chain = new StringBuilder();
            for (Throwable t = e; t != null; t = t.getCause()) {
                chain.append(t).append('\n');
            }
            assertTrue(chain.toString().contains(message) && chain.toString().contains("warp operations"),
                    () -> "expected a message with '" + message + "', got:\n" + chain);
        });
    }
}
