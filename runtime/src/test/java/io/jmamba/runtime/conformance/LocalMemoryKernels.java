package io.jmamba.runtime.conformance;

import io.jmamba.runtime.api.DoubleArray;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.LongArray;
import io.jmamba.runtime.api.WorkerGrid1D;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Work-group local memory and barriers: tree reductions and scans. The combining order is fixed by the
 * algorithm, not by scheduling, so even the float results are compared bit-exactly.
 */
public final class LocalMemoryKernels {
    static final int GROUP = 64;
    static final int GROUPS = 4;
    static final int N = GROUP * GROUPS;

    private LocalMemoryKernels() {
    }

    public static void reduceIntSum(KernelContext ctx, IntArray a, IntArray partial) {
        int[] s = ctx.allocateIntLocalArray(64);
        int l = ctx.localIdx;
        s[l] = a.get(ctx.globalIdx);
        ctx.localBarrier();
        for (int stride = ctx.localGroupSizeX / 2; stride > 0; stride /= 2) {
            if (l < stride) {
                s[l] += s[l + stride];
            }
            ctx.localBarrier();
        }
        if (l == 0) {
            partial.set(ctx.groupIdx, s[0]);
        }
    }

    public static void reduceFloatMax(KernelContext ctx, FloatArray a, FloatArray partial) {
        float[] s = ctx.allocateFloatLocalArray(64);
        int l = ctx.localIdx;
        s[l] = a.get(ctx.globalIdx);
        ctx.localBarrier();
        for (int stride = 32; stride > 0; stride >>= 1) {
            if (l < stride) {
                s[l] = Math.max(s[l], s[l + stride]) + s[l + stride] * 0.001f;
            }
            ctx.localBarrier();
        }
        if (l == 0) {
            partial.set(ctx.groupIdx, s[0]);
        }
    }

    /** Hillis-Steele inclusive scan with a second local buffer (ping-pong between two arrays). */
    public static void prefixSumInt(KernelContext ctx, IntArray a, IntArray out) {
        int[] x = ctx.allocateIntLocalArray(64);
        int[] y = ctx.allocateIntLocalArray(64);
        int l = ctx.localIdx;
        x[l] = a.get(ctx.globalIdx);
        ctx.localBarrier();
        for (int d = 1; d < 64; d *= 2) {
            int v = x[l];
            if (l >= d) {
                v += x[l - d];
            }
            y[l] = v;
            ctx.localBarrier();
            x[l] = y[l];
            ctx.localBarrier();
        }
        out.set(ctx.globalIdx, x[l]);
    }

    /** Exclusive scan of doubles (Blelloch up-sweep and down-sweep). */
    public static void prefixSumDouble(KernelContext ctx, DoubleArray a, DoubleArray out) {
        double[] t = ctx.allocateDoubleLocalArray(64);
        int l = ctx.localIdx;
        t[l] = a.get(ctx.globalIdx);
        ctx.localBarrier();
        for (int d = 1; d < 64; d <<= 1) {
            int idx = (l + 1) * 2 * d - 1;
            if (idx < 64) {
                t[idx] += t[idx - d];
            }
            ctx.localBarrier();
        }
        if (l == 0) {
            t[63] = 0;
        }
        ctx.localBarrier();
        for (int d = 32; d > 0; d >>= 1) {
            int idx = (l + 1) * 2 * d - 1;
            if (idx < 64) {
                double left = t[idx - d];
                t[idx - d] = t[idx];
                t[idx] += left;
            }
            ctx.localBarrier();
        }
        out.set(ctx.globalIdx, t[l]);
    }

    /** Each work-item writes one slot and reads its mirror: only right after a barrier. */
    public static void reverseInGroup(KernelContext ctx, LongArray a, LongArray out) {
        long[] s = ctx.allocateLongLocalArray(64);
        int l = ctx.localIdx;
        s[l] = a.get(ctx.globalIdx);
        ctx.globalBarrier();
        out.set(ctx.globalIdx, s[ctx.localGroupSizeX - 1 - l] + l);
    }

    /** Work-items exchange values through global memory: globalBarrier makes a group's writes visible to the group. */
    public static void globalExchange(KernelContext ctx, IntArray scratch, IntArray out) {
        int g = ctx.globalIdx;
        scratch.set(g, g * 7 + 1);
        ctx.globalBarrier();
        int base = ctx.groupIdx * ctx.localGroupSizeX;
        out.set(g, scratch.get(base + (ctx.localIdx + 5) % ctx.localGroupSizeX));
    }

