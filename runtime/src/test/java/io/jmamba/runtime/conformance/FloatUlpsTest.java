package io.jmamba.runtime.conformance;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ulp distance the suite's tolerances are stated in. */
class FloatUlpsTest {
    @Test
    void neighboursAreOneApart() {
        assertEquals(1, FloatUlps.distance(1f, Math.nextUp(1f)));
        assertEquals(1, FloatUlps.distance(-1f, Math.nextDown(-1f)));
        assertEquals(2, FloatUlps.distance(Math.nextDown(1.0), Math.nextUp(1.0)));
    }

    @Test
    void signedZerosDifferSoExactMeansSameBits() {
        assertEquals(1, FloatUlps.distance(0f, -0f));
        assertFalse(FloatUlps.within(0f, -0f, 0));
        assertFalse(FloatUlps.within(0.0, -0.0, 0));
        assertEquals(3, FloatUlps.distance(Float.MIN_VALUE, -Float.MIN_VALUE), "-min, -0, +0, min");
    }

    @Test
    void nanEqualsOnlyNan() {
        assertTrue(FloatUlps.within(Float.NaN, Float.intBitsToFloat(0x7fffffff), 0));
        assertFalse(FloatUlps.within(Float.NaN, Float.POSITIVE_INFINITY, Integer.MAX_VALUE));
        assertFalse(FloatUlps.within(0.0, Double.NaN, Integer.MAX_VALUE));
    }

    @Test
    void oppositeHugeValuesDoNotOverflow() {
        assertEquals(Long.MAX_VALUE, FloatUlps.distance(Double.MAX_VALUE, -Double.MAX_VALUE));
        assertEquals(3, FloatUlps.distance(Double.MIN_VALUE, -Double.MIN_VALUE));
        assertTrue(FloatUlps.distance(Float.MAX_VALUE, -Float.MAX_VALUE) > 1L << 31);
    }
}
