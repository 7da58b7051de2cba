package io.jmamba.kernels.attention;

import io.jmamba.kernels.support.Fixture;
import io.jmamba.kernels.support.Target;
import io.jmamba.kernels.support.Tensor;
import io.jmamba.kernels.support.TestTensors;
import io.jmamba.kernels.support.Tolerance;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Flash-style and naive attention against the fixtures and the reference, on every target. */
class CausalAttentionTest {

    static final List<String> FORMS = List.of("tiled", "per-query", "naive");

    static Tensor run(Target target, CausalAttention att, String form, Tensor q, Tensor k, Tensor v) {
        Tensor out = Tensor.zeros(q.shape());
        target.run(List.of(q, k, v), (g, grids) -> {
            switch (form) {
                case "tiled" -> att.addFlashTiled(g, "attn", grids, out);
                case "per-query" -> att.addFlashPerQuery(g, "attn", grids, out);
                default -> att.addNaive(g, "attn", grids, out);
            }
        }, List.of(out));
        return out;
    }

    @Test
    void referenceMatchesFixtures() {
        for (String name : List.of("causal_small", "causal_single")) {
            Fixture f = Fixture.load("attention", name);
            assertEquals("q,k,v,out: (batch, nheads, seqlen, headdim)", f.meta.get("layout"));
            Tensor out = CausalAttentionReference.forward(f.tensor("q"), f.tensor("k"), f.tensor("v"), f.number("scale"),
                    f.flag("causal"));
            Tolerance.assertClose(name, f.tensor("out"), out);
        }
    }

    @TestFactory
    List<DynamicTest> fixtures() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Target target : Target.all()) {
            for (String name : List.of("causal_small", "causal_single")) {
                for (String form : FORMS) {
                    tests.add(DynamicTest.dynamicTest(name + " " + form + " on " + target.name(), () -> {
                        Fixture f = Fixture.load("attention", name);
                        Tensor q = f.tensor("q"), k = f.tensor("k"), v = f.tensor("v");
                        CausalAttention att = CausalAttention.of(q, k, v).scale(f.number("scale")).causal(f.flag("causal")).build();
                        Tolerance.assertClose(name, f.tensor("out"), run(target, att, form, q, k, v));
                    }));
                }
            }
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> randomShapesMatchReference() {
        return randomShapesMatchReferenceFor(new int[][] {
                {2, 3, 5, 64, 0},
                {1, 2, 130, 64, 1}});
    }

    /** Wider sweep: more distinct specialisations, so more device compiles. */
    @Tag("slow")
    @TestFactory
    List<DynamicTest> randomShapesMatchReferenceWide() {
        return randomShapesMatchReferenceFor(new int[][] {
                {1, 1, 1, 1, 1},
                {1, 1, 1, 16, 1},
                {2, 3, 5, 16, 0},
                {2, 3, 5, 7, 1},
                {1, 2, 33, 16, 0},
                {3, 1, 17, 4, 0},
                {1, 1, 40, 32, 1},
                {1, 2, 130, 100, 1},
                {1, 1, 70, 256, 1}});
    }

    private static List<DynamicTest> randomShapesMatchReferenceFor(int[][] shapes) { // batch, nheads, seqlen, headdim, causal
 // b, h, L, hd, causal
        List<DynamicTest> tests = new ArrayList<>();
        for (Target target : Target.all()) {
            for (int i = 0; i < shapes.length; i++) {
                int[] s = shapes[i];
                long seed = Arrays.hashCode(s);
                for (String form : FORMS) {
                    tests.add(DynamicTest.dynamicTest(Arrays.toString(s) + " " + form + " on " + target.name(), () -> {
                        SplittableRandom rnd = new SplittableRandom(seed);
                        // large logits make the running maximum move often, exercising the rescaling
                        Tensor q = TestTensors.uniform(rnd, -3, 3, s[0], s[1], s[2], s[3]);
                        Tensor k = TestTensors.uniform(rnd, -3, 3, s[0], s[1], s[2], s[3]);
                        Tensor v = TestTensors.uniform(rnd, -1, 1, s[0], s[1], s[2], s[3]);
                        CausalAttention att = CausalAttention.of(q, k, v).causal(s[4] == 1).build();
                        Tensor want = CausalAttentionReference.forward(q, k, v, att.scale(), s[4] == 1);
                        Tolerance.assertClose("out", want, run(target, att, form, q, k, v));
                    }));
                }
            }
        }
        return tests;
    }

    @Test
    void defaultScaleIsInverseSqrtHeaddim() {
        Tensor t = Tensor.zeros(1, 1, 2, 64);
        assertEquals(0.125f, CausalAttention.of(t, t, t).build().scale());
    }

    @Test
    void badInputsNameTheArgument() {
        Tensor q = Tensor.zeros(1, 2, 5, 8);
        var e = assertThrows(IllegalArgumentException.class, () -> CausalAttention.of(q, Tensor.zeros(1, 2, 4, 8), q).build());
        assertEquals("k: expected [1, 2, 5, 8], got [1, 2, 4, 8]", e.getMessage());
        var eh = assertThrows(IllegalArgumentException.class,
                () -> CausalAttention.of(Tensor.zeros(1, 1, 1, 300), Tensor.zeros(1, 1, 1, 300), Tensor.zeros(1, 1, 1, 300)).build());
        assertEquals("headdim = 300 is not supported: must be in [1, 256] (a query row and its accumulator live in per-work-item private arrays)",
                eh.getMessage());
        var er = assertThrows(IllegalArgumentException.class, () -> CausalAttention.of(Tensor.zeros(2, 5, 8), q, q).build());
        assertEquals("q: expected rank 4 [batch, nheads, seqlen, headdim], got rank 3 [2, 5, 8]", er.getMessage());
    }

    @Test
    void naiveRefusesScoreMatricesThatDoNotFit() {
        // only shapes are looked at: the tensors are views of one small array reshaped, so nothing big is allocated
        Tensor big = Tensor.of(new io.jmamba.runtime.api.FloatArray(1L << 20), 1, 16, 1 << 16, 1);
        CausalAttention att = CausalAttention.of(big, big, big).build();
        var e = assertThrows(IllegalArgumentException.class,
                () -> att.addNaive(new io.jmamba.runtime.api.TaskGraph("g"), "a", new io.jmamba.runtime.api.GridScheduler()));
        assertEquals("naive attention would materialise 16 x 65536 x 65536 scores, more than 2147483647; use the flash form (addFlash)",
                e.getMessage());
    }

    /** The one-call {@code runFlash}/{@code runNaive} paths give the fixture's answer. */
    @TestFactory
    List<DynamicTest> runOnDevice() {
        return Target.all().stream().map(t -> DynamicTest.dynamicTest("causal_small via run() on " + t.name(), () -> {
            Fixture f = Fixture.load("attention", "causal_small");
            CausalAttention att = CausalAttention.of(f.tensor("q"), f.tensor("k"), f.tensor("v")).scale(f.number("scale")).build();
            var device = ((Target.OnDevice) t).device();
            Tolerance.assertClose("flash", f.tensor("out"), att.runFlash(device));
            Tolerance.assertClose("naive", f.tensor("out"), att.runNaive(device));
        })).toList();
    }
}
