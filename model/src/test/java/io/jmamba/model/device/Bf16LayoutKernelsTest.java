package io.jmamba.model.device;

import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.DataTransferMode;
import io.jmamba.runtime.api.ExecutionPlan;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceMatrix;
import io.jmamba.runtime.jit.Dialect;
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
import java.util.function.BiConsumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * The bf16-writing layout moves ({@link Bf16LayoutKernels}) on every device: each element must be exactly
 * {@link BFloat16Array#fromFloat} of its source (one round-to-nearest-even), at sizes that leave partial
 * 32 x 32 tiles and with several sequences.
 */
class Bf16LayoutKernelsTest {
    /** {batch, seqlen, channels, c0, n}. */
    private static final int[][] SHAPES = {{1, 1, 5, 1, 3}, {3, 37, 70, 5, 33}, {2, 64, 64, 0, 64}, {5, 3, 130, 40, 65}};

    @TestFactory
    List<DynamicTest> toTokensBf16RoundsEachElementOnce() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ComputeDevice d : DeviceMatrix.devices()) {
            for (int[] s : SHAPES) {
                int batch = s[0], len = s[1], channels = s[2], c0 = s[3], n = s[4];
                String name = "toTokensBf16 " + Arrays.toString(s) + " on " + d.id();
                tests.add(dynamicTest(name, () -> {
                    FloatArray src = random((long) batch * channels * len);
                    BFloat16Array dst = new BFloat16Array((long) batch * len * n);
                    run(d, src, dst, (g, grids) -> LayoutTasks.toTokensBf16(g, grids, "t", src, channels, c0, n, dst, batch, len));
                    for (int b = 0; b < batch; b++) {
                        for (int l = 0; l < len; l++) {
                            for (int j = 0; j < n; j++) {
                                float want = src.get(((long) b * channels + c0 + j) * len + l);
                                assertEquals(BFloat16Array.fromFloat(want), dst.getBits((long) (b * len + l) * n + j),
                                        name + " at b " + b + " l " + l + " j " + j);
                            }
                        }
                    }
                }));
            }
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> columnsBf16RoundsEachElementOnce() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ComputeDevice d : DeviceMatrix.devices()) {
            for (int[] s : SHAPES) {
                int tokens = s[0] * s[1], cols = s[2], c0 = s[3], n = s[4];
                String name = "columnsBf16 " + Arrays.toString(s) + " on " + d.id();
                tests.add(dynamicTest(name, () -> {
                    FloatArray src = random((long) tokens * cols);
                    BFloat16Array dst = new BFloat16Array((long) tokens * n);
                    run(d, src, dst, (g, grids) -> LayoutTasks.columnsBf16(g, "c", src, cols, c0, n, dst, tokens));
                    for (int t = 0; t < tokens; t++) {
                        for (int j = 0; j < n; j++) {
                            assertEquals(BFloat16Array.fromFloat(src.get((long) t * cols + c0 + j)), dst.getBits((long) t * n + j),
                                    name + " at t " + t + " j " + j);
                        }
                    }
                }));
            }
        }
        return tests;
    }

    @Test
    void compileToBothDialects() {
        for (Method m : Bf16LayoutKernels.class.getDeclaredMethods()) {
            if (!java.lang.reflect.Modifier.isPublic(m.getModifiers())) {
                continue;
            }
            for (Dialect dialect : Dialect.values()) {
                assertTrue(KernelJit.compile(m, Map.of(), dialect).source().contains(m.getName()), m.getName() + " " + dialect);
            }
        }
    }

    /** Values with low mantissa bits set, so that rounding to bf16 matters. */
    private static FloatArray random(long n) {
        Random r = new Random(n);
        FloatArray a = new FloatArray(n);
        for (long i = 0; i < n; i++) {
            a.set(i, (float) r.nextGaussian() * 3f);
        }
        return a;
    }

    private static void run(ComputeDevice d, FloatArray src, BFloat16Array dst, BiConsumer<TaskGraph, GridScheduler> body) {
        TaskGraph g = new TaskGraph("layout16").transferToDevice(DataTransferMode.EVERY_EXECUTION, src);
        GridScheduler grids = new GridScheduler();
        body.accept(g, grids);
        g.transferToHost(DataTransferMode.EVERY_EXECUTION, dst);
        try (ExecutionPlan plan = new ExecutionPlan(g.snapshot())) {
            plan.withDevice(d).withGridScheduler(grids).execute();
        }
    }
}
