package io.jmamba.kernels.scan;

import io.jmamba.kernels.support.Target;
import io.jmamba.kernels.support.Tensor;
import io.jmamba.kernels.support.TestTensors;
import io.jmamba.kernels.support.Tolerance;
import io.jmamba.runtime.jit.Dialect;
import io.jmamba.runtime.jit.GeneratedKernel;
import io.jmamba.runtime.jit.KernelJit;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Edge cases of the lane-per-entry decode step ({@link SelectiveStateUpdateLaneKernels}): dstate not a
 * multiple of the lanes, rows not filling the last work-group, several rows per warp, batch above one,
 * and two steps on the same device-resident state within one graph (the in-place update).
 */
class SelectiveStateUpdateLanesTest {

    @Test
    void lanesPerRowIsTheNextPowerOfTwoUpToAWarp() {
        assertEquals(1, SelectiveStateUpdateLaneKernels.lanesPerRow(1));
        assertEquals(4, SelectiveStateUpdateLaneKernels.lanesPerRow(3));
        assertEquals(16, SelectiveStateUpdateLaneKernels.lanesPerRow(16));
        assertEquals(32, SelectiveStateUpdateLaneKernels.lanesPerRow(17));
        assertEquals(32, SelectiveStateUpdateLaneKernels.lanesPerRow(128));
        assertEquals(256, SelectiveStateUpdateLaneKernels.globalSize(7, 32));
        assertEquals(128, SelectiveStateUpdateLaneKernels.globalSize(8, 16));
    }

    /** Mamba-2 steps; {batch, heads, headdim, dstate, groups}. */
    @TestFactory
    List<DynamicTest> mamba2OddShapes() {
        int[][] shapes = {
                {3, 5, 7, 40, 5},  // dstate 40: 32 lanes, the second slot mostly idle; 105 rows, last group partial
                {2, 2, 16, 128, 1}, // four full slots per lane, as in the real models
                {1, 3, 5, 3, 1}};  // four lanes per row, eight rows per warp
        List<DynamicTest> tests = new ArrayList<>();
        for (Target target : Target.all()) {
            for (int[] s : shapes) {
                tests.add(DynamicTest.dynamicTest(Arrays.toString(s) + " on " + target.name(), () -> {
                    SplittableRandom rnd = new SplittableRandom(Arrays.hashCode(s));
                    Mamba2Step p = Mamba2Step.random(rnd, s);
                    StateUpdateResult want = p.reference();
                    Tensor out = SelectiveStateUpdateTest.run(target, p.build(p.x), p.state, p.x, p.inputs(p.x));
                    Tolerance.assertClose("out", want.out(), out);
                    Tolerance.assertClose("state", want.state(), p.state);
                }));
            }
        }
        return tests;
    }

