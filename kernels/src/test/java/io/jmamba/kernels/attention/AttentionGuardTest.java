package io.jmamba.kernels.attention;

import io.jmamba.kernels.support.GuardedGraph;
import io.jmamba.kernels.support.Tensor;
import io.jmamba.kernels.support.TestTensors;
import io.jmamba.runtime.api.BFloat16Array;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Causal flash attention, whose key-tile loops (barriers and, in bf16, mma steps inside) run as many tiles as the
 * work-group's query tile needs: a trip count uniform over the work-group only. Sequence lengths that leave the last
 * query and key tiles partial, every array guarded ({@link GuardedGraph}): no store past any buffer, every array as the
 * JVM run left it.
 */
class AttentionGuardTest {
    private static final float F32_TOL = 1e-4f;
    private static final float BF16_TOL = 0x1p-7f;

    private record Qkv(Tensor q, Tensor k, Tensor v) {
        static Qkv random(long seed, long... shape) {
            SplittableRandom rnd = new SplittableRandom(seed);
            return new Qkv(TestTensors.uniform(rnd, -3, 3, shape), TestTensors.uniform(rnd, -3, 3, shape),
                    TestTensors.uniform(rnd, -1, 1, shape));
        }
    }

    private static BFloat16Array bf16(Tensor t) {
        BFloat16Array a = new BFloat16Array(t.data().getSize());
        for (long i = 0; i < a.getSize(); i++) {
            a.set(i, t.data().get(i));
        }
        return a;
    }

    @Tag("slow")
    @TestFactory
    List<DynamicTest> raggedTilesStayInsideTheirBuffers() {
        return GuardedGraph.tests(raggedTilesStayInsideTheirBuffersCases());
    }

    private static List<GuardedGraph.Case> raggedTilesStayInsideTheirBuffersCases() {
        List<GuardedGraph.Case> cases = new ArrayList<>();
        for (long[] s : new long[][] {{1, 2, 37, 16}, {2, 1, 70, 8}}) {
            for (boolean causal : new boolean[] {true, false}) {
                String name = "fp32 tiled flash " + java.util.Arrays.toString(s) + (causal ? " causal" : "");
                cases.add(new GuardedGraph.Case(name, () -> Qkv.random(s[2], s), (graph, grids, a) -> {
                    Qkv in = (Qkv) a;
                    CausalAttention.of(in.q(), in.k(), in.v()).causal(causal).build()
                            .addFlashTiled(graph, "att", grids, Tensor.zeros(s));
                }, F32_TOL));
            }
        }
        for (long[] s : new long[][] {{1, 2, 65, 64}, {1, 1, 37, 64}}) {
            for (boolean async : new boolean[] {false, true}) {
                String name = "bf16 flash " + java.util.Arrays.toString(s) + " causal" + (async ? " async staging" : "");
                cases.add(new GuardedGraph.Case(name, () -> Qkv.random(s[2] + 1, s), (graph, grids, a) -> {
                    Qkv in = (Qkv) a;
                    CausalAttentionBf16.of(bf16(in.q()), bf16(in.k()), bf16(in.v()), s).causal(true).asyncStaging(async).build()
                            .addFlash(graph, "att", grids, new BFloat16Array(s[0] * s[1] * s[2] * s[3]));
                }, BF16_TOL));
            }
        }
        return cases;
    }
}
