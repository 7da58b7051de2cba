package io.jmamba.runtime.api;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** BFloat16Array conversions against an independent reference (exact decimal arithmetic), and the array API. */
class BFloat16ArrayTest {

    /** Every bf16 pattern widens exactly and rounds back to itself (a NaN only gains the quiet bit). */
    @Test
    void everyPatternRoundTrips() {
        for (int bits = 0; bits < 0x10000; bits++) {
            float f = BFloat16Array.toFloat((short) bits);
            assertEquals(bits << 16, Float.floatToRawIntBits(f));
            boolean nan = (bits & 0x7f80) == 0x7f80 && (bits & 0x7f) != 0;
            assertEquals(nan ? bits | 0x40 : bits, BFloat16Array.fromFloat(f) & 0xffff, "pattern 0x" + Integer.toHexString(bits));
        }
    }

    /** Random floats of every magnitude, plus ties: the nearest bf16, ties to the even mantissa. */
    @Test
    void roundsToNearestEven() {
        SplittableRandom r = new SplittableRandom(7);
        for (int k = 0; k < 200_000; k++) {
            int u = k < 1000 ? (r.nextInt() & 0xffff0000) | 0x8000 : r.nextInt(); // the first thousand are exact ties
            float f = Float.intBitsToFloat(u);
            if (Float.isNaN(f)) {
                assertTrue(Float.isNaN(BFloat16Array.toFloat(BFloat16Array.fromFloat(f))));
                continue;
            }
            assertEquals(reference(f), BFloat16Array.fromFloat(f) & 0xffff, "float 0x" + Integer.toHexString(u));
        }
    }

    /** The nearest of the two bf16 values around f by exact decimal distance; a tie picks the even one. */
    private static int reference(float f) {
        int u = Float.floatToRawIntBits(f);
        int lo = (u >>> 16) & 0xffff;
        int hi = lo + 1; // the next pattern away from zero (0x7f80 is infinity: the overflow target)
        if ((u & 0xffff) == 0) {
            return lo;
        }
        BigDecimal x = new BigDecimal(f).abs();
        BigDecimal a = new BigDecimal(BFloat16Array.toFloat((short) lo)).abs();
        BigDecimal b = (hi & 0x7fff) == 0x7f80 ? BigDecimal.valueOf(2).pow(128)
                : new BigDecimal(BFloat16Array.toFloat((short) hi)).abs();
        int c = x.subtract(a).compareTo(b.subtract(x));
        return c < 0 ? lo : c > 0 ? hi : ((lo & 1) == 0 ? lo : hi);
    }

    @Test
    void specialValues() {
        assertEquals(0x7f80, BFloat16Array.fromFloat(Float.POSITIVE_INFINITY) & 0xffff);
        assertEquals(0xff80, BFloat16Array.fromFloat(Float.NEGATIVE_INFINITY) & 0xffff);
        assertEquals(0x7f80, BFloat16Array.fromFloat(Float.MAX_VALUE) & 0xffff, "overflow rounds to infinity");
        assertEquals(0x8000, BFloat16Array.fromFloat(-0f) & 0xffff);
        assertEquals(0x0080, BFloat16Array.fromFloat(Float.intBitsToFloat(0x007fffff)) & 0xffff, "largest subnormal");
        assertEquals(0x0001, BFloat16Array.fromFloat(Float.intBitsToFloat(0x00010000)) & 0xffff, "bf16 subnormal kept");
        assertEquals(0x7fc0, BFloat16Array.fromFloat(Float.intBitsToFloat(0x7f800001)) & 0xffff, "NaN never becomes infinity");
        assertEquals(0xffc0, BFloat16Array.fromFloat(Float.intBitsToFloat(0xff800001)) & 0xffff, "NaN keeps its sign");
    }

    @Test
    void arrayApi() {
        BFloat16Array a = BFloat16Array.fromFloats(1f, 1.00390625f, -2.5f, 3e38f);
        assertEquals(4, a.getSize());
        assertEquals(8, a.byteSize());
        assertEquals("bf16", a.elementTypeName());
        assertArrayEquals(new float[] {1f, 1f, -2.5f, 3.0040553e38f}, a.toHeapArray());
        a.copyFrom(new float[] {0.5f, 0.25f, 0.125f, 1.01171875f});
        assertEquals(1.015625f, a.get(3L), "a tie between 1.0078125 and 1.015625 goes to the even mantissa");
        a.setBits(0, (short) 0x4049);
        assertEquals(3.140625f, a.get(0));
        assertThrows(IndexOutOfBoundsException.class, () -> a.get(4));
        assertThrows(IllegalArgumentException.class, () -> a.copyFrom(new float[3]));
        BFloat16Array view = BFloat16Array.fromSegment(a.getSegment());
        assertEquals(0.25f, view.get(1));
    }

    @Test
    void quadsMatchSingleElementAccess() {
        BFloat16Array a = BFloat16Array.fromFloats(1f, 2f, 3f, 4f, 5f, 6f);
        float[] r = new float[6];
        a.get4(1, r, 2);
        assertArrayEquals(new float[] {0f, 0f, 2f, 3f, 4f, 5f}, r);
        a.set4(2, new float[] {9f, 1.00390625f, -0f, 7f, 8f}, 1);
        assertArrayEquals(new float[] {1f, 2f, 1f, -0f, 7f, 8f}, a.toHeapArray(), "rounded like set (the tie goes to 1)");
        assertThrows(IndexOutOfBoundsException.class, () -> a.get4(3, new float[4], 0));
        assertThrows(IndexOutOfBoundsException.class, () -> a.set4(-1, new float[4], 0));
        FloatArray f = FloatArray.fromArray(1f, 2f, 3f, 4f, 5f);
        float[] q = new float[4];
        f.get4(1, q, 0);
        assertArrayEquals(new float[] {2f, 3f, 4f, 5f}, q);
        f.set4(0, new float[] {6f, 7f, 8f, 9f}, 0);
        assertArrayEquals(new float[] {6f, 7f, 8f, 9f, 5f}, f.toHeapArray());
        assertThrows(IndexOutOfBoundsException.class, () -> f.get4(2, new float[4], 0));
    }

    /** Pairs: element index in the low half, index + 1 in the high half; odd or out-of-range indices are errors. */
    @Test
    void pairsPackTwoElements() {
        BFloat16Array a = BFloat16Array.fromFloats(1f, -2f, 3f, 0.5f);
        assertEquals(0xc0003f80, a.getPair(0));
        assertEquals(0x3f004040, a.getPair(2L));
        a.setPair(2, 0x3f80c000);
        assertEquals(-2f, a.get(2));
        assertEquals(1f, a.get(3));
        IllegalArgumentException odd = assertThrows(IllegalArgumentException.class, () -> a.getPair(1));
        assertTrue(odd.getMessage().contains("pair index 1 is odd"), odd.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> a.setPair(4, 0));
        // KernelMath's packing is the same layout
        assertEquals(a.getPair(0), KernelMath.packBf16x2(a.get(0), a.get(1)));
        assertEquals(-2f, KernelMath.bf16x2Lo(a.getPair(2)));
        assertEquals(1f, KernelMath.bf16x2Hi(a.getPair(2)));
    }
}
