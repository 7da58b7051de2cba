package io.jmamba.kernels.scan;

import io.jmamba.kernels.scan.SelectiveScan.AsyncStaging;
import io.jmamba.kernels.scan.SelectiveScanBf16Test.Bf16Problem;
import io.jmamba.kernels.scan.SelectiveScanTest.Problem;
import io.jmamba.kernels.support.Bf16Tensor;
import io.jmamba.kernels.support.GuardedGraph;
import io.jmamba.kernels.support.Target;
import io.jmamba.kernels.support.Tensor;
import io.jmamba.kernels.support.TestTensors;
import io.jmamba.kernels.support.Tolerance;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.jit.Dialect;
import io.jmamba.runtime.jit.GeneratedKernel;
import io.jmamba.runtime.jit.KernelJit;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The bf16 scan with asynchronously staged tiles ({@link SelectiveScanAsyncWidenKernels}, chosen explicitly here
 * whatever {@code -Djmamba.scan.async} says) on every
 * target: against the reference, bit for bit against the register-staged TILED16 bf16 kernels (the arithmetic is the
 * same), and inside their buffers (sentinel guards) at ragged shapes.
 */
class SelectiveScanAsyncTest {
    private static final float BF16_GUARD_TOL = 0x1p-7f;

    /**
     * batch, dim, seqlen, dstate, groups, chunk (0 = default). Lengths that are multiples of 8 copy every chunk
     * asynchronously; the others mix asynchronous and plain chunks (row starts not 16-byte aligned) and end in ragged,
     * odd-length tiles; partial row blocks and odd dstate as {@link SelectiveScanBf16Test}'s shapes.
     */
    private static final int[][] SHAPES = {
            {1, 64, 512, 16, 1, 128},   // aligned: 4 chunks of 8 whole tiles, two row blocks
            {2, 40, 256, 16, 2, 0},     // aligned, groups of 20 rows (partial blocks), one default chunk
            {1, 33, 45, 16, 1, 0},      // one chunk (single pass), a block of one live row
            {1, 40, 101, 5, 1, 40},     // chunks of 2.5 tiles, odd dstate
            {2, 70, 77, 4, 2, 32},      // groups: segments of 35 rows
            {3, 6, 19, 4, 3, 0},        // seqlen below a tile and odd
            {1, 35, 700, 16, 1, 64},    // 11 chunks, rows alternately aligned and not
            {1, 2, 1001, 16, 1, 0}};    // default chunking, a partial last tile

    private static ComputeDevice device(Target t) {
        return ((Target.OnDevice) t).device();
    }

    private static Bf16Problem problem(int[] s, boolean withInit) {
        long seed = Arrays.hashCode(s) * 37L + (withInit ? 11 : 0);
        Problem random = Problem.random(seed, s[0], s[1], s[2], s[3], s[4], s[4] > 1 || seed % 2 == 0);
        return Bf16Problem.of(random.withInit(withInit
                ? TestTensors.uniform(new SplittableRandom(seed), -1, 1, s[0], s[1], s[3]) : null));
    }

    private static final List<AsyncStaging> ASYNC = List.of(AsyncStaging.WIDEN);

    private static SelectiveScan build(Bf16Problem p, int[] s, AsyncStaging staging) {
        SelectiveScan.Builder b = p.builder().asyncStaging(staging);
        if (s[5] > 0) {
            b.chunkLength(s[5]);
        }
        return b.build();
    }

    /**
     * The shapes that run by default: dstate 16 only (one device compile per kernel; cold PoCL compiles make the whole
     * set take over 30 s on two cores): whole aligned tiles, mixed alignment with ragged tails, and a single chunk.
     */
    private static boolean quick(int[] s) {
        return s == SHAPES[0] || s == SHAPES[2] || s == SHAPES[6];
    }

    @TestFactory
    List<DynamicTest> asyncMatchesTheReferenceOfTheRoundedInputs() {
        return referenceTests(true);
    }

    @Tag("slow")
    @TestFactory
    List<DynamicTest> asyncMatchesTheReferenceOfTheRoundedInputsAllShapes() {
        return referenceTests(false);
    }

