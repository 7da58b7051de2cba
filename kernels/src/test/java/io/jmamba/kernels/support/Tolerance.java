package io.jmamba.kernels.support;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The fixtures' tolerance: a float32 result must be within {@code 1e-4 * max(1, max|ref|)} of the
 * reference, element by element. It is never loosened: a miss is a bug.
 */
public final class Tolerance {
    public static final double RELATIVE = 1e-4;

    private Tolerance() {
    }

    public static void assertClose(String what, Tensor expected, Tensor actual) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        double maxRef = 0;
        for (long i = 0; i < expected.numel(); i++) {
            maxRef = Math.max(maxRef, Math.abs(expected.data().get(i)));
        }
        if (!Double.isFinite(maxRef)) {
            fail(what + ": the reference itself is not finite (max |ref| = " + maxRef + "); the test's inputs are wrong");
        }
        double tol = RELATIVE * Math.max(1.0, maxRef);
        long worst = -1;
        double worstErr = 0;
        for (long i = 0; i < expected.numel(); i++) {
            double e = expected.data().get(i);
            double a = actual.data().get(i);
            double err = Math.abs(e - a);
            if (!(err <= tol)) {
                if (worst < 0 || !(err <= worstErr)) {
                    worst = i;
                    worstErr = err;
                }
            }
        }
        if (worst >= 0) {
            fail(what + ": element " + worst + " is " + actual.data().get(worst) + ", expected " + expected.data().get(worst)
                    + " (error " + worstErr + " > tolerance " + tol + ", shape " + expected.shapeString() + ")");
        }
    }
}
