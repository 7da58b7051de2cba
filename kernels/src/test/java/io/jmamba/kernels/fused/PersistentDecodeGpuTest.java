package io.jmamba.kernels.fused;

import io.jmamba.runtime.api.DataTransferMode;
import io.jmamba.runtime.api.ExecutionPlan;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.KernelCompilationException;
import io.jmamba.runtime.api.NativeArray;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceMatrix;
import io.jmamba.runtime.backend.Devices;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * {@link PersistentDecodeKernels#layerStep} (one launch, grid barriers) on every device that runs grid barriers (CUDA)
 * against the same phases as three launches on that device: bit for bit, for three steps in a row through one plan
 * (the barrier counter reused launch after launch, the states carried), with the resident grid the model uses and
 * with 3 work-groups walking every phase's units.
 */
@Tag("gpu")
class PersistentDecodeGpuTest {
    private static final int STEPS = 3;

    @TestFactory
    List<DynamicTest> layerStepMatchesThePhaseLaunches() {
        List<ComputeDevice> devices = DeviceMatrix.devices().stream().filter(PersistentDecode::gridBarrierSupported).toList();
        if (devices.isEmpty() && DeviceMatrix.requiredBackends().contains("cuda")) {
            Assertions.fail("CUDA required (JMAMBA_REQUIRE_BACKENDS) but no CUDA device");
        }
        Assumptions.assumeFalse(devices.isEmpty(), () -> "no device with grid barriers (CUDA): "
                + Devices.backend("cuda").flatMap(b -> b.unavailableReason()).orElse("no cuda backend"));
        assumeGridBarrierCompiles();
        List<DynamicTest> tests = new ArrayList<>();
        for (ComputeDevice d : devices) {
            for (PersistentLayerCase c : List.of(PersistentDecodeTest.m130(), PersistentDecodeTest.odd(),
                    PersistentDecodeTest.narrow())) {
                int resident = PersistentDecode.layerGroups(d, c.s, c.dModel);
                for (int groups : new int[] {resident, 3}) {
                    tests.add(dynamicTest(c + ", " + groups + " work-groups on " + d.id(), () -> {
                        PersistentLayerCase want = c.copy();
                        PersistentLayerCase got = c.copy();
                        run(d, want, PersistentDecode.Form.PHASES, 1);
                        run(d, got, PersistentDecode.Form.LAYER, groups);
                        PersistentLayerCase.assertSameBits(c + " " + groups + " groups on " + d.id() + " after " + STEPS + " steps",
                                want, got);
                    }));
                }
            }
        }
        return tests;
    }

    /** {@link #STEPS} executions of one plan: the inputs go in once, the states stay on the device between steps. */
    private static void run(ComputeDevice d, PersistentLayerCase c, PersistentDecode.Form form, int groups) {
        IntArray counter = new IntArray(1);
        TaskGraph g = new TaskGraph("persist_" + form.name().toLowerCase(java.util.Locale.ROOT));
        List<Object> in = new ArrayList<>();
        for (NativeArray a : c.inputs()) {
            if (a != null) {
                in.add(a);
            }
        }
        in.add(counter);
        g.transferToDevice(DataTransferMode.FIRST_EXECUTION, in.toArray());
        GridScheduler grids = new GridScheduler();
        PersistentDecode.addTo(g, grids, "l", c.s, c.dModel, c.layer(), c.groupSize, c.eps, form, groups, counter);
        g.transferToHost(DataTransferMode.EVERY_EXECUTION, c.outputs().toArray());
        try (ExecutionPlan plan = new ExecutionPlan(g.snapshot())) {
            plan.withDevice(d).withGridScheduler(grids);
            for (int step = 0; step < STEPS; step++) {
                plan.execute();
            }
        }
    }

    private static void assumeGridBarrierCompiles() {
        try {
            PersistentDecodeTest.compileLayerStep();
        } catch (KernelCompilationException e) {
            Assumptions.assumeFalse(String.valueOf(e.getMessage()).contains("gridBarrier"),
                    "the JIT has no grid barrier yet: " + e.getMessage());
            throw e;
        }
    }
}
