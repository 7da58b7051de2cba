package io.jmamba.runtime.conformance;

import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.HalfFloatArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.WorkerGrid1D;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Warp matrix multiply-accumulate: C (m x n, float) += A (m x k) * B (k x n), one warp per 16 x 8 tile
 * (or per 16 x 16, two tiles in one accumulator array), A and B bf16 or half. The inputs are multiples
 * of 1/4 below 4 in magnitude, so every partial sum is exact in float and tensor cores, whatever their
 * order, must agree with the JVM bit for bit; the JVM is checked against sums in double.
 */
public final class MmaKernels {
    static final int M = 32;
    static final int N = 16;
    static final int K = 48;

    private MmaKernels() {
    }

    /** One warp per 16 x 8 tile of C, K / 16 MMAs accumulated in registers. */
    public static void bf16Tiles(KernelContext ctx, BFloat16Array a, BFloat16Array b, FloatArray c, int n, int k) {
        int warp = ctx.globalIdx / ctx.warpSize();
        int lane = ctx.laneId();
        int tilesN = n / 8;
        int row0 = warp / tilesN * 16;
        int col0 = warp % tilesN * 8;
        float[] acc = new float[4];
        for (int j = 0; j < 4; j++) {
            acc[j] = c.get((row0 + lane / 4 + 8 * (j / 2)) * n + col0 + 2 * (lane % 4) + j % 2);
        }
        for (int kk = 0; kk < k; kk += 16) {
            ctx.mmaBf16(a, (long) row0 * k + kk, k, b, (long) kk * n + col0, n, acc, 0);
        }
        for (int j = 0; j < 4; j++) {
            c.set((row0 + lane / 4 + 8 * (j / 2)) * n + col0 + 2 * (lane % 4) + j % 2, acc[j]);
        }
    }

    /** One warp per 16 x 16 tile: two 16 x 8 halves in one 8-float accumulator (offsets 0 and 4), half inputs. */
    public static void f16WideTiles(KernelContext ctx, HalfFloatArray a, HalfFloatArray b, FloatArray c, int n, int k) {
        int warp = ctx.globalIdx / ctx.warpSize();
        int lane = ctx.laneId();
        int tilesN = n / 16;
        int row0 = warp / tilesN * 16;
        int col0 = warp % tilesN * 16;
        float[] acc = new float[8];
        for (int kk = 0; kk < k; kk += 16) {
            ctx.mmaF16(a, (long) row0 * k + kk, k, b, (long) kk * n + col0, n, acc, 0);
            ctx.mmaF16(a, (long) row0 * k + kk, k, b, (long) kk * n + col0 + 8, n, acc, 4);
        }
        for (int h = 0; h < 2; h++) {
            for (int j = 0; j < 4; j++) {
                c.set((row0 + lane / 4 + 8 * (j / 2)) * n + col0 + 8 * h + 2 * (lane % 4) + j % 2, acc[4 * h + j]);
            }
        }
    }

    static List<ConformanceCase> cases() {
        return List.of(
                ConformanceCase.of(MmaKernels.class, "bf16Tiles", () -> new Object[] {new KernelContext(),
                                bf16Quarters(M * K, 601), bf16Quarters(K * N, 602), quarters(M * N, 603), N, K})
                        .withGrid(() -> new WorkerGrid1D(32 * (M / 16) * (N / 8)).setLocalWork(64))
                        .withCheck(args -> checkProduct(args, ((BFloat16Array) args[1])::get, ((BFloat16Array) args[2])::get,
                                quarters(M * N, 603))),
                ConformanceCase.of(MmaKernels.class, "f16WideTiles", () -> new Object[] {new KernelContext(),
                                halfQuarters(M * K, 604), halfQuarters(K * N, 605), new FloatArray(M * N), N, K})
                        .withGrid(() -> new WorkerGrid1D(32 * (M / 16) * (N / 16)).setLocalWork(32))
                        .withCheck(args -> checkProduct(args, ((HalfFloatArray) args[1])::get, ((HalfFloatArray) args[2])::get,
                                new FloatArray(M * N))));
    }

    /** C after the run equals C before ({@code c0}) plus A * B, computed in double (exact for these inputs). */
    private static void checkProduct(Object[] args, java.util.function.LongToDoubleFunction a,
                                     java.util.function.LongToDoubleFunction b, FloatArray c0) {
        float[] c = ((FloatArray) args[3]).toHeapArray();
        for (int i = 0; i < M; i++) {
            for (int j = 0; j < N; j++) {
                double s = c0.get(i * N + j);
                for (int kk = 0; kk < K; kk++) {
                    s += a.applyAsDouble((long) i * K + kk) * b.applyAsDouble((long) kk * N + j);
                }
                assertEquals((float) s, c[i * N + j], "C[" + i + "][" + j + "]");
            }
        }
    }

    private static FloatArray quarters(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        FloatArray f = new FloatArray(n);
        for (int i = 0; i < n; i++) {
            f.set(i, r.nextInt(-15, 16) / 4f);
        }
        return f;
    }

    static BFloat16Array bf16Quarters(int n, long seed) {
        return BFloat16Array.fromFloats(quarters(n, seed).toHeapArray());
    }

    static HalfFloatArray halfQuarters(int n, long seed) {
        return HalfFloatArray.fromFloats(quarters(n, seed).toHeapArray());
    }
}
