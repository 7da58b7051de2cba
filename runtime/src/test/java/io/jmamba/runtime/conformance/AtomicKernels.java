package io.jmamba.runtime.conformance;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.WorkerGrid1D;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Atomic adds on global int and float arrays and on local int arrays. The order of the adds is up to
 * the device, so inputs are chosen to make every order give the same bits (float values are small
 * multiples of 1/4, whose sums are exact), and returned old values are used only in order-independent
 * ways.
 */
public final class AtomicKernels {
    static final int N = 512;

    private AtomicKernels() {
    }

    public static void histogram(KernelContext ctx, IntArray a, IntArray hist) {
        int v = a.get(ctx.globalIdx);
        ctx.atomicAdd(hist, v & 15, 1);
        ctx.atomicAdd(hist, 16 + ((v >>> 28) & 15), v & 3);
    }

    public static void floatSum(KernelContext ctx, FloatArray a, FloatArray sums) {
        float v = a.get(ctx.globalIdx);
        ctx.atomicAdd(sums, 0, v);
        ctx.atomicAdd(sums, 1 + (ctx.globalIdx & 3), v * 2f);
    }

    /** Pairs of adds ({@code atomicAdd2}): item i adds (v, -3v) to pair i % 8, through a helper on odd items. */
    public static void floatPairs(KernelContext ctx, FloatArray a, FloatArray sums) {
        float v = a.get(ctx.globalIdx);
        int pair = 2 * (ctx.globalIdx & 7);
        if ((ctx.globalIdx & 1) == 0) {
            ctx.atomicAdd2(sums, pair, v, -3f * v);
        } else {
            addPair(ctx, sums, pair, v);
        }
    }

    static void addPair(KernelContext ctx, FloatArray sums, int at, float v) {
        ctx.atomicAdd2(sums, at, v, -3f * v);
    }

    /** Each work-item takes a ticket; the tickets must be exactly 0..n-1, each once. */
    public static void tickets(KernelContext ctx, IntArray counter, IntArray seen) {
        int t = ctx.atomicAdd(counter, 0, 1);
        ctx.atomicAdd(seen, t, 1);
    }

    /** Per-group counts in local memory, then one global add per group. */
    public static void localCounts(KernelContext ctx, IntArray a, IntArray counts) {
        int[] c = ctx.allocateIntLocalArray(4);
        if (ctx.localIdx < 4) {
            c[ctx.localIdx] = 0;
        }
        ctx.localBarrier();
        ctx.atomicAdd(c, a.get(ctx.globalIdx) & 3, 1);
        ctx.localBarrier();
        if (ctx.localIdx < 4) {
            ctx.atomicAdd(counts, ctx.groupIdx * 4 + ctx.localIdx, c[ctx.localIdx]);
        }
    }

    static List<ConformanceCase> cases() {
        return List.of(
                ConformanceCase.of(AtomicKernels.class, "histogram",
                                () -> new Object[] {new KernelContext(), Inputs.edgeInts(N, 201), new IntArray(32)})
                        .withGrid(() -> new WorkerGrid1D(N).setLocalWork(64))
                        .withCheck(args -> {
                            int[] a = ((IntArray) args[1]).toHeapArray();
                            int[] h = new int[32];
                            for (int v : a) {
                                h[v & 15]++;
                                h[16 + ((v >>> 28) & 15)] += v & 3;
                            }
                            assertEquals(java.util.Arrays.toString(h), java.util.Arrays.toString(((IntArray) args[2]).toHeapArray()));
                        }),
                ConformanceCase.of(AtomicKernels.class, "floatSum",
                                () -> new Object[] {new KernelContext(), quarters(), new FloatArray(5)})
                        .withGrid(() -> new WorkerGrid1D(N).setLocalWork(64))
                        .withCheck(args -> {
                            float[] a = ((FloatArray) args[1]).toHeapArray();
                            float[] s = new float[5];
                            for (int i = 0; i < N; i++) {
                                s[0] += a[i];
                                s[1 + (i & 3)] += a[i] * 2f;
                            }
                            assertEquals(java.util.Arrays.toString(s), java.util.Arrays.toString(((FloatArray) args[2]).toHeapArray()));
                        }),
                ConformanceCase.of(AtomicKernels.class, "floatPairs",
                                () -> new Object[] {new KernelContext(), quarters(), new FloatArray(16)})
                        .withGrid(() -> new WorkerGrid1D(N).setLocalWork(64))
                        .withCheck(args -> {
                            float[] a = ((FloatArray) args[1]).toHeapArray();
                            float[] s = new float[16];
                            for (int i = 0; i < N; i++) {
                                s[2 * (i & 7)] += a[i];
                                s[2 * (i & 7) + 1] += -3f * a[i];
                            }
                            assertEquals(java.util.Arrays.toString(s), java.util.Arrays.toString(((FloatArray) args[2]).toHeapArray()));
                        }),
                ConformanceCase.of(AtomicKernels.class, "tickets",
                                () -> new Object[] {new KernelContext(), new IntArray(1), new IntArray(N)})
                        .withGrid(() -> new WorkerGrid1D(N).setLocalWork(32))
                        .withCheck(args -> {
                            assertEquals(N, ((IntArray) args[1]).get(0), "tickets issued");
                            int[] seen = ((IntArray) args[2]).toHeapArray();
                            for (int i = 0; i < N; i++) {
                                assertEquals(1, seen[i], "ticket " + i + " taken once");
                            }
                        }),
                ConformanceCase.of(AtomicKernels.class, "localCounts",
                                () -> new Object[] {new KernelContext(), Inputs.edgeInts(N, 202), new IntArray(4 * (N / 64))})
                        .withGrid(() -> new WorkerGrid1D(N).setLocalWork(64))
                        .withCheck(args -> {
                            int[] a = ((IntArray) args[1]).toHeapArray();
                            int[] c = new int[4 * (N / 64)];
                            for (int i = 0; i < N; i++) {
                                c[(i / 64) * 4 + (a[i] & 3)]++;
                            }
                            assertEquals(java.util.Arrays.toString(c), java.util.Arrays.toString(((IntArray) args[2]).toHeapArray()));
                        }));
    }

    /** Multiples of 1/4 in [-64, 64]: sums of up to 512 of them are exact in float. */
    private static FloatArray quarters() {
        IntArray r = Inputs.ints(N, 203, -256, 256);
        FloatArray f = new FloatArray(N);
        for (int i = 0; i < N; i++) {
            f.set(i, r.get(i) / 4f);
        }
        return f;
    }
}
