package io.jmamba.runtime.conformance;

/**
 * Distance between floats in units in the last place, on the ordered-integer view of IEEE 754 bit
 * patterns (so +0 and -0 are one apart, and the distance never depends on the magnitude). Any two
 * NaNs are equal, a NaN and a number are infinitely far apart.
 */
public final class FloatUlps {
    private FloatUlps() {
    }

    public static boolean within(float expected, float actual, int ulps) {
        if (Float.isNaN(expected) || Float.isNaN(actual)) {
            return Float.isNaN(expected) && Float.isNaN(actual);
        }
        return distance(expected, actual) <= ulps;
    }

    public static boolean within(double expected, double actual, int ulps) {
        if (Double.isNaN(expected) || Double.isNaN(actual)) {
            return Double.isNaN(expected) && Double.isNaN(actual);
        }
        return distance(expected, actual) <= ulps;
    }

    public static long distance(float a, float b) {
        return Math.abs((long) ordered(a) - ordered(b));
    }

    public static long distance(double a, double b) {
        long x = ordered(a);
        long y = ordered(b);
        // saturate: +huge and -huge are further apart than a long can say
        return (x >= 0) == (y >= 0) ? Math.abs(x - y) : (Math.abs(x) > Long.MAX_VALUE - Math.abs(y) ? Long.MAX_VALUE : Math.abs(x) + Math.abs(y));
    }

    private static int ordered(float f) {
        int bits = Float.floatToRawIntBits(f);
        return bits < 0 ? -(bits & 0x7fffffff) - 1 : bits;
    }

    private static long ordered(double d) {
        long bits = Double.doubleToRawLongBits(d);
        return bits < 0 ? -(bits & 0x7fffffffffffffffL) - 1 : bits;
    }
}
