package io.jmamba.kernels.nn;

import io.jmamba.kernels.ssd.SequentialGraphRunner;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceMatrix;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static io.jmamba.kernels.ssd.GoldenFile.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/** GEMM/GEMV, embedding, argmax and elementwise kernels against the plain-Java reference on every device. */
class NnTest {

    static FloatArray fill(Random r, long n, float lo, float hi) {
        FloatArray a = new FloatArray(n);
        for (long i = 0; i < n; i++) {
            a.set(i, lo + (hi - lo) * r.nextFloat());
        }
        return a;
    }

    /** Odd sizes that leave partial tiles in every dimension, plus single rows and single columns. */
    static final int[][] LINEAR_SHAPES = {{1, 53, 29}, {3, 5, 40}, {17, 1, 7}, {37, 53, 29}, {16, 32, 16}, {2, 300, 1}, {70, 35, 131}};

    @TestFactory
    Stream<DynamicTest> linearMatchesNaiveReference() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ComputeDevice d : DeviceMatrix.devices()) {
            for (int[] s : LINEAR_SHAPES) {
                for (Linear.Path path : new Linear.Path[] {Linear.Path.GEMM, Linear.Path.GEMV, Linear.Path.GEMV_TREE}) {
                    if (path != Linear.Path.GEMM && s[0] > 40) {
                        continue; // hundreds of barrier work-groups on the JVM for a path meant for a few rows
                    }
                    for (boolean withBias : new boolean[] {true, false}) {
                        String name = path + " rows " + s[0] + " in " + s[1] + " out " + s[2] + (withBias ? " +bias" : "") + " on " + d.id();
                        tests.add(dynamicTest(name, () -> {
                            int rows = s[0], in = s[1], out = s[2];
                            Random r = new Random(rows * 1000L + in * 10L + out);
                            FloatArray x = fill(r, (long) rows * in, -1, 1), w = fill(r, (long) out * in, -1, 1);
                            FloatArray bias = withBias ? fill(r, out, -1, 1) : null;
                            FloatArray ref = new FloatArray((long) rows * out), y = new FloatArray((long) rows * out);
                            NnReference.linear(x, w, bias, ref, rows, in, out);
                            Linear.run(d, rows, in, out, x, w, bias, y, path);
                            assertClose(name, ref, y);
                        }));
                    }
                }
            }
        }
        return tests.stream();
    }

    @Test
    void linearReferenceByHand() {
        // x = [[1, 2]], W = [[3, 4], [5, 6], [7, 8]], bias = [1, 0, -1] -> [12, 17, 22]
        FloatArray y = new FloatArray(3);
        NnReference.linear(FloatArray.fromArray(1, 2), FloatArray.fromArray(3, 4, 5, 6, 7, 8), FloatArray.fromArray(1, 0, -1), y, 1, 2, 3);
        assertArrayEquals(new float[] {12, 17, 22}, y.toHeapArray());
    }

    @TestFactory
    Stream<DynamicTest> embeddingGathersRows() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ComputeDevice d : DeviceMatrix.devices()) {
            tests.add(dynamicTest("embedding on " + d.id(), () -> {
                int vocab = 50, dim = 7, tokens = 13;
                Random r = new Random(5);
                FloatArray table = fill(r, (long) vocab * dim, -1, 1);
                IntArray ids = new IntArray(tokens);
                for (int t = 0; t < tokens; t++) {
                    ids.set(t, t == 0 ? vocab - 1 : r.nextInt(vocab));
                }
                FloatArray ref = new FloatArray((long) tokens * dim), out = new FloatArray((long) tokens * dim);
                NnReference.gather(ids, table, ref, tokens, dim);
                Embedding.run(d, tokens, dim, vocab, ids, table, out);
                assertArrayEquals(ref.toHeapArray(), out.toHeapArray());
            }));
        }
        return tests.stream();
    }

    @Test
    void embeddingKernelGivesNaNForAnIdOutsideTheVocabulary() {
        IntArray ids = IntArray.fromArray(1, 9);
        FloatArray table = FloatArray.fromArray(1, 2, 3, 4), out = new FloatArray(4);
        EmbeddingKernels.gather(ids, table, out, 2, 2, 2);
        assertEquals(3f, out.get(0));
        assertTrue(Float.isNaN(out.get(2)) && Float.isNaN(out.get(3)));
        var e = assertThrows(IllegalArgumentException.class,
                () -> Embedding.run(DeviceMatrix.devices().getFirst(), 2, 2, 2, ids, table, out));
        assertTrue(e.getMessage().contains("ids[1] = 9") && e.getMessage().contains("[0, 2)"), e.getMessage());
    }

    @TestFactory
    Stream<DynamicTest> argmaxFindsTheFirstMaximumPerRow() {
        List<DynamicTest> tests = new ArrayList<>();
        int[][] shapes = {{1, 1}, {3, 1000}, {2, 257}, {4, 512}};
        for (ComputeDevice d : DeviceMatrix.devices()) {
            for (int[] s : shapes) {
                tests.add(dynamicTest("rows " + s[0] + " vocab " + s[1] + " on " + d.id(), () -> {
                    int rows = s[0], vocab = s[1];
                    Random r = new Random(vocab);
                    FloatArray logits = fill(r, (long) rows * vocab, -5, 5);
                    if (vocab > 300) {
                        // a tie across work-items: the lower index must win
                        logits.set(17, 9f);
                        logits.set(290, 9f);
                    }
                    if (rows > 1) {
                        for (int i = 0; i < vocab; i++) {
                            logits.set((long) vocab + i, Float.NEGATIVE_INFINITY); // a row of -inf picks index 0
                        }
                    }
                    IntArray ref = new IntArray(rows), out = new IntArray(rows);
                    NnReference.argmax(logits, ref, rows, vocab);
                    Argmax.run(d, rows, vocab, logits, out);
                    assertArrayEquals(ref.toHeapArray(), out.toHeapArray(), Arrays.toString(out.toHeapArray()));
                }));
            }
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> elementwiseOpsMatchReference() {
        List<DynamicTest> tests = new ArrayList<>();
        List<String> devices = new ArrayList<>(List.of("java"));
        DeviceMatrix.devices().forEach(d -> devices.add(d.id()));
        for (Elementwise.Op op : Elementwise.Op.values()) {
            for (String dev : devices) {
                for (int[] s : new int[][] {{1, 1}, {5, 33}}) {
                    tests.add(dynamicTest(op + " " + s[0] + "x" + s[1] + " on " + dev, () -> {
                        int rows = s[0], cols = s[1];
                        Random r = new Random(op.ordinal() * 7L + cols);
                        FloatArray a = fill(r, (long) rows * cols, -30, 30);
                        FloatArray b = switch (op) {
                            case SOFTPLUS -> fill(r, cols, -1, 1);
                            case SILU -> null;
                            case GATE, ADD -> fill(r, (long) rows * cols, -4, 4);
                        };
                        FloatArray ref = new FloatArray((long) rows * cols), out = new FloatArray((long) rows * cols);
                        NnReference.elementwise(op, a, b, ref, rows, cols);
                        if (dev.equals("java")) {
                            TaskGraph g = new TaskGraph("e");
                            Elementwise.addTo(g, new GridScheduler(), "t", op, rows, cols, a, b, out);
                            SequentialGraphRunner.run(g.snapshot());
                        } else {
                            Elementwise.run(io.jmamba.runtime.backend.Devices.find(dev), op, rows, cols, a, b, out);
                        }
                        assertClose(op + " on " + dev, ref, out);
                    }));
                }
            }
        }
        return tests.stream();
    }

    @Test
    void badInputsNameTheArgumentAndBothShapes() {
        FloatArray x = new FloatArray(6), y = new FloatArray(8);
        var e = assertThrows(IllegalArgumentException.class,
                () -> Linear.addTo(new TaskGraph("g"), new GridScheduler(), "p", 2, 3, 4, x, new FloatArray(11), null, y));
        assertTrue(e.getMessage().contains("W:") && e.getMessage().contains("(out, in) = [4, 3]") && e.getMessage().contains("11 elements"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Linear.addTo(new TaskGraph("g"), new GridScheduler(), "p", 2, 3, 4, x, new FloatArray(12), new FloatArray(3), y));
        assertTrue(e.getMessage().contains("bias:") && e.getMessage().contains("[4]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Argmax.addTo(new TaskGraph("g"), new GridScheduler(), "p", 2, 3, x, new IntArray(3)));
        assertTrue(e.getMessage().contains("out:") && e.getMessage().contains("(rows) = [2]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Elementwise.addTo(new TaskGraph("g"), new GridScheduler(), "p", Elementwise.Op.GATE, 2, 3, x, null, x));
        assertTrue(e.getMessage().contains("z is required"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Embedding.addTo(new TaskGraph("g"), new GridScheduler(), "p", 2, 3, 10, new IntArray(2), new FloatArray(29), x));
        assertTrue(e.getMessage().contains("table:") && e.getMessage().contains("(vocab, dim) = [10, 3]"), e.getMessage());
    }
}