    static List<ConformanceCase> cases() {
        return List.of(
                ConformanceCase.of(LocalMemoryKernels.class, "reduceIntSum",
                                () -> new Object[] {new KernelContext(), Inputs.edgeInts(N, 191), new IntArray(GROUPS)})
                        .withGrid(LocalMemoryKernels::grid)
                        .withCheck(args -> {
                            int[] a = ((IntArray) args[1]).toHeapArray();
                            int[] p = ((IntArray) args[2]).toHeapArray();
                            for (int g = 0; g < GROUPS; g++) {
                                int s = 0;
                                for (int k = 0; k < GROUP; k++) {
                                    s += a[g * GROUP + k];
                                }
                                assertEquals(s, p[g], "sum of group " + g);
                            }
                        }),
                ConformanceCase.of(LocalMemoryKernels.class, "reduceFloatMax",
                                () -> new Object[] {new KernelContext(), Inputs.floats(N, 192, -10, 10), new FloatArray(GROUPS)})
                        .withGrid(LocalMemoryKernels::grid)
                        .withCheck(args -> {
                            float[] a = ((FloatArray) args[1]).toHeapArray();
                            float[] p = ((FloatArray) args[2]).toHeapArray();
                            for (int g = 0; g < GROUPS; g++) {
                                float[] s = java.util.Arrays.copyOfRange(a, g * GROUP, (g + 1) * GROUP);
                                for (int stride = 32; stride > 0; stride >>= 1) {
                                    for (int l = 0; l < stride; l++) {
                                        s[l] = Math.max(s[l], s[l + stride]) + s[l + stride] * 0.001f;
                                    }
                                }
                                assertEquals(s[0], p[g], "tree max of group " + g);
                            }
                        }),
                ConformanceCase.of(LocalMemoryKernels.class, "prefixSumInt",
                                () -> new Object[] {new KernelContext(), Inputs.ints(N, 193, -1000, 1000), new IntArray(N)})
                        .withGrid(LocalMemoryKernels::grid)
                        .withCheck(args -> {
                            int[] a = ((IntArray) args[1]).toHeapArray();
                            int[] o = ((IntArray) args[2]).toHeapArray();
                            for (int g = 0; g < GROUPS; g++) {
                                int s = 0;
                                for (int k = 0; k < GROUP; k++) {
                                    s += a[g * GROUP + k];
                                    assertEquals(s, o[g * GROUP + k], "inclusive scan at " + (g * GROUP + k));
                                }
                            }
                        }),
                ConformanceCase.of(LocalMemoryKernels.class, "prefixSumDouble",
                                () -> new Object[] {new KernelContext(), integralDoubles(), new DoubleArray(N)})
                        .withGrid(LocalMemoryKernels::grid)
                        .withCheck(args -> {
                            double[] a = ((DoubleArray) args[1]).toHeapArray();
                            double[] o = ((DoubleArray) args[2]).toHeapArray();
                            for (int g = 0; g < GROUPS; g++) {
                                double s = 0;
                                for (int k = 0; k < GROUP; k++) {
                                    assertEquals(s, o[g * GROUP + k], "exclusive scan at " + (g * GROUP + k));
                                    s += a[g * GROUP + k];
                                }
                            }
                        }),
                ConformanceCase.of(LocalMemoryKernels.class, "globalExchange",
                                () -> new Object[] {new KernelContext(), new IntArray(N), new IntArray(N)})
                        .withGrid(LocalMemoryKernels::grid)
                        .withCheck(args -> {
                            int[] o = ((IntArray) args[2]).toHeapArray();
                            for (int i = 0; i < N; i++) {
                                int from = i - i % GROUP + (i % GROUP + 5) % GROUP;
                                assertEquals(from * 7 + 1, o[i], "value read by work-item " + i);
                            }
                        }),
                ConformanceCase.of(LocalMemoryKernels.class, "reverseInGroup",
                                () -> new Object[] {new KernelContext(), Inputs.edgeLongs(N, 194), new LongArray(N)})
                        .withGrid(LocalMemoryKernels::grid)
                        .withCheck(args -> {
                            long[] a = ((LongArray) args[1]).toHeapArray();
                            long[] o = ((LongArray) args[2]).toHeapArray();
                            for (int i = 0; i < N; i++) {
                                int g = i / GROUP;
                                int l = i % GROUP;
                                assertEquals(a[g * GROUP + GROUP - 1 - l] + l, o[i], "reversed element " + i);
                            }
                        }));
    }

    private static WorkerGrid1D grid() {
        return (WorkerGrid1D) new WorkerGrid1D(N).setLocalWork(GROUP);
    }

    /** Small integers as doubles: every partial sum is exact, so the check can use any order. */
    private static DoubleArray integralDoubles() {
        DoubleArray d = Inputs.doubles(N, 195, -100, 100);
        for (int i = 0; i < N; i++) {
            d.set(i, Math.rint(d.get(i)));
        }
        return d;
    }
}
