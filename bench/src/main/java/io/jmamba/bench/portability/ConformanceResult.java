package io.jmamba.bench.portability;

/**
 * One kernel on one device against the JVM reference.
 *
 * @param kernel    kernel id
 * @param shape     its shape
 * @param pass      within tolerance and no NaN where the reference has none
 * @param maxAbsError largest |device - reference| (null when it did not run)
 * @param tolerance the bound it was held to
 * @param error     what went wrong when it did not run; null otherwise
 */
public record ConformanceResult(String kernel, String shape, boolean pass, Double maxAbsError, Double tolerance,
                                String error) {

    /** Compares {@code actual} with {@code reference}; a NaN where the reference is finite fails. */
    public static ConformanceResult compare(ConformanceCase c, float[] reference, float[] actual) {
        double tol = c.tolerance(reference);
        if (actual.length != reference.length) {
            return new ConformanceResult(c.id(), c.shape(), false, null, tol,
                    "output has " + actual.length + " values, reference " + reference.length);
        }
        double maxErr = 0;
        boolean nan = false;
        for (int i = 0; i < actual.length; i++) {
            if (Float.isNaN(actual[i]) != Float.isNaN(reference[i])) {
                nan = true;
                continue;
            }
            if (!Float.isNaN(actual[i])) {
                maxErr = Math.max(maxErr, Math.abs((double) actual[i] - reference[i]));
            }
        }
        return new ConformanceResult(c.id(), c.shape(), !nan && maxErr <= tol, maxErr, tol,
                nan ? "NaN where the reference has a number (or the other way round)" : null);
    }

    public static ConformanceResult failed(ConformanceCase c, Throwable e) {
        return new ConformanceResult(c.id(), c.shape(), false, null, null, e.toString());
    }
}
