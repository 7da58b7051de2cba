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
 *
 * <p>The two-tile kernels stage an x and a B tile per slice the way the SSD chunk state does, double-buffered with
 * one barrier per slice, and dump every staged row: {@link #twoTileHelper} through one helper called once per tile,
 * {@link #twoTileOneLoop} in one loop. On PoCL 3.1 the helper shape lost every copy made inside the slice loop until
 * the OpenCL dialect inlined functions whose local pointer is the same kernel array at every call
 * ({@code FixedLocalPointers}, {@code CSyntax.localPointerFunctionQualifier}): clang kept the twice-called helper out
 * of line with its local pointer replaced by the kernel's local array, and PoCL's automatic-locals pass redirects
 * that array to the work-group's memory in the kernel function only.
 */
public final class AsyncCopyKernels {
    static final int GROUP = 64;
    static final int GROUPS = 3;
    /** Ints of one tile: 16 bytes per item. */
    static final int TILE = 4 * GROUP;
    static final int TILES = 5;

    /** Two-tile staging: token rows per slice, 16-byte column chunks per row (32 ints), copies per item and tile. */
    static final int SLICE_ROWS = 32;
    static final int ROW_INTS = 32;
    static final int ROW_CHUNKS = ROW_INTS / 4;
    static final int STAGE_COPIES = SLICE_ROWS * ROW_CHUNKS / GROUP;
    /** Ints between staged rows (4 of padding, as the SSD's STRIDE). */
    static final int STAGE_STRIDE = ROW_INTS + 4;
    /** Ints of one buffer: the x tile, then the B tile. */
    static final int STAGE_INTS = 2 * SLICE_ROWS * STAGE_STRIDE;
    /** Tokens per group: three slices, the last partial (its rows past the sequence clamped to the last token). */
    static final int TOKENS = 70;
    static final int SLICES = (TOKENS + SLICE_ROWS - 1) / SLICE_ROWS;
    /** Ints of one group's dump: per slice both tiles' rows, ROW_INTS each. */
    static final int DUMP_INTS = SLICES * 2 * SLICE_ROWS * ROW_INTS;

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

    /**
     * dump[group, slice, tile, row r, column c] = the staged row r of slice {@code sl} (token min(32 sl + r, len - 1))
     * for the rows a 16-row step reads, 0 past them; x and B staged by {@link #stageTokenRows} called once per tile.
     */
    public static void twoTileHelper(KernelContext ctx, IntArray x, IntArray b, IntArray dump, int len) {
        int[] stage = ctx.allocateIntLocalArray(2 * STAGE_INTS);
        int slices = (len + SLICE_ROWS - 1) / SLICE_ROWS;
        stageBothByHelper(ctx, stage, 0, x, b, 0, len);
        ctx.asyncCopyCommit();
        for (int sl = 0; sl < slices; sl++) {
            int buf = (sl & 1) * STAGE_INTS;
            ctx.asyncCopyWait(0);
            ctx.localBarrier(); // slice sl landed; every item is done with slice sl - 1's buffer
            if (sl + 1 < slices) { // uniform
                stageBothByHelper(ctx, stage, STAGE_INTS - buf, x, b, sl + 1, len);
                ctx.asyncCopyCommit();
            }
            int rows = stagedRows(len, sl);
            for (int i = ctx.localIdx; i < 2 * SLICE_ROWS * ROW_INTS; i += GROUP) {
                int r = (i / ROW_INTS) % SLICE_ROWS;
                int at = buf + (i / (SLICE_ROWS * ROW_INTS)) * SLICE_ROWS * STAGE_STRIDE + r * STAGE_STRIDE + i % ROW_INTS;
                dump.set((long) (ctx.groupIdx * slices + sl) * 2 * SLICE_ROWS * ROW_INTS + i, r < rows ? stage[at] : 0);
            }
        }
    }

    /** {@link #twoTileHelper} with both tiles copied in one loop (the shape SsdStateAsyncKernels keeps). */
    public static void twoTileOneLoop(KernelContext ctx, IntArray x, IntArray b, IntArray dump, int len) {
        int[] stage = ctx.allocateIntLocalArray(2 * STAGE_INTS);
        int slices = (len + SLICE_ROWS - 1) / SLICE_ROWS;
        stageBothInOneLoop(ctx, stage, 0, x, b, 0, len);
        ctx.asyncCopyCommit();
        for (int sl = 0; sl < slices; sl++) {
            int buf = (sl & 1) * STAGE_INTS;
            ctx.asyncCopyWait(0);
            ctx.localBarrier();
            if (sl + 1 < slices) {
                stageBothInOneLoop(ctx, stage, STAGE_INTS - buf, x, b, sl + 1, len);
                ctx.asyncCopyCommit();
            }
            int rows = stagedRows(len, sl);
            for (int i = ctx.localIdx; i < 2 * SLICE_ROWS * ROW_INTS; i += GROUP) {
                int r = (i / ROW_INTS) % SLICE_ROWS;
                int at = buf + (i / (SLICE_ROWS * ROW_INTS)) * SLICE_ROWS * STAGE_STRIDE + r * STAGE_STRIDE + i % ROW_INTS;
                dump.set((long) (ctx.groupIdx * slices + sl) * 2 * SLICE_ROWS * ROW_INTS + i, r < rows ? stage[at] : 0);
            }
        }
    }

    /** Rows of slice {@code sl} that are staged: its tokens rounded up to 16-row steps. */
    static int stagedRows(int len, int sl) {
        return (Math.min(SLICE_ROWS, len - sl * SLICE_ROWS) + 15) / 16 * 16;
    }

    static void stageBothByHelper(KernelContext ctx, int[] stage, int at, IntArray x, IntArray b, int sl, int len) {
        long first = (long) ctx.groupIdx * len * ROW_INTS;
        stageTokenRows(ctx, stage, at, x, first, sl * SLICE_ROWS, stagedRows(len, sl), len);
        stageTokenRows(ctx, stage, at + SLICE_ROWS * STAGE_STRIDE, b, first, sl * SLICE_ROWS, stagedRows(len, sl), len);
    }

    /** As SsdFragAsyncKernels.stageTokenRows: item l copies column chunk l % 8 of rows l / 8 + 8 e. */
    static void stageTokenRows(KernelContext ctx, int[] stage, int at, IntArray src, long first, int k0, int rows, int len) {
        int row = ctx.localIdx / ROW_CHUNKS;
        int col = ctx.localIdx % ROW_CHUNKS;
        if (4 * col < ROW_INTS) {
            for (int e = 0; e < STAGE_COPIES; e++) {
                int r = row + (GROUP / ROW_CHUNKS) * e;
                if (r < rows) {
                    ctx.asyncCopy16(stage, at + r * STAGE_STRIDE + 4 * col, src,
                            first + 4 * col + (long) Math.min(k0 + r, len - 1) * ROW_INTS);
                }
            }
        }
    }

    static void stageBothInOneLoop(KernelContext ctx, int[] stage, int at, IntArray x, IntArray b, int sl, int len) {
        long first = (long) ctx.groupIdx * len * ROW_INTS;
        int k0 = sl * SLICE_ROWS;
        int rows = stagedRows(len, sl);
        int row = ctx.localIdx / ROW_CHUNKS;
        int col = ctx.localIdx % ROW_CHUNKS;
        for (int e = 0; e < STAGE_COPIES; e++) {
            int r = row + (GROUP / ROW_CHUNKS) * e;
            long token = Math.min(k0 + r, len - 1);
            int d = at + r * STAGE_STRIDE + 4 * col;
            if (r < rows) {
                ctx.asyncCopy16(stage, d, x, first + 4 * col + token * ROW_INTS);
                ctx.asyncCopy16(stage, d + SLICE_ROWS * STAGE_STRIDE, b, first + 4 * col + token * ROW_INTS);
            }
        }
    }

    private static ConformanceCase twoTileCase(String method, int seed) {
        int tokens = GROUPS * TOKENS * ROW_INTS;
        return ConformanceCase.of(AsyncCopyKernels.class, method, () -> new Object[] {new KernelContext(),
                        Inputs.edgeInts(tokens, seed), Inputs.edgeInts(tokens, seed + 1), new IntArray(GROUPS * DUMP_INTS), TOKENS})
                .withGrid(() -> new WorkerGrid1D(GROUPS * GROUP).setLocalWork(GROUP))
                .withCheck(args -> {
                    int[][] src = {((IntArray) args[1]).toHeapArray(), ((IntArray) args[2]).toHeapArray()};
                    int[] dump = ((IntArray) args[3]).toHeapArray();
                    for (int g = 0; g < GROUPS; g++) {
                        for (int sl = 0; sl < SLICES; sl++) {
                            for (int t = 0; t < 2; t++) {
                                for (int r = 0; r < SLICE_ROWS; r++) {
                                    int token = Math.min(sl * SLICE_ROWS + r, TOKENS - 1);
                                    for (int c = 0; c < ROW_INTS; c++) {
                                        int at = (((g * SLICES + sl) * 2 + t) * SLICE_ROWS + r) * ROW_INTS + c;
                                        int expect = r < stagedRows(TOKENS, sl) ? src[t][(g * TOKENS + token) * ROW_INTS + c] : 0;
                                        assertEquals(expect, dump[at], "group " + g + " slice " + sl + (t == 0 ? " x" : " B")
                                                + " row " + r + " int " + c);
                                    }
                                }
                            }
                        }
                    }
                });
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
                        }),
                twoTileCase("twoTileHelper", 704),
                twoTileCase("twoTileOneLoop", 706));
    }
}
