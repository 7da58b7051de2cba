package io.jmamba.kernels.fused;

import io.jmamba.runtime.api.DataTransferMode;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.ExecutionPlan;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.NativeArray;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceMatrix;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * {@link PersistentDecodeKernels#layerStep} (one launch, grid barriers) on every device that runs grid barriers (the
 * JVM backend here; CUDA and OpenCL GPUs on a GPU machine) against the same phases as three launches on that device:
 * bit for bit, for three steps in a row through one plan (the barrier counter reused launch after launch, the states
 * carried), on the largest grid the device takes and on 3 work-groups walking every phase's units. A CPU OpenCL
 * device (PoCL) runs grid barriers in one work-group only: there the kernels run on one work-group (the model takes
 * three launches there).
 */
class PersistentLayerStepTest {
    private static final int STEPS = 3;

    @TestFactory
    List<DynamicTest> layerStepMatchesThePhaseLaunches() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ComputeDevice d : DeviceMatrix.devices()) {
            boolean single = !PersistentDecode.gridBarrierSupported(d);
            List<PersistentLayerCase> cases = new ArrayList<>(List.of(PersistentDecodeTest.odd()));
            if (!single) {
                // PoCL builds the one-launch kernel in ~10 s per shape: one shape there
                cases.add(PersistentDecodeTest.narrow());
            }
            if (!d.backendName().equals("jvm") && !single) {
                cases.add(PersistentDecodeTest.m130());
            }
            for (PersistentLayerCase c : cases) {
                for (int groups : grids(d, c)) {
                    tests.add(dynamicTest(c + ", " + groups + " work-groups on " + d.id(), () -> {
                        PersistentLayerCase want = c.copy();
                        PersistentLayerCase got = c.copy();
                        IntArray counter = new IntArray(1);
                        run(d, want, PersistentDecode.Form.PHASES, 1, counter);
                        run(d, got, PersistentDecode.Form.LAYER, groups, counter);
                        PersistentLayerCase.assertSameBits(c + " " + groups + " groups on " + d.id() + " after " + STEPS + " steps",
                                want, got);
                        // 2 barriers x 3 launches: the self-resetting counter is back at 0
                        assertEquals(0, counter.get(0), "barrier counter after an even number of barriers");
                    }));
                }
            }
        }
        return tests;
    }

    /**
     * {@link PersistentDecode#addLayersTo}: two and four chained layers in one launch as a model chains them (one hidden
     * array read and written by all, the residual arrays swapping roles, shared zxbcdt and g) against the layers' phase
     * launches, three steps in a row: bit for bit; the counter's arrival count is back at 0 after the launches.
     */
    @TestFactory
    List<DynamicTest> layerChainsMatchThePhaseLaunches() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ComputeDevice d : DeviceMatrix.devices()) {
            if (!PersistentDecode.gridBarrierSupported(d) || d.backendName().equals("opencl")) {
                // the multi-layer kernels are for CUDA (PersistentDecode.formFor); PoCL 3.1's LLVM crashes (SIGSEGV in
                // LoadInst) building them, and NVIDIA's OpenCL compiler has not seen them
                continue;
            }
            List<PersistentLayerCase> firsts = new ArrayList<>(List.of(PersistentDecodeTest.odd(), PersistentDecodeTest.narrow()));
            if (!d.backendName().equals("jvm")) {
                firsts.add(PersistentDecodeTest.m130());
            }
            for (int count : new int[] {2, 4}) {
                for (PersistentLayerCase c : firsts) {
                    if (count == 4 && c != firsts.getFirst() && d.backendName().equals("jvm")) {
                        continue; // four layers of one shape on the JVM: enough
                    }
                    for (int groups : grids(d, c)) {
                        tests.add(dynamicTest(c + " x" + count + ", " + groups + " work-groups on " + d.id(), () -> {
                            List<PersistentLayerCase> want = chain(c, count);
                            List<PersistentLayerCase> got = chain(c, count);
                            IntArray counter = new IntArray(1);
                            runChain(d, want, -1, counter);
                            runChain(d, got, groups, counter);
                            String what = c + " x" + count + ", " + groups + " groups on " + d.id();
                            PersistentLayerCase one = got.getFirst();
                            PersistentLayerCase ref = want.getFirst();
                            for (FloatArray[] pair : List.of(new FloatArray[] {ref.hidden, one.hidden},
                                    new FloatArray[] {ref.residualIn, one.residualIn}, new FloatArray[] {ref.residualOut, one.residualOut},
                                    new FloatArray[] {ref.zxbcdt, one.zxbcdt}, new FloatArray[] {ref.g, one.g})) {
                                assertSameBits(what + ": shared activations", pair[0], pair[1]);
                            }
                            for (int i = 0; i < count; i++) {
                                assertSameBits(what + ": layer " + i + " convState", want.get(i).convState, got.get(i).convState);
                                assertSameBits(what + ": layer " + i + " ssmState", want.get(i).ssmState, got.get(i).ssmState);
                            }
                            assertEquals(0, counter.get(0) & 0x7fffffff, "barrier counter's arrival count after the launches");
                        }));
                    }
                }
            }
        }
        return tests;
    }

    private static List<PersistentLayerCase> chain(PersistentLayerCase c, int count) {
        List<PersistentLayerCase> layers = new ArrayList<>();
        layers.add(c.copy());
        for (int i = 1; i < count; i++) {
            layers.add(c.secondLayer(i));
        }
        return layers;
    }

    private static void assertSameBits(String what, FloatArray want, FloatArray got) {
        for (long k = 0; k < want.getSize(); k++) {
            if (Float.floatToIntBits(want.get(k)) != Float.floatToIntBits(got.get(k))) {
                assertEquals(want.get(k), got.get(k), what + "[" + k + "]");
                assertEquals(Float.floatToIntBits(want.get(k)), Float.floatToIntBits(got.get(k)), what + "[" + k + "] bits");
            }
        }
    }

    /**
     * The grids a device runs the one-launch kernels on: the largest it takes and 3 work-groups; a single work-group
     * where grid barriers are refused beyond one (PoCL: the OpenCL C still goes through a real compiler and runtime).
     */
    private static int[] grids(ComputeDevice d, PersistentLayerCase c) {
        if (!PersistentDecode.gridBarrierSupported(d)) {
            return new int[] {1};
        }
        return new int[] {PersistentDecode.layerGroups(d, c.s, c.dModel), 3};
    }

    /**
     * {@link #STEPS} steps of chained layers: all read and write the first's hidden, layer i reads residual i % 2 and
     * writes the other (the first's residualIn and residualOut), through the first's zxbcdt and g; each has its own
     * weights and states. {@code groups} < 0: the phase launches, else one launch.
     */
    private static void runChain(ComputeDevice d, List<PersistentLayerCase> cases, int groups, IntArray counter) {
        PersistentLayerCase one = cases.getFirst();
        FloatArray[] residual = {one.residualIn, one.residualOut};
        List<PersistentDecode.Layer> layers = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            PersistentLayerCase c = cases.get(i);
            layers.add(new PersistentDecode.Layer(one.hidden, residual[i % 2], residual[(i + 1) % 2], c.normW, c.inW, c.inBias,
                    one.zxbcdt, c.convState, c.convW, c.convBias, c.ssmState, c.a, c.d, c.dtBias, one.g, c.gateW, c.outW, c.outBias,
                    one.hidden));
        }
        TaskGraph g = new TaskGraph(groups < 0 ? "chain_phases" : "chain_layers");
        List<Object> in = new ArrayList<>();
        for (NativeArray a : one.inputs()) {
            if (a != null) {
                in.add(a);
            }
        }
        List<Object> out = new ArrayList<>(List.of(one.hidden, one.residualIn, one.residualOut, one.zxbcdt, one.g));
        for (PersistentLayerCase c : cases.subList(1, cases.size())) {
            for (NativeArray a : c.inputs()) {
                // the later layers' weights and states (their hidden and residual are the first's)
                if (a != null && a != c.hidden && a != c.residualIn) {
                    in.add(a);
                }
            }
        }
        for (PersistentLayerCase c : cases) {
            out.add(c.convState);
            out.add(c.ssmState);
        }
        if (groups >= 0) {
            in.add(counter);
            out.add(counter);
        }
        g.transferToDevice(DataTransferMode.FIRST_EXECUTION, in.toArray());
        GridScheduler grids = new GridScheduler();
        if (groups < 0) {
            for (int i = 0; i < layers.size(); i++) {
                PersistentDecode.addTo(g, grids, "l" + i, one.s, one.dModel, layers.get(i), one.groupSize, one.eps,
                        PersistentDecode.Form.PHASES, 1, null);
            }
        } else {
            PersistentDecode.addLayersTo(g, grids, "l0", one.s, one.dModel, layers, null, one.groupSize, one.eps, groups, counter);
        }
        g.transferToHost(DataTransferMode.EVERY_EXECUTION, out.toArray());
        try (ExecutionPlan plan = new ExecutionPlan(g.snapshot())) {
            plan.withDevice(d).withGridScheduler(grids);
            for (int step = 0; step < STEPS; step++) {
                plan.execute();
            }
        }
    }

    /** The one-launch forms with the embedding folded into the first layer: as the phases with it (3 groups, JVM here). */
    @TestFactory
    List<DynamicTest> embeddingInTheOneLaunchFormsMatchesThePhases() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ComputeDevice d : DeviceMatrix.devices()) {
            if (!PersistentDecode.gridBarrierSupported(d) || d.backendName().equals("opencl")) {
                continue;
            }
            PersistentLayerCase c = PersistentDecodeTest.odd();
            tests.add(dynamicTest(c + " embedding, layer and pair on " + d.id(), () -> {
                PersistentDecode.Embedding e = c.embedding(50, true);
                PersistentLayerCase want = c.copy();
                want.runPhasesEmbed(d, e, Integer.MAX_VALUE);
                PersistentLayerCase got = c.copy();
                IntArray counter = new IntArray(1);
                List<NativeArray> in = new ArrayList<>(got.inputs());
                in.addAll(List.of(e.ids(), e.table(), counter));
                io.jmamba.kernels.nn.GraphParts.runOnce(d, "layer_embed", in, got.outputs(), (g, grids) -> PersistentDecode.addTo(g,
                        grids, "l", c.s, c.dModel, got.firstLayer(), e, c.groupSize, c.eps, PersistentDecode.Form.LAYER, 3, counter));
                PersistentLayerCase.assertSameBits(c + " embedding, layerStep on " + d.id(), want, got);
                // the pair: its first layer embeds; its second layer's results are not compared here, the first's are
                PersistentLayerCase pairGot = c.copy();
                PersistentLayerCase second = c.secondLayer(1);
                List<NativeArray> pin = new ArrayList<>(pairGot.inputs());
                pin.addAll(second.inputs());
                pin.addAll(List.of(e.ids(), e.table(), counter));
                pin.removeIf(java.util.Objects::isNull);
                io.jmamba.kernels.nn.GraphParts.runOnce(d, "pair_embed", pin, List.of(pairGot.convState, pairGot.ssmState,
                        pairGot.residualOut, pairGot.g), (g, grids) -> PersistentDecode.addPairTo(g, grids, "l", c.s, c.dModel,
                        pairGot.firstLayer(), e, second.layer(), c.groupSize, c.eps, 3, counter));
                for (long k = 0; k < want.ssmState.getSize(); k++) {
                    assertEquals(Float.floatToIntBits(want.ssmState.get(k)), Float.floatToIntBits(pairGot.ssmState.get(k)),
                            "pair: first layer's ssmState[" + k + "]");
                }
                for (long k = 0; k < want.residualOut.getSize(); k++) {
                    assertEquals(Float.floatToIntBits(want.residualOut.get(k)), Float.floatToIntBits(pairGot.residualOut.get(k)),
                            "pair: first layer's residualOut[" + k + "]");
                }
            }));
        }
        return tests;
    }

    /** The grid rules: PoCL has no grid barrier (three launches), the JVM has (but the model keeps three launches there). */
    @Test
    void formsFollowTheDevices() {
        for (ComputeDevice d : DeviceMatrix.devices()) {
            PersistentLayerCase c = PersistentDecodeTest.m130();
            switch (d.backendName()) {
                case "jvm" -> {
                    assertEquals((1 << 16) / PersistentDecodeKernels.GROUP, PersistentDecode.layerGroupLimit(d), d.id());
                    assertEquals(PersistentDecode.maxUnits(c.s, c.dModel), PersistentDecode.layerGroups(d, c.s, c.dModel), d.id());
                    assertEquals(PersistentDecode.Form.PHASES, PersistentDecode.formFor(d), d.id());
                }
                case "cuda" -> {
                    // four per SM, or what -Djmamba.decode.persistentGroupsPerCu says
                    assertEquals(d.computeUnits() * PersistentDecode.GROUPS_PER_CU_OVERRIDE, PersistentDecode.layerGroupLimit(d));
                    assertEquals(PersistentDecode.Form.LAYER, PersistentDecode.formFor(d), d.id());
                }
                default -> {
                    // OpenCL: the model keeps three launches (one work-group per compute unit on a GPU, none on PoCL)
                    assertEquals(PersistentDecode.Form.PHASES, PersistentDecode.formFor(d), d.id());
                    if (d.kind() != io.jmamba.runtime.backend.DeviceKind.GPU) {
                        assertFalse(PersistentDecode.gridBarrierSupported(d), d.id());
                        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                                () -> PersistentDecode.layerGroups(d, c.s, c.dModel));
                        assertTrue(e.getMessage().contains(d.id()), e.getMessage());
                    } else {
                        assertEquals(d.computeUnits(), PersistentDecode.layerGroupLimit(d), d.id());
                    }
                }
            }
        }
    }

    /** {@link #STEPS} executions of one plan: the inputs go in once, the states stay on the device between steps. */
    private static void run(ComputeDevice d, PersistentLayerCase c, PersistentDecode.Form form, int groups, IntArray counter) {
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
        List<Object> out = new ArrayList<>(c.outputs());
        out.add(counter);
        g.transferToHost(DataTransferMode.EVERY_EXECUTION, out.toArray());
        try (ExecutionPlan plan = new ExecutionPlan(g.snapshot())) {
            plan.withDevice(d).withGridScheduler(grids);
            for (int step = 0; step < STEPS; step++) {
                plan.execute();
            }
        }
    }
}
