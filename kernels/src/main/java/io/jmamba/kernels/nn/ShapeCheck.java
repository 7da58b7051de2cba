package io.jmamba.kernels.nn;

import io.jmamba.runtime.api.NativeArray;

import java.util.Arrays;

/**
 * Argument checks shared by the host APIs of the ssd, norm and nn kernels. Off-heap arrays carry
 * no shape, so each check compares an array's element count with the shape the call implies and,
 * when they differ, names the argument, the expected shape (with its dimension names) and what was
 * given.
 *
 * <p>Kept deliberately small: once the shared tensor/shape record of {@code io.jmamba.kernels.support}
 * is in use, the rank checks move there.
 */
public final class ShapeCheck {
    private ShapeCheck() {
    }

    /**
     * Checks that {@code array} holds exactly the elements of {@code shape}.
     *
     * @param dimNames the names of the dimensions, for the message: "(batch, seqlen, heads, headdim)"
     */
    public static void requireShape(String name, NativeArray array, String dimNames, long... shape) {
        if (array == null) {
            throw new IllegalArgumentException(name + " is required: expected shape " + dimNames + " = "
                    + Arrays.toString(shape));
        }
        long expected = elements(name, shape);
        if (array.getSize() != expected) {
            throw new IllegalArgumentException(name + ": expected shape " + dimNames + " = " + Arrays.toString(shape)
                    + " (" + expected + " elements), got an array of " + array.getSize() + " elements");
        }
    }

    /** Checks that {@code value} is at least 1. */
    public static void requirePositive(String name, long value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be >= 1, got " + value);
        }
    }

    /** Checks {@code min <= value <= max}, saying which kernel limit it is. */
    public static void requireRange(String what, long value, long min, long max, String why) {
        if (value < min || value > max) {
            throw new IllegalArgumentException("unsupported " + what + " " + value + ": supported range is [" + min
                    + ", " + max + "] (" + why + ")");
        }
    }

    /** Checks that a product of sizes used as a kernel's int loop bound fits an int. */
    public static int intProduct(String what, long... factors) {
        long p = 1;
        for (long f : factors) {
            p = Math.multiplyExact(p, f);
        }
        if (p > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(what + " = " + p + " exceeds the 2^31-1 work-items one launch "
                    + "dimension can index; split the call");
        }
        return (int) p;
    }

    /** Number of elements of {@code shape}, checking for overflow and negative sizes. */
    public static long elements(String name, long... shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException(name + ": negative dimension in shape " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }
}
