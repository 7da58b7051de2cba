package io.jmamba.kernels.ssd;

import io.jmamba.runtime.api.DataTransferMode;
import io.jmamba.runtime.api.ExecutionPlan;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceMatrix;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static io.jmamba.kernels.ssd.GoldenFile.assertClose;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/** Two SSD calls of one graph (two layers, say) sharing one workspace both come out right. */
class SsdWorkspaceTest {
    private final SsdCase big = SsdCase.random("big", SsdConfig.of(2, 40, 4, 6, 2, 8, 16).withDtSoftplus(true), 31, true, false, true, true, true);
    private final SsdCase small = SsdCase.random("small", SsdConfig.of(1, 9, 2, 3, 1, 5, 8).withDtSoftplus(true), 32, true, true, false, true, false);

    @TestFactory
    Stream<DynamicTest> sharedWorkspaceOnEveryDevice() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ComputeDevice d : DeviceMatrix.devices()) {
            for (SsdScan.Variant v : SsdCase.CORE_VARIANTS) {
                tests.add(dynamicTest(v + " on " + d.id(), () -> {
                    SsdScan.Workspace ws = SsdScan.Workspace.allocate(big.cfg());
                    TaskGraph g = new TaskGraph("two");
                    for (SsdCase c : List.of(big, small)) {
                        SsdInputs in = c.in();
                        List<Object> arrays = new ArrayList<>(List.of(in.x(), in.dt(), in.A(), in.B(), in.C()));
                        for (FloatArray a : new FloatArray[] {in.D(), in.z(), in.dtBias(), in.initialStates()}) {
                            if (a != null) {
                                arrays.add(a);
                            }
                        }
                        g.transferToDevice(DataTransferMode.EVERY_EXECUTION, arrays.toArray());
                    }
                    GridScheduler grids = new GridScheduler();
                    FloatArray outBig = big.newOut(), finBig = big.newStates(), outSmall = small.newOut(), finSmall = small.newStates();
                    SsdScan.addTo(g, grids, "l0", big.cfg(), big.in(), outBig, finBig, v, ws);
                    SsdScan.addTo(g, grids, "l1", small.cfg(), small.in(), outSmall, finSmall, v, ws);
                    g.transferToHost(DataTransferMode.EVERY_EXECUTION, outBig, finBig, outSmall, finSmall);
                    try (ExecutionPlan plan = new ExecutionPlan(g.snapshot())) {
                        plan.withDevice(d).withGridScheduler(grids).execute();
                    }
                    for (Object[] c : new Object[][] {{big, outBig, finBig}, {small, outSmall, finSmall}}) {
                        SsdCase sc = (SsdCase) c[0];
                        FloatArray refOut = sc.newOut(), refFin = sc.newStates();
                        SsdReference.forward(sc.cfg(), sc.in(), refOut, refFin);
                        assertClose(sc.name() + " out", refOut, (FloatArray) c[1]);
                        assertClose(sc.name() + " final_states", refFin, (FloatArray) c[2]);
                    }
                }));
            }
        }
        return tests.stream();
    }

    @Test
    void tooSmallWorkspaceIsNamed() {
        SsdScan.Workspace ws = SsdScan.Workspace.allocate(small.cfg());
        var e = assertThrows(IllegalArgumentException.class, () -> SsdScan.addTo(new TaskGraph("g"), new GridScheduler(), "p",
                big.cfg(), big.in(), big.newOut(), null, SsdScan.Variant.BLOCKED_WIDE, ws));
        assertTrue(e.getMessage().startsWith("workspace.dt_out has 32 elements, this SSD call needs 384"), e.getMessage());
    }
}
