package io.jmamba.runtime.conformance;

import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.KernelMath;
import io.jmamba.runtime.api.Parallel;
import io.jmamba.runtime.api.WorkerGrid1D;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Register-fragment tensor-core intrinsics: {@code mmaBf16Frag}, {@code mmaF16Frag}, {@code mmaTf32Frag}
 * (full products of distinct random values against a double reference, so a lane reading a0 for a2, or
 * b0 for b1, gives a wrong element), {@code BFloat16Array.getPair/setPair} (also staged through local
 * memory), and {@code KernelMath.packBf16x2 / bf16x2Lo / bf16x2Hi / roundTf32}.
 *
 * <p>MMA inputs are multiples of 1/4 below 4 in magnitude: every partial sum is exact in float, so tensor
 * cores (any order) and the JVM's left-to-right sums agree bit for bit.
 */
public final class FragMmaKernels {
    /** Warps (16 x 8 output tiles, each with its own A and B) per test. */
    static final int TILES = 4;

    private FragMmaKernels() {
    }

    /**
     * One warp per tile: D = A (16 x 16, row-major bf16, fragments loaded with getPair) * B (16 x 8, given
     * as its transpose, 8 x 16 bf16, staged into local memory with getPair and read back as pairs) + C.
     * The accumulator sits at offset 4 of an 8-float array (the offset must be honoured).
     */
    public static void bf16Frag(KernelContext ctx, BFloat16Array a, BFloat16Array bT, FloatArray c) {
        int[] stage = ctx.allocateIntLocalArray(2 * 64); // two warps per group, 64 pairs of B^T each
        int warp = ctx.globalIdx / 32;
        int local = ctx.localIdx / 32;
        int lane = ctx.laneId();
        int g = lane / 4;
        int t = lane % 4;
        for (int i = lane; i < 64; i += 32) {
            stage[local * 64 + i] = bT.getPair(warp * 128 + 2 * i);
        }
        ctx.localBarrier();
        int base = warp * 256;
        int a0 = a.getPair(base + g * 16 + 2 * t);
        int a1 = a.getPair(base + (g + 8) * 16 + 2 * t);
        int a2 = a.getPair(base + g * 16 + 2 * t + 8);
        int a3 = a.getPair(base + (g + 8) * 16 + 2 * t + 8);
        // B^T row g holds column g of B: pairs (2t, 2t+1) and (2t+8, 2t+9) along k
        int b0 = stage[local * 64 + g * 8 + t];
        int b1 = stage[local * 64 + g * 8 + t + 4];
        float[] acc = new float[8];
        for (int j = 0; j < 4; j++) {
            acc[4 + j] = c.get(warp * 128 + (g + 8 * (j / 2)) * 8 + 2 * t + j % 2);
        }
        ctx.mmaBf16Frag(a0, a1, a2, a3, b0, b1, acc, 4);
        for (int j = 0; j < 4; j++) {
            c.set(warp * 128 + (g + 8 * (j / 2)) * 8 + 2 * t + j % 2, acc[4 + j]);
        }
    }

    /**
     * The same product with half-precision pairs (prepacked on the host into ints, low half = lower index),
     * and with B given row-major (16 x 8), so the fragment of B is built from two elements of a column.
     */
    public static void f16Frag(KernelContext ctx, IntArray aPairs, IntArray bPairs, FloatArray c) {
        int warp = ctx.globalIdx / 32;
        int lane = ctx.laneId();
        int g = lane / 4;
        int t = lane % 4;
        int ab = warp * 128;
        float[] acc = new float[4];
        ctx.mmaF16Frag(aPairs.get(ab + g * 8 + t), aPairs.get(ab + (g + 8) * 8 + t), aPairs.get(ab + g * 8 + t + 4),
                aPairs.get(ab + (g + 8) * 8 + t + 4), bPairs.get(warp * 64 + g * 8 + t), bPairs.get(warp * 64 + g * 8 + t + 4),
                acc, 0);
        for (int j = 0; j < 4; j++) {
            c.set(warp * 128 + (g + 8 * (j / 2)) * 8 + 2 * t + j % 2, acc[j]);
        }
    }