    private static List<DynamicTest> referenceTests(boolean quickOnes) {
        List<DynamicTest> tests = new ArrayList<>();
        for (Target target : Target.all()) {
            for (AsyncStaging staging : ASYNC) {
                for (int[] s : SHAPES) {
                    for (boolean withInit : new boolean[] {false, true}) {
                        if (quick(s) && (withInit == (s != SHAPES[6])) != quickOnes) {
                            continue; // quick: one of the two starts per quick shape; the other start runs with the slow set
                        }
                        if (!quick(s) && quickOnes) {
                            continue;
                        }
                        tests.add(DynamicTest.dynamicTest(Arrays.toString(s) + (withInit ? " from a state" : "") + " " + staging
                                + " on " + target.name(), () -> {
                            Bf16Problem p = problem(s, withInit);
                            SelectiveScan scan = build(p, s, staging);
                            assertEquals(staging, scan.asyncStaging());
                            SelectiveScanBf16Result got = scan.runBf16(device(target));
                            SelectiveScanResult want = p.widened().reference();
                            SelectiveScanBf16Test.assertCloseBf16("out", want.out(), got.out());
                            Tolerance.assertClose("last_state", want.lastState(), got.lastState());
                        }));
                    }
                }
            }
        }
        return tests;
    }

    /** Same arithmetic per token in the same order: the async kernels' out and state are the TILED16 kernels', bit for bit. */
    @TestFactory
    List<DynamicTest> asyncIsTheRegisterStagedScanBitForBit() {
        return bitForBitTests(List.of(SHAPES[6]));
    }

    @Tag("slow")
    @TestFactory
    List<DynamicTest> asyncIsTheRegisterStagedScanBitForBitMoreShapes() {
        return bitForBitTests(List.of(SHAPES[0], SHAPES[3]));
    }

    private static List<DynamicTest> bitForBitTests(List<int[]> shapes) {
        List<DynamicTest> tests = new ArrayList<>();
        for (Target target : Target.all()) {
            for (AsyncStaging staging : ASYNC) {
                for (int[] s : shapes) {
                    tests.add(DynamicTest.dynamicTest(Arrays.toString(s) + " " + staging + " vs TILED16 on " + target.name(),
                            () -> assertBitForBit(target, s, staging)));
                }
            }
        }
        return tests;
    }

    private static void assertBitForBit(Target target, int[] s, AsyncStaging staging) {
        Bf16Problem p = problem(s, true);
        SelectiveScanBf16Result async = build(p, s, staging).runBf16(device(target));
        SelectiveScan plain = build(p, s, AsyncStaging.OFF);
        assertFalse(plain.isAsyncStaging());
        SelectiveScanBf16Result staged = plain.runBf16(device(target));
        for (long i = 0; i < staged.out().data().getSize(); i++) {
            if (staged.out().data().getBits(i) != async.out().data().getBits(i)) {
                fail("out element " + i + ": async " + async.out().data().get(i) + ", TILED16 " + staged.out().data().get(i));
            }
        }
        for (long i = 0; i < staged.lastState().numel(); i++) {
            float want = staged.lastState().data().get(i);
            float got = async.lastState().data().get(i);
            if (Float.floatToRawIntBits(want) != Float.floatToRawIntBits(got)) {
                fail("last_state element " + i + ": async " + got + ", TILED16 " + want);
            }
        }
    }

