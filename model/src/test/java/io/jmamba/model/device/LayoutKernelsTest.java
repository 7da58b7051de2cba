package io.jmamba.model.device;

import io.jmamba.runtime.api.DataTransferMode;
import io.jmamba.runtime.api.ExecutionPlan;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceMatrix;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * The layout moves of {@link LayoutTasks} on every device against index arithmetic done here: both
 * transposes in tiled and plain form, the column ranges and the last positions, at sizes that leave
 * partial 32 x 32 tiles on every side and with several sequences. Moves copy, so results are exact.
 */
class LayoutKernelsTest {
    /** {batch, seqlen, source width, c0, n}. */
    private static final int[][] SHAPES = {{1, 1, 5, 1, 3}, {3, 37, 70, 5, 33}, {2, 64, 64, 0, 64}, {1, 100, 9, 2, 7},
            {5, 3, 130, 40, 65}};

    @TestFactory
    Stream<DynamicTest> toChannelsMovesAColumnRangeChannelMajor() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ComputeDevice d : DeviceMatrix.devices()) {
            for (int[] s : SHAPES) {
                for (boolean tiled : new boolean[] {true, false}) {
                    int batch = s[0], len = s[1], cols = s[2], c0 = s[3], n = s[4];
                    String name = (tiled ? "tiled" : "plain") + " toChannels " + java.util.Arrays.toString(s) + " on " + d.id();
                    tests.add(dynamicTest(name, () -> {
                        FloatArray src = numbered((long) batch * len * cols);
                        FloatArray dst = new FloatArray((long) batch * n * len);
                        run(d, src, dst, (g, grids) -> LayoutTasks.toChannels(g, grids, "t", src, cols, c0, n, dst, batch, len, tiled));
                        for (int b = 0; b < batch; b++) {
                            for (int j = 0; j < n; j++) {
                                for (int l = 0; l < len; l++) {
                                    assertEquals(src.get((long) (b * len + l) * cols + c0 + j), dst.get(((long) b * n + j) * len + l),
                                            name + " at b " + b + " j " + j + " l " + l);
                                }
                            }
                        }
                    }));
                }
            }
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> toTokensMovesAChannelRangeTokenMajor() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ComputeDevice d : DeviceMatrix.devices()) {
            for (int[] s : SHAPES) {
                for (boolean tiled : new boolean[] {true, false}) {
                    int batch = s[0], len = s[1], channels = s[2], c0 = s[3], n = s[4];
                    String name = (tiled ? "tiled" : "plain") + " toTokens " + java.util.Arrays.toString(s) + " on " + d.id();
                    tests.add(dynamicTest(name, () -> {
                        FloatArray src = numbered((long) batch * channels * len);
                        FloatArray dst = new FloatArray((long) batch * len * n);
                        run(d, src, dst, (g, grids) -> LayoutTasks.toTokens(g, grids, "t", src, channels, c0, n, dst, batch, len, tiled));
                        for (int b = 0; b < batch; b++) {
                            for (int l = 0; l < len; l++) {
                                for (int j = 0; j < n; j++) {
                                    assertEquals(src.get(((long) b * channels + c0 + j) * len + l), dst.get((long) (b * len + l) * n + j),
                                            name + " at b " + b + " l " + l + " j " + j);
                                }
                            }
                        }
                    }));
                }
            }
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> columnRangesAndLastPositions() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ComputeDevice d : DeviceMatrix.devices()) {
            tests.add(dynamicTest("columns3 on " + d.id(), () -> {
                int tokens = 7, cols = 45;
                FloatArray src = numbered((long) tokens * cols);
                FloatArray a = new FloatArray(tokens * 20L), b = new FloatArray(tokens * 3L), c = new FloatArray(tokens * 11L);
                run(d, src, List.of(a, b, c), (g, grids) -> LayoutTasks.columns3(g, "s", src, cols, tokens, a, 0, 20, b, 30, 3, c, 34, 11));
                for (int t = 0; t < tokens; t++) {
                    for (int j = 0; j < 20; j++) {
                        assertEquals(src.get((long) t * cols + j), a.get((long) t * 20 + j), "range 0 at t " + t + " j " + j);
                    }
                    for (int j = 0; j < 3; j++) {
                        assertEquals(src.get((long) t * cols + 30 + j), b.get((long) t * 3 + j), "range 1 at t " + t + " j " + j);
                    }
                    for (int j = 0; j < 11; j++) {
                        assertEquals(src.get((long) t * cols + 34 + j), c.get((long) t * 11 + j), "range 2 at t " + t + " j " + j);
                    }
                }
            }));
            tests.add(dynamicTest("columns on " + d.id(), () -> {
                int tokens = 33, cols = 17;
                FloatArray src = numbered((long) tokens * cols);
                FloatArray dst = new FloatArray(tokens * 5L);
                run(d, src, dst, (g, grids) -> LayoutTasks.columns(g, "s", src, cols, 9, 5, dst, tokens));
                for (int t = 0; t < tokens; t++) {
                    for (int j = 0; j < 5; j++) {
                        assertEquals(src.get((long) t * cols + 9 + j), dst.get((long) t * 5 + j), "t " + t + " j " + j);
                    }
                }
            }));
            tests.add(dynamicTest("lastPositions on " + d.id(), () -> {
                int batch = 3, len = 5, width = 37;
                FloatArray src = numbered((long) batch * len * width);
                FloatArray dst = new FloatArray((long) batch * width);
                run(d, src, dst, (g, grids) -> g.task("last", ModelKernels::lastPositions, src, dst, batch, len, width));
                for (int b = 0; b < batch; b++) {
                    for (int i = 0; i < width; i++) {
                        assertEquals(src.get(((long) b * len + len - 1) * width + i), dst.get((long) b * width + i), "b " + b + " i " + i);
                    }
                }
            }));
        }
        return tests.stream();
    }

    /** 1, 2, 3, ...: every element distinct, so a misplaced one shows. */
    private static FloatArray numbered(long n) {
        FloatArray a = new FloatArray(n);
        for (long i = 0; i < n; i++) {
            a.set(i, i + 1);
        }
        return a;
    }

    private static void run(ComputeDevice d, FloatArray src, FloatArray dst, BiConsumer<TaskGraph, GridScheduler> body) {
        run(d, src, List.of(dst), body);
    }

    private static void run(ComputeDevice d, FloatArray src, List<FloatArray> outs, BiConsumer<TaskGraph, GridScheduler> body) {
        TaskGraph g = new TaskGraph("layout").transferToDevice(DataTransferMode.EVERY_EXECUTION, src);
        GridScheduler grids = new GridScheduler();
        body.accept(g, grids);
        g.transferToHost(DataTransferMode.EVERY_EXECUTION, outs.toArray());
        try (ExecutionPlan plan = new ExecutionPlan(g.snapshot())) {
            plan.withDevice(d).withGridScheduler(grids).execute();
        }
    }
}
