package io.jmamba.kernels.support;

import java.util.Arrays;

/**
 * Shape checks for host APIs. Every failure is an {@link IllegalArgumentException} whose message
 * names the argument and shows the expected and the actual shape, e.g.
 * {@code "delta: expected [2, 64, 100], got [2, 64, 99]"}.
 */
public final class Shapes {
    private Shapes() {
    }

    /** {@code t} must not be null and must have exactly {@code expected} as its shape. */
    public static Tensor require(String name, Tensor t, long... expected) {
        requirePresent(name, t);
        if (!Arrays.equals(t.shape(), expected)) {
            throw new IllegalArgumentException(name + ": expected " + Arrays.toString(expected) + ", got " + t.shapeString());
        }
        return t;
    }

    /** {@code t} must have rank {@code rank}; {@code meaning} names the dimensions, e.g. "[batch, dim, seqlen]". */
    public static Tensor requireRank(String name, Tensor t, int rank, String meaning) {
        requirePresent(name, t);
        if (t.rank() != rank) {
            throw new IllegalArgumentException(name + ": expected rank " + rank + " " + meaning + ", got rank "
                    + t.rank() + " " + t.shapeString());
        }
        return t;
    }

    public static Tensor requirePresent(String name, Tensor t) {
        if (t == null) {
            throw new IllegalArgumentException(name + ": missing (null)");
        }
        return t;
    }

    /** A size the kernels support only within {@code [min, max]}; {@code why} says where the limit comes from. */
    public static int requireRange(String name, long value, long min, long max, String why) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + " = " + value + " is not supported: must be in [" + min + ", "
                    + max + "] (" + why + ")");
        }
        return (int) value;
    }

    /** An extent that kernels index with {@code int}: must be below 2^31. */
    public static int requireIntExtent(String name, long value) {
        if (value > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(name + " = " + value + " is too large: kernels index this dimension with int");
        }
        return (int) value;
    }
}
