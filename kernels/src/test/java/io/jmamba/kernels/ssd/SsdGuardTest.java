package io.jmamba.kernels.ssd;

import io.jmamba.kernels.support.GuardedGraph;
import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The SSD pipelines (bf16 FRAG: its chunk-scan and C.B^T tiles run their barriers and mma steps inside
 * {@code if (l0 < len)}, uniform over a work-group; fp32 BLOCKED_WIDE, likewise, and LOOPS) at sequence lengths that
 * leave the last chunk partial, with every array guarded ({@link GuardedGraph}): no store past any buffer, and every
 * array as the JVM run left it.
 */
class SsdGuardTest {
    /** bf16 outputs: one bf16 rounding step of the largest value (the fp32 sums may differ in their last bits). */
    private static final float BF16_TOL = 0x1p-7f;
    private static final float F32_TOL = 1e-4f;

    /** Default-path cases that run by default (each shape is a PoCL compile: the rest are tagged slow). */
    private static final Set<String> QUICK = Set.of("bf16 SSD L77 h4 p16 n16 q64, 2 groups, D z",
            "bf16 SSD ASYNC L77 h4 p16 n16 q64, 2 groups, D z");

    @TestFactory
    List<DynamicTest> raggedChunksStayInsideTheirBuffers() {
        var quick = raggedChunksStayInsideTheirBuffersCases().stream().filter(c -> QUICK.contains(c.name())).toList();
        assertEquals(QUICK.size(), quick.size(), "every QUICK name is a case");
        return GuardedGraph.tests(quick);
    }

    @Tag("slow")
    @TestFactory
    List<DynamicTest> raggedChunksStayInsideTheirBuffersAllShapes() {
        return GuardedGraph.tests(raggedChunksStayInsideTheirBuffersCases().stream()
                .filter(c -> !QUICK.contains(c.name())).toList());
    }

    private static List<GuardedGraph.Case> raggedChunksStayInsideTheirBuffersCases() {
        List<GuardedGraph.Case> cases = new ArrayList<>();
        List<SsdBf16Test.Bf16Case> bf16 = List.of(
                SsdBf16Test.random("L77 h4 p16 n16 q64, 2 groups, D z", SsdConfig.of(2, 77, 4, 16, 2, 16, 64).withDtSoftplus(true),
                        11, true, true, true, true, true),
                SsdBf16Test.random("L40 h2 p32 n32 q64, one partial chunk", SsdConfig.of(1, 40, 2, 32, 1, 32, 64),
                        12, true, false, false, false, false));
        for (SsdBf16Test.Bf16Case c : bf16) {
            cases.add(new GuardedGraph.Case("bf16 SSD " + c.name(), () -> c, (graph, grids, a) -> {
                SsdConfig cfg = c.cfg();
                BFloat16Array out = new BFloat16Array((long) cfg.batch() * cfg.seqlen() * cfg.heads() * cfg.headdim());
                FloatArray fin = new FloatArray((long) cfg.batch() * cfg.heads() * cfg.headdim() * cfg.dstate());
                SsdScanBf16.addTo(graph, grids, "ssd", cfg, c.in(), out, fin, null);
            }, BF16_TOL));
            // the asynchronously staged chunk scan explicitly (the case above runs whichever the properties select)
            cases.add(new GuardedGraph.Case("bf16 SSD ASYNC " + c.name(), () -> c, (graph, grids, a) -> {
                SsdConfig cfg = c.cfg();
                BFloat16Array out = new BFloat16Array((long) cfg.batch() * cfg.seqlen() * cfg.heads() * cfg.headdim());
                FloatArray fin = new FloatArray((long) cfg.batch() * cfg.heads() * cfg.headdim() * cfg.dstate());
                SsdScanBf16.addTo(graph, grids, "ssd", cfg, c.in(), out, fin, null, SsdScanBf16.AsyncStaging.ALL);
            }, BF16_TOL));
        }
        List<SsdCase> f32 = List.of(
                SsdCase.random("odd b2 L23 h3 p5 n7 q8", SsdConfig.of(2, 23, 3, 5, 1, 7, 8).withDtSoftplus(true), 21, true, false,
                        true, true, false),
                SsdCase.random("L77 h2 p16 n16 q64, init", SsdConfig.of(1, 77, 2, 16, 1, 16, 64).withDtSoftplus(true), 22, true,
                        true, true, false, true));
        for (SsdCase c : f32) {
            for (SsdScan.Variant v : SsdScan.Variant.values()) {
                cases.add(new GuardedGraph.Case("fp32 SSD " + v + " " + c.name(), () -> c, (graph, grids, a) -> {
                    SsdConfig cfg = c.cfg();
                    FloatArray out = new FloatArray((long) cfg.batch() * cfg.seqlen() * cfg.heads() * cfg.headdim());
                    FloatArray fin = new FloatArray((long) cfg.batch() * cfg.heads() * cfg.headdim() * cfg.dstate());
                    SsdScan.addTo(graph, grids, "ssd", cfg, c.in(), out, fin, v);
                }, F32_TOL));
            }
        }
        return cases;
    }

