package io.jmamba.runtime.conformance;

import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.Parallel;
import io.jmamba.runtime.api.WorkerGrid1D;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * bfloat16 storage: exact widening on load, round to nearest even on store (ties, overflow to
 * infinity, subnormals, NaN kept NaN), arithmetic in float, long indices, a bf16 array passed to a
 * helper method, and a KernelContext kernel. Compared bit for bit with the JVM on every device.
 */
public final class Bf16Kernels {
    static final int N = 200;

    /** Float bit patterns where rounding to bf16 is delicate, with the bf16 bits Java must give. */
    static final int[][] ROUNDING = {
            {0x3f808000, 0x3f80}, // tie, even below: stays
            {0x3f818000, 0x3f82}, // tie, odd below: rounds up
            {0x3f808001, 0x3f81}, // just above the tie
            {0x3f807fff, 0x3f80}, // just below the tie
            {0xbf818000, 0xbf82}, // negative tie rounds away from zero to the even one
            {0xbf808000, 0xbf80},
            {0x7f7fffff, 0x7f80}, // Float.MAX_VALUE rounds past the largest bf16: infinity
            {0x7f7f7fff, 0x7f7f}, // the largest finite bf16 stays
            {0x7f7f8000, 0x7f80}, // tie at the top, odd below: infinity
            {0xff7fffff, 0xff80},
            {0x00000001, 0x0000}, // the smallest subnormal float rounds to zero
            {0x00008000, 0x0000}, // subnormal tie, even below
            {0x00018000, 0x0002}, // subnormal tie, odd below
            {0x00010000, 0x0001}, // the smallest bf16 subnormal, exact
            {0x007fffff, 0x0080}, // the largest subnormal rounds up to the smallest normal
            {0x80018000, 0x8002},
            {0x7f800000, 0x7f80}, // infinities stay
            {0xff800000, 0xff80},
            {0x00000000, 0x0000},
            {0x80000000, 0x8000},
            {0x7fc00000, 0x7fc0}, // a quiet NaN
            {0xffc00001, 0xffc0}, // a negative NaN keeps its sign
            {0x7fa00000, 0x7fe0}, // a signalling NaN gets the quiet bit, keeps its top payload
            {0x7f800001, 0x7fc0}, // a NaN whose payload is all below bit 16: still a NaN, never infinity
    };

    private Bf16Kernels() {
    }

