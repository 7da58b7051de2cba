package io.jmamba.runtime.conformance;

import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.WorkerGrid1D;
import io.jmamba.runtime.api.WorkerGrid2D;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** KernelContext ids and sizes in one and two dimensions, with explicit work-group sizes. */
public final class ContextKernels {
    private ContextKernels() {
    }

    public static void ids1d(KernelContext ctx, IntArray out) {
        int g = ctx.globalIdx;
        out.set(5 * g, ctx.localIdx);
        out.set(5 * g + 1, ctx.groupIdx);
        out.set(5 * g + 2, ctx.localGroupSizeX);
        out.set(5 * g + 3, ctx.globalGroupSizeX);
        out.set(5 * g + 4, ctx.groupIdx * ctx.localGroupSizeX + ctx.localIdx - g);
    }

    public static void ids2d(KernelContext ctx, IntArray out, int width) {
        int x = ctx.globalIdx;
        int y = ctx.globalIdy;
        int base = 4 * (y * width + x);
        out.set(base, ctx.localIdx + 100 * ctx.localIdy);
        out.set(base + 1, ctx.groupIdx + 100 * ctx.groupIdy);
        out.set(base + 2, ctx.localGroupSizeX + 100 * ctx.localGroupSizeY);
        out.set(base + 3, ctx.globalGroupSizeX + 100 * ctx.globalGroupSizeY);
    }

    /** A grid rounded up past the data: work-items beyond n must do nothing. */
    public static void guarded(KernelContext ctx, IntArray a, IntArray out, int n) {
        int i = ctx.globalIdx;
        if (i >= n) {
            return;
        }
        out.set(i, a.get(i) * 2 + 1);
    }

    static List<ConformanceCase> cases() {
        return List.of(
                ConformanceCase.of(ContextKernels.class, "ids1d", () -> new Object[] {new KernelContext(), new IntArray(5 * 96)})
                        .withGrid(() -> new WorkerGrid1D(96).setLocalWork(32))
                        .withCheck(args -> {
                            int[] o = ((IntArray) args[1]).toHeapArray();
                            for (int g = 0; g < 96; g++) {
                                assertEquals(g % 32, o[5 * g], "localIdx of " + g);
                                assertEquals(g / 32, o[5 * g + 1], "groupIdx of " + g);
                                assertEquals(32, o[5 * g + 2], "localGroupSizeX");
                                assertEquals(96, o[5 * g + 3], "globalGroupSizeX");
                                assertEquals(0, o[5 * g + 4], "group * size + local - global");
                            }
                        }),
                ConformanceCase.of(ContextKernels.class, "ids2d", () -> new Object[] {new KernelContext(), new IntArray(4 * 16 * 6), 16})
                        .withGrid(() -> new WorkerGrid2D(16, 6).setLocalWork(8, 2))
                        .withCheck(args -> {
                            int[] o = ((IntArray) args[1]).toHeapArray();
                            for (int y = 0; y < 6; y++) {
                                for (int x = 0; x < 16; x++) {
                                    int b = 4 * (y * 16 + x);
                                    assertEquals(x % 8 + 100 * (y % 2), o[b], "local ids of " + x + "," + y);
                                    assertEquals(x / 8 + 100 * (y / 2), o[b + 1], "group ids of " + x + "," + y);
                                    assertEquals(8 + 100 * 2, o[b + 2], "local sizes");
                                    assertEquals(16 + 100 * 6, o[b + 3], "global sizes");
                                }
                            }
                        }),
                ConformanceCase.of(ContextKernels.class, "guarded",
                                () -> new Object[] {new KernelContext(), Inputs.edgeInts(70, 181), new IntArray(70), 70})
                        .withGrid(() -> new WorkerGrid1D(96).setLocalWork(32))
                        .withCheck(args -> {
                            int[] a = ((IntArray) args[1]).toHeapArray();
                            int[] o = ((IntArray) args[2]).toHeapArray();
                            for (int i = 0; i < 70; i++) {
                                assertEquals(a[i] * 2 + 1, o[i], "out[" + i + "]");
                            }
                        }));
    }
}
