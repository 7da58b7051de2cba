package io.jmamba.runtime.conformance;

/**
 * How closely a compiled backend's float and double results must match the JVM's. Integer, byte and
 * half-precision bit patterns are always compared exactly; this only governs float and double
 * elements.
 *
 * @param ulps   the largest distance allowed, in units in the last place of the JVM's value (0: the same
 *               bits; every NaN counts as equal to every NaN, since Java does not specify NaN payloads)
 * @param reason why this much and not less, shown in a failure message
 */
public record Tolerance(int ulps, String reason) {
    public Tolerance {
        if (ulps < 0) {
            throw new IllegalArgumentException("ulps must be >= 0");
        }
    }

    /** Bit-exact: +, -, *, /, sqrt, fma, conversions, min/max and compares are exactly specified by Java and IEEE 754. */
    public static Tolerance exact() {
        return new Tolerance(0, "IEEE 754 requires correctly rounded results for these operations");
    }

    /** A transcendental function's error bound: the OpenCL C spec's ulp bound for it plus Java's own 1 ulp. */
    public static Tolerance ulps(int ulps, String reason) {
        return new Tolerance(ulps, reason);
    }

    boolean isExact() {
        return ulps == 0;
    }
}
