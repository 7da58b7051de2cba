package io.jmamba.runtime.conformance;

import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.WorkerGrid1D;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Fragment loads from local memory (KernelContext.ldmatrixX4 / ldmatrixX4Trans, CUDA ldmatrix) fed to the
 * tensor-core MMA: A (16 x 16, row-major) with ldmatrixX4; B (16 x 16, k x n) twice, once stored k-major and
 * loaded transposed (how attention reads V), once stored n-major and loaded as is (how it reads K). Both
 * products must be A B exactly: the entries are small integers, so every partial sum is exact in float and
 * the tensor cores' order does not matter. The check computes A B itself, so a fragment in the wrong register
 * or lane fails on every backend, including the real ldmatrix on a GPU.
 */
public final class MatrixLoadKernels {
    static final int GROUPS = 2;
    /** Data ints of one 16 x 16 bf16 tile. */
    static final int TILE_INTS = 128;
    /** Local row stride: 8 data ints and 4 of padding (a multiple of 4, as ldmatrix rows must be 16-byte aligned). */
    static final int STRIDE = 12;

    private MatrixLoadKernels() {
    }

    /** One warp per group: out[item * 16 + 4 nt + j] = (A B) accumulator element j of n-tile nt (0, 1 via V; 2, 3 via K). */
    public static void ldmatrixMma(KernelContext ctx, IntArray a, IntArray bKMajor, IntArray bNMajor, FloatArray out) {
        int[] lm = ctx.allocateIntLocalArray(3 * 16 * STRIDE);
        int lid = ctx.localIdx;
        int from = ctx.groupIdx * TILE_INTS;
        for (int e = lid; e < TILE_INTS; e += 32) {
            int at = (e / 8) * STRIDE + e % 8;
            lm[at] = a.get(from + e);
            lm[16 * STRIDE + at] = bKMajor.get(from + e);
            lm[32 * STRIDE + at] = bNMajor.get(from + e);
        }
        ctx.localBarrier();
        int[] af = new int[4];
        int[] bv = new int[4];
        int[] bk = new int[4];
        ctx.ldmatrixX4(lm, 0, STRIDE, af, 0);
        ctx.ldmatrixX4Trans(lm, 16 * STRIDE, STRIDE, bv, 0);
        ctx.ldmatrixX4(lm, 32 * STRIDE, STRIDE, bk, 0);
        float[] acc = new float[16];
        for (int i = 0; i < 16; i++) {
            acc[i] = 0f;
        }
        ctx.mmaBf16Frag(af[0], af[1], af[2], af[3], bv[0], bv[1], acc, 0);
        ctx.mmaBf16Frag(af[0], af[1], af[2], af[3], bv[2], bv[3], acc, 4);
        ctx.mmaBf16Frag(af[0], af[1], af[2], af[3], bk[0], bk[2], acc, 8);
        ctx.mmaBf16Frag(af[0], af[1], af[2], af[3], bk[1], bk[3], acc, 12);
        for (int i = 0; i < 16; i++) {
            out.set(ctx.globalIdx * 16 + i, acc[i]);
        }
    }

    /** Small integers -4..4 as bf16 bits: every product and partial sum of a 16-deep dot product is exact. */
    private static int[][] smallInts(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[][] m = new int[16][16];
        for (int[] row : m) {
            for (int c = 0; c < 16; c++) {
                row[c] = r.nextInt(9) - 4;
            }
        }
        return m;
    }

    /** Packs {@code m[g]} row-major (transposed first if asked) as bf16 pairs, 8 ints a row, tile g at 128 g. */
    private static IntArray pack(int[][][] m, boolean transpose) {
        IntArray p = new IntArray(GROUPS * TILE_INTS);
        for (int g = 0; g < GROUPS; g++) {
            for (int r = 0; r < 16; r++) {
                for (int c = 0; c < 16; c += 2) {
                    int lo = transpose ? m[g][c][r] : m[g][r][c];
                    int hi = transpose ? m[g][c + 1][r] : m[g][r][c + 1];
                    p.set(g * TILE_INTS + r * 8 + c / 2, (BFloat16Array.fromFloat(lo) & 0xffff) | (BFloat16Array.fromFloat(hi) << 16));
                }
            }
        }
        return p;
    }

    static List<ConformanceCase> cases() {
        int[][][] a = new int[GROUPS][][];
        int[][][] b = new int[GROUPS][][];
        for (int g = 0; g < GROUPS; g++) {
            a[g] = smallInts(801 + g);
            b[g] = smallInts(811 + g);
        }
        return List.of(ConformanceCase.of(MatrixLoadKernels.class, "ldmatrixMma", () -> new Object[] {new KernelContext(),
                        pack(a, false), pack(b, false), pack(b, true), new FloatArray(GROUPS * 32 * 16)})
                .withGrid(() -> new WorkerGrid1D(GROUPS * 32).setLocalWork(32))
                .withCheck(args -> {
                    float[] out = ((FloatArray) args[4]).toHeapArray();
                    for (int g = 0; g < GROUPS; g++) {
                        for (int lane = 0; lane < 32; lane++) {
                            for (int i = 0; i < 16; i++) {
                                int row = lane / 4 + 8 * ((i % 4) / 2);
                                int col = 8 * ((i / 4) % 2) + 2 * (lane % 4) + i % 2;
                                int want = 0;
                                for (int k = 0; k < 16; k++) {
                                    want += a[g][row][k] * b[g][k][col];
                                }
                                int at = (g * 32 + lane) * 16 + i;
                                assertEquals(want, out[at], "group " + g + " lane " + lane + " accumulator " + i
                                        + (i < 8 ? " (B loaded transposed)" : " (B loaded n-major)"));
                            }
                        }
                    }
                }));
    }
}
