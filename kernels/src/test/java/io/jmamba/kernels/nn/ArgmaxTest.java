package io.jmamba.kernels.nn;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceMatrix;
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
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * Both argmax variants on every device: ties inside a work-item, across work-items, across the
 * two-stage kernel's slices and at slice edges; vocabularies that leave partial slices; NaN and -inf.
 */
class ArgmaxTest {

    /** Expected ids for each row, from a plain scan with the kernels' rules (ties: first; NaN: never; none: 0). */
    static int[] expected(FloatArray logits, int rows, int vocab) {
        int[] ids = new int[rows];
        for (int r = 0; r < rows; r++) {
            int best = -1;
            for (int i = 0; i < vocab; i++) {
                float v = logits.get((long) r * vocab + i);
                if (!Float.isNaN(v) && (best < 0 || v > logits.get((long) r * vocab + best))) {
                    best = i;
                }
            }
            ids[r] = Math.max(best, 0);
        }
        return ids;
    }

    @Test
    void partsCoverTheVocabulary() {
        assertEquals(1, ArgmaxTwoStageKernels.partsPerRow(1));
        assertEquals(1, ArgmaxTwoStageKernels.partsPerRow(ArgmaxTwoStageKernels.SLICE));
        assertEquals(2, ArgmaxTwoStageKernels.partsPerRow(ArgmaxTwoStageKernels.SLICE + 1));
        assertEquals(99, ArgmaxTwoStageKernels.partsPerRow(50_288));
    }

    /** Each case: a name, rows, vocab and the ties or special values planted in row 0 (or every row). */
    @TestFactory
    List<DynamicTest> bothVariantsAgreeWithTheRules() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ComputeDevice d : DeviceMatrix.devices()) {
            for (ArgmaxVariant variant : ArgmaxVariant.values()) {
                for (Case c : cases()) {
                    tests.add(dynamicTest(c.name + " " + variant + " on " + d.id(), () -> {
                        FloatArray logits = c.logits();
                        IntArray out = new IntArray(c.rows);
                        Argmax.run(d, c.rows, c.vocab, logits, out, variant);
                        int[] want = expected(logits, c.rows, c.vocab);
                        assertArrayEquals(want, out.toHeapArray(), Arrays.toString(out.toHeapArray()));
                        if (c.wantRow0 >= 0) {
                            assertEquals(c.wantRow0, out.get(0), "row 0");
                        }
                    }));
                }
            }
        }
        return tests;
    }

    /**
     * The same answer launch after launch on every device: PoCL 3.1 running work-groups on several threads
     * got the two-stage argmax wrong in about 6% of launches (see the OpenCL backend's PoclThreads).
     */
    @TestFactory
    List<DynamicTest> twoStageIsStableOverRepeatedLaunches() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ComputeDevice d : DeviceMatrix.devices()) {
            tests.add(dynamicTest("200 launches on " + d.id(), () -> {
                int rows = 5;
                int vocab = 50_288 / 16 + 3;
                FloatArray logits = new FloatArray((long) rows * vocab);
                Random r = new Random(7);
                for (long i = 0; i < logits.getSize(); i++) {
                    logits.set(i, -5 + 10 * r.nextFloat());
                }
                int[] want = expected(logits, rows, vocab);
                int wrong = 0;
                for (int k = 0; k < 200; k++) {
                    IntArray out = new IntArray(rows);
                    Argmax.run(d, rows, vocab, logits, out, ArgmaxVariant.TWO_STAGE);
                    if (!Arrays.equals(want, out.toHeapArray())) {
                        wrong++;
                    }
                }
                assertEquals(0, wrong, "launches with a wrong answer, of 200");
            }));
        }
        return tests;
    }

    private record Case(String name, int rows, int vocab, int wantRow0, Planter plant) {
        FloatArray logits() {
            Random r = new Random(vocab * 31L + rows);
            FloatArray a = new FloatArray((long) rows * vocab);
            for (long i = 0; i < a.getSize(); i++) {
                a.set(i, -5 + 10 * r.nextFloat());
            }
            plant.plant(a, rows, vocab);
            return a;
        }
    }

    private interface Planter {
        void plant(FloatArray a, int rows, int vocab);
    }

    private static List<Case> cases() {
        int slice = ArgmaxTwoStageKernels.SLICE;
        return List.of(
                new Case("one entry", 1, 1, 0, (a, rows, vocab) -> { }),
                new Case("tie across slices", 1, 5 * slice + 37, 700, (a, rows, vocab) -> {
                    a.set(4 * slice + 3, 9f);
                    a.set(700, 9f);
                    a.set(2 * slice, 9f);
                }),
                new Case("tie inside one work-item and across lanes", 1, 3000, 5, (a, rows, vocab) -> {
                    a.set(5, 9f);
                    a.set(5 + ArgmaxTwoStageKernels.GROUP, 9f); // the same work-item's second element
                    a.set(6, 9f); // the neighbouring lane
                }),
                new Case("maximum in the last partial slice", 3, 2 * slice + 1, -1, (a, rows, vocab) -> {
                    for (int r = 0; r < rows; r++) {
                        a.set((long) r * vocab + vocab - 1, 7f + r);
                    }
                }),
                new Case("maximum on a slice edge", 2, 4 * slice, slice - 1, (a, rows, vocab) -> {
                    a.set(slice - 1, 8f);
                    a.set(slice, 8f);
                }),
                new Case("NaN skipped, -inf row, all-NaN row", 3, 1000, 999, (a, rows, vocab) -> {
                    a.set(0, Float.NaN);
                    a.set(998, Float.NaN);
                    a.set(999, 100f);
                    for (int i = 0; i < vocab; i++) {
                        a.set(vocab + i, Float.NEGATIVE_INFINITY);
                        a.set(2L * vocab + i, Float.NaN);
                    }
                }),
                new Case("batch of rows, odd vocab", 5, 50_288 / 16 + 3, -1, (a, rows, vocab) -> { }));
    }

    /** Both stages compile to both dialects; on CUDA the group reduction is warp shuffles. */
    @Test
    void twoStageKernelsCompileWithWarpReductions() {
        for (String name : new String[] {"partials", "combine"}) {
            Method m = Arrays.stream(ArgmaxTwoStageKernels.class.getDeclaredMethods())
                    .filter(x -> x.getName().equals(name)).findFirst().orElseThrow();
            for (Dialect d : Dialect.values()) {
                GeneratedKernel k = KernelJit.compile(m, Map.of(), d);
                assertTrue(k.source().contains(k.entryName()), name + " " + d);
            }
            String cuda = KernelJit.compile(m, Map.of(), Dialect.CUDA).source();
            assertTrue(cuda.contains("__shfl_xor_sync"), name + " CUDA:\n" + cuda);
        }
    }
}
