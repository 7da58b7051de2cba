package io.jmamba.kernels.scan;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ScanMath against double-precision references, at the error bounds its Javadoc states. */
class ScanMathTest {

    @Test
    void softplusIsWithinItsStatedRelativeError() {
        double worst10 = 0, worst20 = 0, worstAll = 0;
        for (int i = -3_000_000; i <= 3_000_000; i++) {
            float x = i * 1e-5f;
            double want = Math.log1p(Math.exp(x));
            double rel = Math.abs(ScanMath.softplus(x) - want) / want;
            double ax = Math.abs(x);
            if (ax <= 10) {
                worst10 = Math.max(worst10, rel);
            } else if (ax <= 20) {
                worst20 = Math.max(worst20, rel);
            } else {
                worstAll = Math.max(worstAll, rel);
            }
        }
        // the JVM's exp2 is nearly exact: the bounds (which allow the device's 2 ulp) must hold with room
        assertTrue(worst10 <= 6.3e-7, "|x| <= 10: " + worst10);
        assertTrue(worst20 <= 1.1e-6, "10 < |x| <= 20: " + worst20);
        assertTrue(worstAll <= 1.9e-6, "|x| > 20: " + worstAll);
    }

    @Test
    void softplusEdges() {
        assertEquals(25f, ScanMath.softplus(25f));
        assertEquals(1e30f, ScanMath.softplus(1e30f));
        assertEquals(Float.POSITIVE_INFINITY, ScanMath.softplus(Float.POSITIVE_INFINITY));
        assertEquals(0f, ScanMath.softplus(Float.NEGATIVE_INFINITY));
        assertEquals(0f, ScanMath.softplus(-1e30f));
        assertTrue(Float.isNaN(ScanMath.softplus(Float.NaN)));
        assertEquals((float) Math.log(2), ScanMath.softplus(0f), 1e-7f);
    }

    @Test
    void siluMatchesTheDefinition() {
        for (int i = -400_000; i <= 400_000; i++) {
            float x = i * 1e-4f;
            double want = x / (1 + Math.exp(-x));
            double err = Math.abs(ScanMath.silu(x) - want);
            assertTrue(err <= (Math.abs(x) + 4) * 8e-8 * Math.abs(want), "silu(" + x + "): error " + err);
        }
        assertEquals(0f, ScanMath.silu(-200f), 0f);
        assertEquals(200f, ScanMath.silu(200f));
    }

    @Test
    void softplusApproxIsSoftplusExceptWhereItsExponentialFlushes() {
        for (int i = -3_000_000; i <= 3_000_000; i += 7) {
            float x = i * 1e-5f;
            assertEquals(ScanMath.softplus(x), ScanMath.softplusApprox(x), 0f, "x = " + x);
        }
        // e^-|x| below the smallest normal float: flushed, max(x, 0) exactly
        assertEquals(0f, ScanMath.softplusApprox(-100f));
        assertEquals(100f, ScanMath.softplusApprox(100f));
        assertEquals(0f, ScanMath.softplusApprox(Float.NEGATIVE_INFINITY));
        assertTrue(Float.isNaN(ScanMath.softplusApprox(Float.NaN)));
    }

    @Test
    void siluApproxIsWithinItsStatedError() {
        for (int i = -400_000; i <= 400_000; i++) {
            float x = i * 1e-4f;
            double want = x / (1 + Math.exp(-x));
            double err = Math.abs(ScanMath.siluApprox(x) - want);
            assertTrue(err <= (Math.abs(x) + 8) * 8e-8 * Math.abs(want), "siluApprox(" + x + "): error " + err);
        }
        assertEquals(0f, ScanMath.siluApprox(-200f), 0f); // s * s overflows: a zero
        assertEquals(200f, ScanMath.siluApprox(200f));
        assertEquals(0f, ScanMath.siluApprox(0f), 0f);
    }
}
