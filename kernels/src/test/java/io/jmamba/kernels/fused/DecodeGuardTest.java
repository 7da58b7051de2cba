package io.jmamba.kernels.fused;

import io.jmamba.kernels.support.GuardedGraph;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A Mamba-2 decode layer step through the fused kernels (few-row staged forms, and the many-row forms whose warp
 * reductions sit in {@code if (r < nr)}) and through {@link PersistentDecode}'s phase kernels with few work-groups
 * (their barriers in loops over the work units a group takes), at odd shapes, with every array guarded
 * ({@link GuardedGraph}): no store past any buffer, every array as the JVM run left it.
 */
class DecodeGuardTest {
    private static final float TOL = 1e-4f;

    private static Mamba2Decode.Shape shape(int batch) {
        return new Mamba2Decode.Shape(batch, 4, 12, 2, 16, 4, true, 0.001f, 0.1f);
    }

    /** Default-path cases that run by default (each shape is a PoCL compile: the rest are tagged slow). */
    private static final Set<String> QUICK = Set.of("persistent phases b2 at most 3 groups");

    @TestFactory
    List<DynamicTest> decodeStepsStayInsideTheirBuffers() {
        var quick = decodeStepsStayInsideTheirBuffersCases().stream().filter(c -> QUICK.contains(c.name())).toList();
        assertEquals(QUICK.size(), quick.size(), "every QUICK name is a case");
        return GuardedGraph.tests(quick);
    }

    @Tag("slow")
    @TestFactory
    List<DynamicTest> decodeStepsStayInsideTheirBuffersAllShapes() {
        return GuardedGraph.tests(decodeStepsStayInsideTheirBuffersCases().stream()
                .filter(c -> !QUICK.contains(c.name())).toList());
    }

    private static List<GuardedGraph.Case> decodeStepsStayInsideTheirBuffersCases() {
        List<GuardedGraph.Case> cases = new ArrayList<>();
        for (int batch : new int[] {1, 2}) {
            cases.add(new GuardedGraph.Case("fused staged step b" + batch,
                    () -> new PersistentLayerCase("b" + batch, shape(batch), 40, 24, true, 7), (tg, grids, a) -> {
                        PersistentLayerCase c = (PersistentLayerCase) a;
                        FusedGemv.addNormGemv(tg, grids, "l_in", c.s.batch(), c.dModel, c.s.inRows(), c.hidden, c.residualIn,
                                c.normW, c.inW, true, c.inBias, c.zxbcdt, c.residualOut, c.eps, FusedGemv.FewRowForm.STAGED);
                        Mamba2Decode.addConvSsm(tg, grids, "l_f", c.s, c.zxbcdt, c.convState, c.convW, c.convBias, c.ssmState,
                                c.a, c.d, c.dtBias, c.g, true);
                        FusedGemv.addGatedNormGemv(tg, grids, "l_out", c.s, c.dModel, c.g, c.zxbcdt, c.gateW, c.outW, true,
                                c.outBias, c.out, c.convState, c.groupSize, c.eps, false, true, FusedGemv.FewRowForm.STAGED);
                    }, TOL));
            for (int maxGroups : new int[] {1, 3, 1 << 20}) {
                cases.add(new GuardedGraph.Case("persistent phases b" + batch + " at most " + maxGroups + " groups",
                        () -> new PersistentLayerCase("b" + batch, shape(batch), 40, 24, true, 7), (tg, grids, a) -> {
                            PersistentLayerCase c = (PersistentLayerCase) a;
                            PersistentDecode.addTo(tg, grids, "l", c.s, c.dModel, c.layer(), null, c.groupSize, c.eps,
                                    PersistentDecode.Form.PHASES, 1, null, maxGroups);
                        }, TOL));
            }
        }
        for (int batch : new int[] {3, 5}) {
            for (boolean gateZ : new boolean[] {false, true}) {
                cases.add(new GuardedGraph.Case("fused many-row step b" + batch + (gateZ ? " pre-gated norm" : " gated-norm GEMV"),
                        () -> new PersistentLayerCase("b" + batch, shape(batch), 40, 24, true, 9), (tg, grids, a) -> {
                            PersistentLayerCase c = (PersistentLayerCase) a;
                            FusedGemv.addNormGemv(tg, grids, "l_in", c.s.batch(), c.dModel, c.s.inRows(), c.hidden, c.residualIn,
                                    c.normW, c.inW, true, c.inBias, c.zxbcdt, c.residualOut, c.eps);
                            Mamba2Decode.addConvSsm(tg, grids, "l_f", c.s, c.zxbcdt, c.convState, c.convW, c.convBias,
                                    c.ssmState, c.a, c.d, c.dtBias, c.g, gateZ);
                            if (gateZ) {
                                io.jmamba.runtime.api.FloatArray normed = new io.jmamba.runtime.api.FloatArray(c.g.getSize());
                                Mamba2Decode.addPreGatedNormShift(tg, grids, "l_n", c.s, c.g, c.zxbcdt, c.gateW, normed,
                                        c.convState, c.groupSize, c.eps);
                            } else {
                                FusedGemv.addGatedNormGemv(tg, grids, "l_out", c.s, c.dModel, c.g, c.zxbcdt, c.gateW, c.outW,
                                        true, c.outBias, c.out, c.convState, c.groupSize, c.eps, false, false);
                            }
                        }, TOL));
            }
        }
        return cases;
    }

