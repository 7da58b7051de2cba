package io.jmamba.kernels.fused;

import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.Devices;
import io.jmamba.runtime.graph.GraphAction;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * {@link PersistentDecodeKernels#layerStep} as {@link PersistentDecode} adds it (the task's own arguments), run on
 * the host with every work-item at once ({@link GridSimulator}: the grid barriers honoured), against today's three
 * fused kernels on the JVM backend: bit for bit, two steps in a row, on the resident-size grid and on 3 work-groups.
 * This checks the one-launch kernel's plumbing (arguments, phase order, what is loaded before which barrier) where
 * no backend runs grid barriers yet; PersistentDecodeGpuTest runs it on CUDA.
 */
class PersistentLayerStepSimulationTest {
    @TestFactory
    List<DynamicTest> simulatedLayerStepMatchesTheFusedKernels() {
        ComputeDevice jvm = Devices.backend("jvm").orElseThrow().devices().getFirst();
        List<DynamicTest> tests = new ArrayList<>();
        for (PersistentLayerCase c : List.of(PersistentDecodeTest.odd(), PersistentDecodeTest.narrow())) {
            int all = (int) PersistentDecode.maxUnits(c.s, c.dModel);
            for (int groups : new int[] {all, 3}) {
                tests.add(dynamicTest(c + ", " + groups + " work-groups", () -> {
                    PersistentLayerCase want = c.copy();
                    PersistentLayerCase got = c.copy();
                    IntArray counter = new IntArray(1);
                    GraphAction.Task step = layerTask(got, groups, counter);
                    assertEquals("l_layer", step.id());
                    for (int s = 0; s < 2; s++) {
                        want.runFused(jvm);
                        GridSimulator.run(step.method(), step.args(), groups, PersistentDecodeKernels.GROUP);
                        PersistentLayerCase.assertSameBits(c + " " + groups + " groups, step " + s, want, got);
                    }
                }));
            }
        }
        return tests;
    }

    private static GraphAction.Task layerTask(PersistentLayerCase c, int groups, IntArray counter) {
        TaskGraph g = new TaskGraph("sim");
        PersistentDecode.addTo(g, new GridScheduler(), "l", c.s, c.dModel, c.layer(), c.groupSize, c.eps,
                PersistentDecode.Form.LAYER, groups, counter);
        List<GraphAction.Task> tasks = new ArrayList<>();
        for (GraphAction a : g.snapshot().actions()) {
            if (a instanceof GraphAction.Task t) {
                tasks.add(t);
            }
        }
        assertEquals(1, tasks.size(), "one launch: " + tasks);
        return tasks.getFirst();
    }
}