    /** m16n8k8 tf32: A 16 x 8 and B 8 x 8 row-major floats, two MMAs accumulated (the second with A and B negated halves). */
    public static void tf32Frag(KernelContext ctx, FloatArray a, FloatArray b, FloatArray c) {
        int warp = ctx.globalIdx / 32;
        int lane = ctx.laneId();
        int g = lane / 4;
        int t = lane % 4;
        int ab = warp * 128;
        int bb = warp * 64;
        float[] acc = new float[4];
        for (int j = 0; j < 4; j++) {
            acc[j] = c.get(warp * 128 + (g + 8 * (j / 2)) * 8 + 2 * t + j % 2);
        }
        ctx.mmaTf32Frag(a.get(ab + g * 8 + t), a.get(ab + (g + 8) * 8 + t), a.get(ab + g * 8 + t + 4),
                a.get(ab + (g + 8) * 8 + t + 4), b.get(bb + t * 8 + g), b.get(bb + (t + 4) * 8 + g), acc, 0);
        for (int j = 0; j < 4; j++) {
            c.set(warp * 128 + (g + 8 * (j / 2)) * 8 + 2 * t + j % 2, acc[j]);
        }
    }

    /** getPair/setPair on global arrays: each pair's halves swapped, int and long indices. */
    public static void pairs(KernelContext ctx, BFloat16Array in, BFloat16Array out) {
        int i = ctx.globalIdx;
        int p = in.getPair(2 * i);
        if (i % 2 == 0) {
            out.setPair(2 * i, (p >>> 16) | (p << 16));
        } else {
            out.setPair((long) (2 * i), (in.getPair((long) (2 * i)) >>> 16) | (p << 16));
        }
    }

    /** packBf16x2 bits, both halves widened back, and roundTf32. */
    public static void packAndRound(FloatArray x, IntArray packed, FloatArray halves, FloatArray tf32, int pairs) {
        for (@Parallel int i = 0; i < pairs; i++) {
            int p = KernelMath.packBf16x2(x.get(2 * i), x.get(2 * i + 1));
            packed.set(i, p);
            halves.set(2 * i, KernelMath.bf16x2Lo(p));
            halves.set(2 * i + 1, KernelMath.bf16x2Hi(p));
            tf32.set(2 * i, KernelMath.roundTf32(x.get(2 * i)));
            tf32.set(2 * i + 1, KernelMath.roundTf32(x.get(2 * i + 1)));
        }
    }