    /** The Mamba-2 130M layer shape (d_model 768, 24 heads of 64, dstate 128, one norm group of 1536) at b1, b2 and b5. */
    @Tag("slow")
    @TestFactory
    List<DynamicTest> modelShapeStaysInsideTheBuffers() {
        List<GuardedGraph.Case> cases = new ArrayList<>();
        for (int batch : new int[] {1, 2}) {
            Mamba2Decode.Shape s = new Mamba2Decode.Shape(batch, 24, 64, 1, 128, 4, true, 0f, Float.POSITIVE_INFINITY);
            for (int maxGroups : new int[] {7, 1 << 20}) {
                cases.add(new GuardedGraph.Case("130M persistent phases b" + batch + " at most " + maxGroups + " groups",
                        () -> new PersistentLayerCase("130M", s, 768, 1536, true, 3), (tg, grids, a) -> {
                            PersistentLayerCase c = (PersistentLayerCase) a;
                            PersistentDecode.addTo(tg, grids, "l", c.s, c.dModel, c.layer(), null, c.groupSize, c.eps,
                                    PersistentDecode.Form.PHASES, 1, null, maxGroups);
                        }, TOL));
            }
        }
        for (int batch : new int[] {1, 5}) {
            Mamba2Decode.Shape s = new Mamba2Decode.Shape(batch, 24, 64, 1, 128, 4, true, 0f, Float.POSITIVE_INFINITY);
            cases.add(new GuardedGraph.Case("130M fused step b" + batch, () -> new PersistentLayerCase("130M", s, 768, 1536, true, 3),
                    (tg, grids, a) -> {
                        PersistentLayerCase c = (PersistentLayerCase) a;
                        FusedGemv.addNormGemv(tg, grids, "l_in", c.s.batch(), c.dModel, c.s.inRows(), c.hidden, c.residualIn,
                                c.normW, c.inW, true, c.inBias, c.zxbcdt, c.residualOut, c.eps);
                        Mamba2Decode.addConvSsm(tg, grids, "l_f", c.s, c.zxbcdt, c.convState, c.convW, c.convBias, c.ssmState,
                                c.a, c.d, c.dtBias, c.g, FusedGemv.preGated(c.s.batch(), true, c.groupSize, false));
                        FusedGemv.addGatedNormGemv(tg, grids, "l_out", c.s, c.dModel, c.g, c.zxbcdt, c.gateW, c.outW, true,
                                c.outBias, c.out, c.convState, c.groupSize, c.eps, false,
                                FusedGemv.preGated(c.s.batch(), true, c.groupSize, false));
                    }, TOL));
        }
        return GuardedGraph.tests(cases);
    }
}
