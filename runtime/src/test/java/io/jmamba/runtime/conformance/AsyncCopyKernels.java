package io.jmamba.runtime.conformance;

import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.WorkerGrid1D;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Asynchronous global-to-local copies (KernelContext.asyncCopy16 / asyncCopyCommit / asyncCopyWait). Each
 * work-item copies 16 bytes and then reads what <i>another</i> item copied, so a missing wait or barrier, a
 * wrong shared address or a wrong byte order shows up as a wrong value. The pipelined kernel double-buffers
 * tiles the way a flash-attention stage does: the copy of tile t + 1 is in flight while tile t is read, with
 * {@code asyncCopyWait(1)}; the last iteration commits an empty group so that every iteration counts the same.
 * Copies are exact, so every result is checked bit for bit.
 */
public final class AsyncCopyKernels {
    static final int GROUP = 64;
    static final int GROUPS = 3;
    /** Ints of one tile: 16 bytes per item. */
    static final int TILE = 4 * GROUP;
    static final int TILES = 5;

    private AsyncCopyKernels() {
    }

    /** out[tile t, element e] = 3 * src[tile t, element TILE - 1 - e] + t, tiles double-buffered. */
    public static void pipelinedInts(KernelContext ctx, IntArray src, IntArray out, int tiles) {
        int[] buf = ctx.allocateIntLocalArray(2 * TILE);
        int lid = ctx.localIdx;
        long base = (long) ctx.groupIdx * tiles * TILE;
        ctx.asyncCopy16(buf, 4 * lid, src, base + 4L * lid);
        ctx.asyncCopyCommit();
        for (int t = 0; t < tiles; t++) {
            int cur = (t & 1) * TILE;
            if (t + 1 < tiles) {
                // the other buffer held tile t - 1: the barrier at the end of the last iteration freed it
                stage(ctx, buf, TILE - cur + 4 * lid, src, base + (long) (t + 1) * TILE + 4L * lid);
            }
            ctx.asyncCopyCommit();
            ctx.asyncCopyWait(1); // tile t has landed; tile t + 1 may still be in flight
            ctx.localBarrier();
            for (int i = 0; i < 4; i++) {
                int e = 4 * lid + i;
                out.set(base + (long) t * TILE + e, 3 * buf[cur + TILE - 1 - e] + t);
            }
            ctx.localBarrier(); // every item is done with buffer cur before the next copy into it
        }
    }

    /** A copy inside a helper method: the local array arrives as a parameter. */
    static void stage(KernelContext ctx, int[] buf, int at, IntArray src, long from) {
        ctx.asyncCopy16(buf, at, src, from);
    }

    /** bf16 pairs: item l copies elements 8l..8l+7; out gets item (l + 1) mod 64's four pairs, the halves swapped. */
    public static void bf16Pairs(KernelContext ctx, BFloat16Array src, BFloat16Array out) {
        int[] buf = ctx.allocateIntLocalArray(TILE);
        int lid = ctx.localIdx;
        int base = ctx.groupIdx * 8 * GROUP;
        ctx.asyncCopy16(buf, 4 * lid, src, base + 8 * lid);
        ctx.asyncCopyCommit();
        ctx.asyncCopyWait(0);
        ctx.localBarrier();
        int from = 4 * ((lid + 1) % GROUP);
        for (int i = 0; i < 4; i++) {
            int p = buf[from + i];
            out.setPair(base + 8 * lid + 2 * i, (p >>> 16) | (p << 16));
        }
    }

    /** floats: out[e] = 2 * src[e of the item 32 places away] + 0.5. */
    public static void floats(KernelContext ctx, FloatArray src, FloatArray out) {
        float[] buf = ctx.allocateFloatLocalArray(TILE);
        int lid = ctx.localIdx;
        int base = ctx.groupIdx * TILE;
        ctx.asyncCopy16(buf, 4 * lid, src, base + 4 * lid);
        ctx.asyncCopyCommit();
        ctx.asyncCopyWait(0);
        ctx.localBarrier();
        int from = 4 * ((lid + 32) % GROUP);
        for (int i = 0; i < 4; i++) {
            out.set(base + 4 * lid + i, 2f * buf[from + i] + 0.5f);
        }
    }

    static List<ConformanceCase> cases() {
        int ints = GROUPS * TILES * TILE;
        return List.of(
                ConformanceCase.of(AsyncCopyKernels.class, "pipelinedInts", () -> new Object[] {new KernelContext(),
                                Inputs.edgeInts(ints, 701), new IntArray(ints), TILES})
                        .withGrid(() -> new WorkerGrid1D(GROUPS * GROUP).setLocalWork(GROUP))
                        .withCheck(args -> {
                            int[] src = ((IntArray) args[1]).toHeapArray();
                            int[] out = ((IntArray) args[2]).toHeapArray();
                            for (int g = 0; g < GROUPS; g++) {
                                for (int t = 0; t < TILES; t++) {
                                    int tile = (g * TILES + t) * TILE;
                                    for (int e = 0; e < TILE; e++) {
                                        assertEquals(3 * src[tile + TILE - 1 - e] + t, out[tile + e], "out[" + (tile + e) + "]");
                                    }
                                }
                            }
                        }),
                ConformanceCase.of(AsyncCopyKernels.class, "bf16Pairs", () -> new Object[] {new KernelContext(),
                                Bf16Kernels.edgeBf16(GROUPS * 8 * GROUP, 702), new BFloat16Array(GROUPS * 8 * GROUP)})
                        .withGrid(() -> new WorkerGrid1D(GROUPS * GROUP).setLocalWork(GROUP))
                        .withCheck(args -> {
                            BFloat16Array src = (BFloat16Array) args[1];
                            BFloat16Array out = (BFloat16Array) args[2];
                            for (int g = 0; g < GROUPS; g++) {
                                for (int l = 0; l < GROUP; l++) {
                                    int from = g * 8 * GROUP + 8 * ((l + 1) % GROUP);
                                    for (int i = 0; i < 8; i++) {
                                        int at = g * 8 * GROUP + 8 * l + i;
                                        assertEquals(src.getBits(from + (i ^ 1)), out.getBits(at), "out[" + at + "]");
                                    }
                                }
                            }
                        }),
                ConformanceCase.of(AsyncCopyKernels.class, "floats", () -> new Object[] {new KernelContext(),
                                Inputs.floats(GROUPS * TILE, 703, -100, 100), new FloatArray(GROUPS * TILE)})
                        .withGrid(() -> new WorkerGrid1D(GROUPS * GROUP).setLocalWork(GROUP))
                        .withCheck(args -> {
                            float[] src = ((FloatArray) args[1]).toHeapArray();
                            float[] out = ((FloatArray) args[2]).toHeapArray();
                            for (int g = 0; g < GROUPS; g++) {
                                for (int l = 0; l < GROUP; l++) {
                                    for (int i = 0; i < 4; i++) {
                                        int at = g * TILE + 4 * l + i;
                                        int from = g * TILE + 4 * ((l + 32) % GROUP) + i;
                                        assertEquals(2f * src[from] + 0.5f, out[at], "out[" + at + "]");
                                    }
                                }
                            }
                        }));
    }
}