    /** Widening loads, round trips and rounding stores. */
    public static void bf16LoadStore(BFloat16Array b, FloatArray f, BFloat16Array roundTrip, FloatArray widened,
                                     BFloat16Array rounded, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            float x = b.get(i);
            widened.set(i, x);
            roundTrip.set(i, x);
            rounded.set(i, f.get(i));
        }
    }

    /** Float arithmetic on bf16 operands, stored to bf16 and to float. */
    public static void bf16Arithmetic(BFloat16Array x, BFloat16Array y, BFloat16Array out, FloatArray outF, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            float p = x.get(i) * y.get(i) + 0.375f;
            out.set(i, p);
            outF.set(i, p - x.get(i));
        }
    }

    /** Reads the first half and writes the second through long indices. */
    public static void bf16LongIndex(BFloat16Array b, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            long j = (long) n + i;
            b.set(j, b.get((long) i) * 0.5f - 1f);
        }
    }

    private static float scaledSum(BFloat16Array a, long from, int count, float scale) {
        float s = 0f;
        for (int k = 0; k < count; k++) {
            s += a.get(from + k) * scale;
        }
        return s;
    }

    /** A bf16 array handed to a helper method; each work-item sums a window of 4. */
    public static void bf16Helper(KernelContext ctx, BFloat16Array a, BFloat16Array out, float scale) {
        int i = ctx.globalIdx;
        out.set(i, scaledSum(a, 4L * i, 4, scale));
    }

    static List<ConformanceCase> cases() {
        return List.of(
                ConformanceCase.of(Bf16Kernels.class, "bf16LoadStore",
                                () -> new Object[] {edgeBf16(N, 301), roundingFloats(N, 302), new BFloat16Array(N),
                                        new FloatArray(N), new BFloat16Array(N), N})
                        .withCheck(args -> {
                            BFloat16Array b = (BFloat16Array) args[0];
                            BFloat16Array roundTrip = (BFloat16Array) args[2];
                            FloatArray widened = (FloatArray) args[3];
                            BFloat16Array rounded = (BFloat16Array) args[4];
                            for (int i = 0; i < N; i++) {
                                int bits = b.getBits(i) & 0xffff;
                                assertEquals(bits << 16, Float.floatToRawIntBits(widened.get(i)), "widened[" + i + "]");
                                int expectTrip = isNaN(bits) ? bits | 0x40 : bits;
                                assertEquals(expectTrip, roundTrip.getBits(i) & 0xffff, "roundTrip[" + i + "]");
                            }
                            for (int k = 0; k < ROUNDING.length; k++) {
                                assertEquals(ROUNDING[k][1], rounded.getBits(k) & 0xffff,
                                        "rounded[" + k + "] of float 0x" + Integer.toHexString(ROUNDING[k][0]));
                            }
                        }),
                ConformanceCase.of(Bf16Kernels.class, "bf16Arithmetic",
                        () -> new Object[] {randomBf16(N, 303, 1e-3, 300), randomBf16(N, 304, 1e-3, 300),
                                new BFloat16Array(N), new FloatArray(N), N}),
                ConformanceCase.of(Bf16Kernels.class, "bf16LongIndex", () -> new Object[] {edgeBf16(2 * N, 305), N}),
                ConformanceCase.of(Bf16Kernels.class, "bf16Helper",
                                () -> new Object[] {new KernelContext(), randomBf16(4 * 64, 306, -50, 50), new BFloat16Array(64), 0.75f})
                        .withGrid(() -> new WorkerGrid1D(64).setLocalWork(32))
                        .withCheck(args -> {
                            BFloat16Array a = (BFloat16Array) args[1];
                            BFloat16Array out = (BFloat16Array) args[2];
                            for (int i = 0; i < 64; i++) {
                                float s = 0f;
                                for (int k = 0; k < 4; k++) {
                                    s += a.get(4 * i + k) * 0.75f;
                                }
                                assertEquals(BFloat16Array.fromFloat(s), out.getBits(i), "out[" + i + "]");
                            }
                        }));
    }

    private static boolean isNaN(int bf16Bits) {
        return (bf16Bits & 0x7f80) == 0x7f80 && (bf16Bits & 0x7f) != 0;
    }

    /** The rounding cases first, then random floats of every magnitude (random bit patterns). */
    static FloatArray roundingFloats(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        FloatArray f = new FloatArray(n);
        for (int i = 0; i < n; i++) {
            f.set(i, Float.intBitsToFloat(i < ROUNDING.length ? ROUNDING[i][0] : r.nextInt()));
        }
        return f;
    }

    /** bf16 bit patterns: zeros, infinities, NaNs (quiet and signalling), subnormals, then random bits. */
    static BFloat16Array edgeBf16(int n, long seed) {
        int[] special = {0x0000, 0x8000, 0x7f80, 0xff80, 0x7fc0, 0xffc1, 0x7f81, 0x0001, 0x8001, 0x007f, 0x0080,
                0x7f7f, 0xff7f, 0x3f80, 0xbf80, 0x3f81};
        SplittableRandom r = new SplittableRandom(seed);
        BFloat16Array b = new BFloat16Array(n);
        for (int i = 0; i < n; i++) {
            b.setBits(i, (short) (i < special.length ? special[i] : r.nextInt(0x10000)));
        }
        return b;
    }

    /** Random normal bf16 values with magnitudes in [lo, hi) and random signs. */
    static BFloat16Array randomBf16(int n, long seed, double lo, double hi) {
        SplittableRandom r = new SplittableRandom(seed);
        BFloat16Array b = new BFloat16Array(n);
        for (int i = 0; i < n; i++) {
            b.set(i, (float) (r.nextDouble(lo, hi) * (r.nextBoolean() ? 1 : -1)));
        }
        return b;
    }
}