    /** A NaN through packBf16x2 stays a NaN (only floats are compared: NaN payloads differ between backends). */
    public static void nanThroughPack(FloatArray x, FloatArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            int p = KernelMath.packBf16x2(x.get(i), -x.get(i));
            out.set(2 * i, KernelMath.bf16x2Lo(p));
            out.set(2 * i + 1, KernelMath.bf16x2Hi(p));
        }
    }

    static List<ConformanceCase> cases() {
        return List.of(
                ConformanceCase.of(FragMmaKernels.class, "bf16Frag", () -> new Object[] {new KernelContext(),
                                MmaKernels.bf16Quarters(TILES * 256, 701), MmaKernels.bf16Quarters(TILES * 128, 702),
                                quarters(TILES * 128, 703)})
                        .withGrid(() -> new WorkerGrid1D(32 * TILES).setLocalWork(64)) // two warps per group share the staging array
                        .withCheck(args -> checkBf16(args, quarters(TILES * 128, 703))),
                ConformanceCase.of(FragMmaKernels.class, "f16Frag", () -> new Object[] {new KernelContext(),
                                halfPairs(TILES * 256, 704), halfPairs(TILES * 128, 705), new FloatArray(TILES * 128)})
                        .withGrid(() -> new WorkerGrid1D(32 * TILES).setLocalWork(32 * TILES))
                        .withCheck(FragMmaKernels::checkF16),
                ConformanceCase.of(FragMmaKernels.class, "tf32Frag", () -> new Object[] {new KernelContext(),
                                quarters(TILES * 128, 706), quarters(TILES * 64, 707), quarters(TILES * 128, 708)})
                        .withGrid(() -> new WorkerGrid1D(32 * TILES).setLocalWork(32))
                        .withCheck(args -> checkTf32(args, quarters(TILES * 128, 708))),
                ConformanceCase.of(FragMmaKernels.class, "pairs", () -> new Object[] {new KernelContext(),
                                MmaKernels.bf16Quarters(128, 709), new BFloat16Array(128)})
                        .withGrid(() -> new WorkerGrid1D(64).setLocalWork(32))
                        .withCheck(FragMmaKernels::checkPairs),
                ConformanceCase.of(FragMmaKernels.class, "packAndRound", () -> {
                            FloatArray x = FloatArray.fromArray(roundingInputs());
                            int n = (int) x.getSize();
                            return new Object[] {x, new IntArray(n / 2), new FloatArray(n), new FloatArray(n), n / 2};
                        })
                        .withCheck(FragMmaKernels::checkPackAndRound),
                ConformanceCase.of(FragMmaKernels.class, "nanThroughPack", () -> new Object[] {
                                FloatArray.fromArray(new float[] {Float.NaN, Float.intBitsToFloat(0xff800001), Float.intBitsToFloat(0x7f800001)}),
                                new FloatArray(6), 3})
                        .withCheck(args -> {
                            float[] out = ((FloatArray) args[1]).toHeapArray();
                            for (int i = 0; i < out.length; i++) {
                                assertEquals(true, Float.isNaN(out[i]), "element " + i + " = " + out[i] + " should be NaN");
                            }
                        }));
    }

    // ---------------------------------------------------------------- inputs

    static FloatArray quarters(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        FloatArray f = new FloatArray(n);
        for (int i = 0; i < n; i++) {
            f.set(i, r.nextInt(-15, 16) / 4f);
        }
        return f;
    }

    /** Half pairs of quarters: element 2i in the low half of int i. */
    private static IntArray halfPairs(int elements, long seed) {
        FloatArray f = quarters(elements, seed);
        IntArray p = new IntArray(elements / 2);
        for (int i = 0; i < elements / 2; i++) {
            p.set(i, (Float.floatToFloat16(f.get(2 * i)) & 0xffff) | (Float.floatToFloat16(f.get(2 * i + 1)) << 16));
        }
        return p;
    }

    private static float halfOf(int pairs, int element) {
        return Float.float16ToFloat((short) (pairs >>> (16 * (element & 1))));
    }

    /**
     * Rounding corner cases: bf16 ties (to even, both directions), just above and below ties, tf32 ties
     * (away from zero), subnormals, the largest finite float (overflows to infinity in both), infinities,
     * zeros of both signs, and random floats.
     */
    static float[] roundingInputs() {
        float[] fixed = {
                Float.intBitsToFloat(0x3f808000), Float.intBitsToFloat(0x3f818000), // bf16 ties: down to even, up to even
                Float.intBitsToFloat(0x3f808001), Float.intBitsToFloat(0x3f807fff),
                Float.intBitsToFloat(0x3f801000), Float.intBitsToFloat(0xbf801000), // tf32 ties: away from zero
                Float.intBitsToFloat(0x3f800fff), Float.intBitsToFloat(0x3f803000),
                Float.intBitsToFloat(0x00000001), Float.intBitsToFloat(0x80400000), // subnormals
                Float.MAX_VALUE, -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
                0f, -0f, 1f, -3.75f, Float.MIN_NORMAL, 65504f};
        SplittableRandom r = new SplittableRandom(710);
        float[] x = new float[64];
        System.arraycopy(fixed, 0, x, 0, fixed.length);
        for (int i = fixed.length; i < x.length; i++) {
            x[i] = (float) ((r.nextDouble() - 0.5) * Math.pow(2, r.nextInt(-30, 30)));
        }
        return x;
    }

    // ---------------------------------------------------------------- checks (independent of the JVM backend)

    private static void checkBf16(Object[] args, FloatArray c0) {
        BFloat16Array a = (BFloat16Array) args[1];
        BFloat16Array bT = (BFloat16Array) args[2];
        float[] c = ((FloatArray) args[3]).toHeapArray();
        for (int w = 0; w < TILES; w++) {
            for (int i = 0; i < 16; i++) {
                for (int j = 0; j < 8; j++) {
                    double s = c0.get(w * 128 + i * 8 + j);
                    for (int k = 0; k < 16; k++) {
                        s += (double) a.get(w * 256 + i * 16 + k) * bT.get(w * 128 + j * 16 + k);
                    }
                    assertEquals((float) s, c[w * 128 + i * 8 + j], "tile " + w + " D[" + i + "][" + j + "]");
                }
            }
        }
    }

    private static void checkF16(Object[] args) {
        IntArray a = (IntArray) args[1];
        IntArray b = (IntArray) args[2];
        float[] c = ((FloatArray) args[3]).toHeapArray();
        for (int w = 0; w < TILES; w++) {
            for (int i = 0; i < 16; i++) {
                for (int j = 0; j < 8; j++) {
                    double s = 0;
                    for (int k = 0; k < 16; k++) {
                        // A row-major 16 x 16 in pairs along k; B given as B^T (8 x 16) in pairs along k
                        s += (double) halfOf(a.get(w * 128 + i * 8 + k / 2), k) * halfOf(b.get(w * 64 + j * 8 + k / 2), k);
                    }
                    assertEquals((float) s, c[w * 128 + i * 8 + j], "tile " + w + " D[" + i + "][" + j + "]");
                }
            }
        }
    }

    private static void checkTf32(Object[] args, FloatArray c0) {
        FloatArray a = (FloatArray) args[1];
        FloatArray b = (FloatArray) args[2];
        float[] c = ((FloatArray) args[3]).toHeapArray();
        for (int w = 0; w < TILES; w++) {
            for (int i = 0; i < 16; i++) {
                for (int j = 0; j < 8; j++) {
                    double s = c0.get(w * 128 + i * 8 + j);
                    for (int k = 0; k < 8; k++) {
                        s += (double) a.get(w * 128 + i * 8 + k) * b.get(w * 64 + k * 8 + j);
                    }
                    assertEquals((float) s, c[w * 128 + i * 8 + j], "tile " + w + " D[" + i + "][" + j + "]");
                }
            }
        }
    }

    private static void checkPairs(Object[] args) {
        BFloat16Array in = (BFloat16Array) args[1];
        BFloat16Array out = (BFloat16Array) args[2];
        for (int i = 0; i < 128; i += 2) {
            assertEquals(in.getBits(i + 1), out.getBits(i), "out[" + i + "]");
            assertEquals(in.getBits(i), out.getBits(i + 1), "out[" + (i + 1) + "]");
        }
    }

    private static void checkPackAndRound(Object[] args) {
        float[] x = ((FloatArray) args[0]).toHeapArray();
        IntArray packed = (IntArray) args[1];
        float[] halves = ((FloatArray) args[2]).toHeapArray();
        float[] tf32 = ((FloatArray) args[3]).toHeapArray();
        for (int i = 0; i < x.length; i++) {
            float bf = bf16Nearest(x[i]);
            int half = i % 2 == 0 ? packed.get(i / 2) & 0xffff : packed.get(i / 2) >>> 16;
            assertEquals(Float.floatToRawIntBits(bf) >>> 16, half, "packed half of x[" + i + "] = " + x[i]);
            assertEquals(bf, halves[i], "widened half of x[" + i + "] = " + x[i]);
            assertEquals(tf32Nearest(x[i]), tf32[i], "roundTf32(" + x[i] + ")");
        }
    }

    /** bf16 round to nearest even, computed in double from the value (not the bits). */
    static float bf16Nearest(float x) {
        return roundToBits(x, 7, false);
    }

    /** tf32 round to nearest, ties away from zero, computed in double. */
    static float tf32Nearest(float x) {
        return roundToBits(x, 10, true);
    }

    private static float roundToBits(float x, int mantissaBits, boolean tiesAway) {
        if (Float.isInfinite(x) || x == 0) {
            return x;
        }
        int e = Math.max(Math.getExponent(x), Float.MIN_EXPONENT);
        double ulp = Math.scalb(1.0, e - mantissaBits);
        double q = Math.abs((double) x) / ulp; // exact: x has at most 24 significant bits
        double fl = Math.floor(q);
        double frac = q - fl;
        double n = frac > 0.5 ? fl + 1 : frac < 0.5 ? fl : tiesAway ? fl + 1 : (fl % 2 == 0 ? fl : fl + 1);
        double r = Math.copySign(n * ulp, x);
        double maxFinite = (2.0 - Math.scalb(1.0, -mantissaBits)) * Math.scalb(1.0, Float.MAX_EXPONENT);
        return Math.abs(r) > maxFinite ? (x > 0 ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY) : (float) r;
    }
}