    /** The builder's default follows the system property; fp32 scans never stage asynchronously. */
    @Test
    void propertyChoosesTheDefaultAndFp32IgnoresIt() {
        Bf16Problem p = problem(SHAPES[2], false);
        assertEquals(AsyncStaging.fromProperty(), p.builder().build().asyncStaging());
        if (System.getProperty(SelectiveScan.ASYNC_PROPERTY) == null) {
            assertEquals(AsyncStaging.WIDEN, p.builder().build().asyncStaging(), "the default staging");
        }
        String old = System.getProperty(SelectiveScan.ASYNC_PROPERTY);
        try {
            System.setProperty(SelectiveScan.ASYNC_PROPERTY, "off");
            assertEquals(AsyncStaging.OFF, AsyncStaging.fromProperty());
            System.setProperty(SelectiveScan.ASYNC_PROPERTY, "sideways");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, AsyncStaging::fromProperty);
            assertTrue(e.getMessage().contains("sideways") && e.getMessage().contains("widen"), e.getMessage());
        } finally {
            if (old == null) {
                System.clearProperty(SelectiveScan.ASYNC_PROPERTY);
            } else {
                System.setProperty(SelectiveScan.ASYNC_PROPERTY, old);
            }
        }
        assertEquals(AsyncStaging.WIDEN, p.builder().asyncStaging(true).build().asyncStaging());
        assertEquals(AsyncStaging.OFF, p.builder().asyncStaging(false).build().asyncStaging());
        assertFalse(p.fp32().builder().asyncStaging(AsyncStaging.WIDEN).build().isAsyncStaging());
    }

    /**
     * The CUDA C of both passes (dstate 16) stages by cp.async with commit groups and waits, and declares the local
     * memory the kernels' comment budgets: TILED16's fp32 tiles plus single landing buffers.
     */
    @Test
    void cudaSourceCopiesAsynchronouslyWithinTheLocalBudget() throws Exception {
        for (Class<?> cls : List.of(SelectiveScanAsyncWidenKernels.class)) {
            for (String name : new String[] {"chunkStatesBf16", "chunkOutputsBf16"}) {
                var m = Arrays.stream(cls.getMethods()).filter(x -> x.getName().equals(name)).findFirst().orElseThrow();
                GeneratedKernel k = KernelJit.compile(m, Map.of(m.getParameterCount() - 1, 16), Dialect.CUDA);
                String src = k.source();
                for (String op : new String[] {"jm_async_copy16(", "jm_async_copy_commit(", "jm_async_copy_wait("}) {
                    assertTrue(src.contains(op), cls.getSimpleName() + "." + name + ": " + op + " expected:\n" + src);
                }
                boolean pass1 = name.equals("chunkStatesBf16");
                // TILED16's fp32 tiles (rows 32 x 17 floats, B 16 x 9 or B/C 16 x 17 longs) plus single landing buffers
                int expected = pass1 ? 2 * 32 * 17 * 4 + 16 * 9 * 8 + 2 * 1024 + 512 : 2 * 32 * 17 * 4 + 16 * 17 * 8 + 3 * 1024 + 2 * 512;
                assertEquals(expected, k.localMemoryBytes(), cls.getSimpleName() + "." + name + ": local memory bytes");
            }
        }
    }

    /** The async scan's default chunks: three waves of 20 work-groups per H100 multiprocessor, whole tiles. */
    @Test
    void defaultChunksMakeThreeWavesAtItsOccupancy() {
        assertEquals(3L * 132 * 20 * 32, SelectiveScan.ASYNC_TARGET_WORK_ITEMS);
        assertEquals(400, SelectiveScan.tiled16ChunkLength(1536, 1 << 16, SelectiveScan.ASYNC_TARGET_WORK_ITEMS));
        assertEquals(6368, SelectiveScan.tiled16ChunkLength(1536, 1 << 20, SelectiveScan.ASYNC_TARGET_WORK_ITEMS));
    }

    /** Ragged rows, chunks and tiles, aligned and not, with every array guarded: no access past a buffer. */
    @TestFactory
    List<DynamicTest> raggedTilesStayInsideTheirBuffers() {
        return GuardedGraph.tests(guardCases().subList(0, 2));
    }

    @Tag("slow")
    @TestFactory
    List<DynamicTest> raggedTilesStayInsideTheirBuffersAllShapes() {
        List<GuardedGraph.Case> cases = guardCases();
        return GuardedGraph.tests(cases.subList(2, cases.size()));
    }

    private static List<GuardedGraph.Case> guardCases() {
        List<GuardedGraph.Case> cases = new ArrayList<>();
        // {batch, dim, seqlen, dstate, groups, chunk length}: the first ends every chunk mid-tile on aligned rows
        int[][] shapes = {{2, 5, 56, 16, 1, 24}, {2, 5, 61, 16, 1, 16}, {1, 3, 100, 7, 1, 64}, {2, 4, 37, 16, 2, 16}};
        long seed = 70;
        for (int[] s : shapes) {
            long sd = seed++;
            String shape = "b" + s[0] + " d" + s[1] + " L" + s[2] + " n" + s[3] + " g" + s[4] + " chunk " + s[5];
            for (AsyncStaging staging : ASYNC) {
                cases.add(new GuardedGraph.Case("bf16 " + staging + " async scan " + shape,
                        () -> Bf16Problem.of(Problem.random(sd, s[0], s[1], s[2], s[3], s[4], s[4] > 1)),
                        (graph, grids, p) -> {
                            SelectiveScan scan = ((Bf16Problem) p).builder().asyncStaging(staging).chunkLength(s[5]).build();
                            scan.addTo(graph, "scan", grids, Bf16Tensor.zeros(scan.outShape()), Tensor.zeros(scan.stateShape()));
                        }, BF16_GUARD_TOL));
            }
        }
        return cases;
    }
}