    /** Sequence lengths around the chunk and 16-row tile edges, and the Mamba-2 head shape (p64 n128) at chunk 256. */
    @Tag("slow")
    @TestFactory
    List<DynamicTest> sequenceLengthSweepStaysInsideTheBuffers() {
        List<GuardedGraph.Case> cases = new ArrayList<>();
        for (int len : new int[] {1, 15, 16, 17, 31, 63, 64, 65, 100, 127, 129}) {
            cases.add(bf16Case(SsdBf16Test.random("L" + len + " h2 p32 n32 q64", SsdConfig.of(1, len, 2, 32, 1, 32, 64)
                    .withDtSoftplus(true), len, true, false, true, false, false)));
            SsdCase c = SsdCase.random("L" + len + " h2 p16 n16 q64", SsdConfig.of(1, len, 2, 16, 1, 16, 64).withDtSoftplus(true),
                    len, true, false, true, false, false);
            cases.add(new GuardedGraph.Case("fp32 SSD BLOCKED_WIDE " + c.name(), () -> c, (graph, grids, a) -> {
                SsdConfig cfg = c.cfg();
                SsdScan.addTo(graph, grids, "ssd", cfg, c.in(), new FloatArray((long) cfg.batch() * cfg.seqlen() * cfg.heads()
                        * cfg.headdim()), null, SsdScan.Variant.BLOCKED_WIDE);
            }, F32_TOL));
        }
        cases.add(bf16Case(SsdBf16Test.random("L300 h2 p64 n128 q256", SsdConfig.of(1, 300, 2, 64, 1, 128, 256)
                .withDtSoftplus(true), 300, true, false, true, false, true)));
        SsdBf16Test.Bf16Case head = SsdBf16Test.random("L300 h2 p64 n128 q256", SsdConfig.of(1, 300, 2, 64, 1, 128, 256)
                .withDtSoftplus(true), 300, true, false, true, false, true);
        cases.add(new GuardedGraph.Case("bf16 SSD ASYNC " + head.name(), () -> head, (graph, grids, a) -> {
            SsdConfig cfg = head.cfg();
            BFloat16Array out = new BFloat16Array((long) cfg.batch() * cfg.seqlen() * cfg.heads() * cfg.headdim());
            SsdScanBf16.addTo(graph, grids, "ssd", cfg, head.in(), out, null, null, SsdScanBf16.AsyncStaging.ALL);
        }, BF16_TOL));
        return GuardedGraph.tests(cases);
    }

    private static GuardedGraph.Case bf16Case(SsdBf16Test.Bf16Case c) {
        return new GuardedGraph.Case("bf16 SSD " + c.name(), () -> c, (graph, grids, a) -> {
            SsdConfig cfg = c.cfg();
            BFloat16Array out = new BFloat16Array((long) cfg.batch() * cfg.seqlen() * cfg.heads() * cfg.headdim());
            SsdScanBf16.addTo(graph, grids, "ssd", cfg, c.in(), out, null, null);
        }, BF16_TOL);
    }
}