    /** Two steps in one graph update the same device state: the second sees the first's result. */
    @TestFactory
    List<DynamicTest> twoStepsInOneGraphChainTheState() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Target target : Target.all()) {
            tests.add(DynamicTest.dynamicTest("mamba2 [2, 3, 4, 33, 1] twice on " + target.name(), () -> {
                SplittableRandom rnd = new SplittableRandom(99);
                Mamba2Step p = Mamba2Step.random(rnd, new int[] {2, 3, 4, 33, 1});
                Tensor x2 = TestTensors.uniform(rnd, -1, 1, 2, 3, 4);
                StateUpdateResult first = p.reference();
                StateUpdateResult second = SelectiveStateUpdateReference.mamba2(first.state(), x2, p.dt, p.a, p.b, p.c, p.d, p.z,
                        p.bias, true, 0, Double.POSITIVE_INFINITY);
                Tensor out1 = Tensor.zeros(p.x.shape()), out2 = Tensor.zeros(p.x.shape());
                List<Tensor> inputs = new ArrayList<>(p.inputs(p.x));
                inputs.add(x2);
                SelectiveStateUpdate step1 = p.build(p.x), step2 = p.build(x2);
                target.run(inputs, (g, grids) -> {
                    step1.addTo(g, "first", grids, out1);
                    step2.addTo(g, "second", grids, out2);
                }, List.of(out1, out2, p.state));
                Tolerance.assertClose("first out", first.out(), out1);
                Tolerance.assertClose("second out", second.out(), out2);
                Tolerance.assertClose("state after both", second.state(), p.state);
            }));
        }
        return tests;
    }

    /** Mamba-1 steps; {batch, dim, dstate, groups}: 16 lanes (two rows per warp), 17 (a 1-entry second slot), 1. */
    @TestFactory
    List<DynamicTest> mamba1OddShapes() {
        int[][] shapes = {{2, 13, 16, 1}, {3, 6, 17, 3}, {1, 70, 1, 2}};
        List<DynamicTest> tests = new ArrayList<>();
        for (Target target : Target.all()) {
            for (int[] s : shapes) {
                tests.add(DynamicTest.dynamicTest(Arrays.toString(s) + " on " + target.name(), () -> {
                    SplittableRandom rnd = new SplittableRandom(Arrays.hashCode(s));
                    int batch = s[0], dim = s[1], n = s[2], groups = s[3];
                    Tensor state = TestTensors.uniform(rnd, -1, 1, batch, dim, n);
                    Tensor x = TestTensors.uniform(rnd, -1, 1, batch, dim);
                    Tensor dt = TestTensors.uniform(rnd, -3, 1, batch, dim);
                    Tensor a = TestTensors.uniform(rnd, -2, -0.1, dim, n);
                    Tensor b = TestTensors.uniform(rnd, -1, 1, batch, groups, n);
                    Tensor c = TestTensors.uniform(rnd, -1, 1, batch, groups, n);
                    Tensor d = TestTensors.uniform(rnd, -1, 1, dim);
                    Tensor z = TestTensors.uniform(rnd, -2, 2, batch, dim);
                    Tensor bias = TestTensors.uniform(rnd, -1, 1, dim);
                    StateUpdateResult want = SelectiveStateUpdateReference.mamba1(state, x, dt, a, b, c, d, z, bias, true);
                    SelectiveStateUpdate step = SelectiveStateUpdate.mamba1(state, x, dt, a, b, c).d(d).z(z).dtBias(bias)
                            .dtSoftplus(true).variant(SelectiveStateUpdateVariant.LANES).build();
                    Tensor out = SelectiveStateUpdateTest.run(target, step, state, x, List.of(state, x, dt, a, b, c, d, z, bias));
                    Tolerance.assertClose("out", want.out(), out);
                    Tolerance.assertClose("state", want.state(), state);
                }));
            }
        }
        return tests;
    }

    /** Random Mamba-2 inputs with D per channel, a gate, dt_bias and softplus. */
    private record Mamba2Step(Tensor state, Tensor x, Tensor dt, Tensor a, Tensor b, Tensor c, Tensor d, Tensor z,
                              Tensor bias) {
        static Mamba2Step random(SplittableRandom rnd, int[] s) {
            return new Mamba2Step(TestTensors.uniform(rnd, -1, 1, s[0], s[1], s[2], s[3]),
                    TestTensors.uniform(rnd, -1, 1, s[0], s[1], s[2]), TestTensors.uniform(rnd, -3, 1, s[0], s[1]),
                    TestTensors.uniform(rnd, -2, -0.1, s[1]), TestTensors.uniform(rnd, -1, 1, s[0], s[4], s[3]),
                    TestTensors.uniform(rnd, -1, 1, s[0], s[4], s[3]), TestTensors.uniform(rnd, -1, 1, s[1], s[2]),
                    TestTensors.uniform(rnd, -2, 2, s[0], s[1], s[2]), TestTensors.uniform(rnd, -1, 1, s[1]));
        }

        StateUpdateResult reference() {
            return SelectiveStateUpdateReference.mamba2(state, x, dt, a, b, c, d, z, bias, true, 0, Double.POSITIVE_INFINITY);
        }

        SelectiveStateUpdate build(Tensor xIn) {
            return SelectiveStateUpdate.mamba2(state, xIn, dt, a, b, c).d(d).z(z).dtBias(bias).dtSoftplus(true)
                    .variant(SelectiveStateUpdateVariant.LANES).build();
        }

        List<Tensor> inputs(Tensor xIn) {
            return List.of(state, xIn, dt, a, b, c, d, z, bias);
        }
    }

    /** The generated C keeps a lane's entries in fixed-size private arrays and reduces with warp shuffles. */
    @Test
    void generatedSourceUsesRegistersShufflesAndFma() {
        for (Method m : SelectiveStateUpdateLaneKernels.class.getDeclaredMethods()) {
            if (!m.getName().startsWith("mamba")) {
                continue;
            }
            boolean two = m.getName().equals("mamba2");
            Map<Integer, Object> spec = two ? Map.of(17, 128, 18, 32) : Map.of(14, 16, 15, 16);
            for (Dialect d : Dialect.values()) {
                GeneratedKernel k = KernelJit.compile(m, spec, d);
                assertTrue(k.source().contains(k.entryName()), m.getName() + " " + d);
            }
            String cuda = KernelJit.compile(m, spec, Dialect.CUDA).source();
            String slots = two ? "float sv[4];" : "float sv[1];";
            assertTrue(cuda.contains(slots), m.getName() + ": " + slots + " expected in\n" + cuda);
            assertTrue(cuda.contains("__shfl_xor_sync") && cuda.contains("fmaf("), m.getName() + " CUDA:\n" + cuda);
        }
    }
}
