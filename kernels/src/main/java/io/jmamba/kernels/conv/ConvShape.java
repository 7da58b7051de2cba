package io.jmamba.kernels.conv;

import io.jmamba.kernels.support.Bf16Tensor;

import io.jmamba.kernels.support.Shapes;
import io.jmamba.kernels.support.Tensor;

import java.util.Arrays;

/**
 * Checked sizes of a convolution, shared by the reference and the host APIs. The checks work on shapes
 * so that the float32 ({@link Tensor}) and bf16 ({@link Bf16Tensor}) forms give the same messages.
 */
record ConvShape(int batch, int dim, int seqlen, int width, int stateLen) {
    static final int MIN_WIDTH = 2;
    /** Each work-item holds the weights in a private array of this many floats at most. */
    static final int MAX_WIDTH = 8;

    static ConvShape forward(Tensor x, Tensor weight, Tensor bias, Tensor initialStates) {
        return forward(shape("x", x), shape("weight", weight), bias == null ? null : bias.shape(),
                initialStates == null ? null : initialStates.shape());
    }

    static ConvShape forward(Bf16Tensor x, Bf16Tensor weight, Bf16Tensor bias, Bf16Tensor initialStates) {
        return forward(shape("x", x), shape("weight", weight), bias == null ? null : bias.shape(),
                initialStates == null ? null : initialStates.shape());
    }

    /** Shapes of x, weight and the optional (null) bias and initial states. */
    private static ConvShape forward(long[] x, long[] weight, long[] bias, long[] initialStates) {
        requireRank("x", x, 3, "[batch, dim, seqlen]");
        int batch = Shapes.requireIntExtent("batch", x[0]);
        int dim = Shapes.requireIntExtent("dim", x[1]);
        int seqlen = Shapes.requireIntExtent("seqlen", x[2]);
        if (batch < 1 || dim < 1 || seqlen < 1) {
            throw new IllegalArgumentException("x: every extent must be >= 1, got " + Arrays.toString(x));
        }
        int width = width(weight, dim);
        if (bias != null) {
            require("bias", bias, dim);
        }
        if (initialStates != null) {
            require("initial_states", initialStates, batch, dim, width - 1);
        }
        rowsFitInt(batch, dim);
        return new ConvShape(batch, dim, seqlen, width, width - 1);
    }

    static ConvShape update(Tensor convState, Tensor x, Tensor weight, Tensor bias) {
        long[] xs = shape("x", x);
        requireRank("x", xs, 3, "[batch, dim, seqlen]");
        int batch = Shapes.requireIntExtent("batch", xs[0]);
        int dim = Shapes.requireIntExtent("dim", xs[1]);
        int seqlen = Shapes.requireIntExtent("seqlen", xs[2]);
        if (batch < 1 || dim < 1 || seqlen < 1) {
            throw new IllegalArgumentException("x: every extent must be >= 1, got " + x.shapeString());
        }
        int width = width(shape("weight", weight), dim);
        Shapes.requireRank("conv_state", convState, 3, "[batch, dim, state_len]");
        if (convState.dim(0) != batch || convState.dim(1) != dim || convState.dim(2) < width - 1) {
            throw new IllegalArgumentException("conv_state: expected [" + batch + ", " + dim + ", state_len >= " + (width - 1)
                    + "], got " + convState.shapeString());
        }
        if (bias != null) {
            Shapes.require("bias", bias, dim);
        }
        rowsFitInt(batch, dim);
        return new ConvShape(batch, dim, seqlen, width, Shapes.requireIntExtent("state_len", convState.dim(2)));
    }

    private static int width(long[] weight, int dim) {
        requireRank("weight", weight, 2, "[dim, width]");
        int width = Shapes.requireRange("width", weight[1], MIN_WIDTH, MAX_WIDTH,
                "the weights of a channel live in a per-work-item private array");
        require("weight", weight, dim, width);
        return width;
    }

    private static long[] shape(String name, Tensor t) {
        return Shapes.requirePresent(name, t).shape();
    }

    private static long[] shape(String name, Bf16Tensor t) {
        if (t == null) {
            throw new IllegalArgumentException(name + ": missing (null)");
        }
        return t.shape();
    }

    // the messages of Shapes.require and Shapes.requireRank, on a bare shape
    private static void require(String name, long[] shape, long... expected) {
        if (!Arrays.equals(shape, expected)) {
            throw new IllegalArgumentException(name + ": expected " + Arrays.toString(expected) + ", got " + Arrays.toString(shape));
        }
    }

    private static void requireRank(String name, long[] shape, int rank, String meaning) {
        if (shape.length != rank) {
            throw new IllegalArgumentException(name + ": expected rank " + rank + " " + meaning + ", got rank "
                    + shape.length + " " + Arrays.toString(shape));
        }
    }

    private static void rowsFitInt(int batch, int dim) {
        if ((long) batch * dim > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("batch * dim = " + (long) batch * dim + " is too large: kernels index rows with int");
        }
    }
}
