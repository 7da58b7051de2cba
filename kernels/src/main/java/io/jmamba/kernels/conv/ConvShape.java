package io.jmamba.kernels.conv;

import io.jmamba.kernels.support.Shapes;
import io.jmamba.kernels.support.Tensor;

/** Checked sizes of a convolution, shared by the reference and the host API. */
record ConvShape(int batch, int dim, int seqlen, int width, int stateLen) {
    static final int MIN_WIDTH = 2;
    /** Each work-item holds the weights in a private array of this many floats at most. */
    static final int MAX_WIDTH = 8;

    static ConvShape forward(Tensor x, Tensor weight, Tensor bias, Tensor initialStates) {
        Shapes.requireRank("x", x, 3, "[batch, dim, seqlen]");
        int batch = Shapes.requireIntExtent("batch", x.dim(0));
        int dim = Shapes.requireIntExtent("dim", x.dim(1));
        int seqlen = Shapes.requireIntExtent("seqlen", x.dim(2));
        if (batch < 1 || dim < 1 || seqlen < 1) {
            throw new IllegalArgumentException("x: every extent must be >= 1, got " + x.shapeString());
        }
        int width = width(weight, dim);
        if (bias != null) {
            Shapes.require("bias", bias, dim);
        }
        if (initialStates != null) {
            Shapes.require("initial_states", initialStates, batch, dim, width - 1);
        }
        rowsFitInt(batch, dim);
        return new ConvShape(batch, dim, seqlen, width, width - 1);
    }

    static ConvShape update(Tensor convState, Tensor x, Tensor weight, Tensor bias) {
        Shapes.requireRank("x", x, 3, "[batch, dim, seqlen]");
        int batch = Shapes.requireIntExtent("batch", x.dim(0));
        int dim = Shapes.requireIntExtent("dim", x.dim(1));
        int seqlen = Shapes.requireIntExtent("seqlen", x.dim(2));
        if (batch < 1 || dim < 1 || seqlen < 1) {
            throw new IllegalArgumentException("x: every extent must be >= 1, got " + x.shapeString());
        }
        int width = width(weight, dim);
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

    private static int width(Tensor weight, int dim) {
        Shapes.requireRank("weight", weight, 2, "[dim, width]");
        int width = Shapes.requireRange("width", weight.dim(1), MIN_WIDTH, MAX_WIDTH,
                "the weights of a channel live in a per-work-item private array");
        Shapes.require("weight", weight, dim, width);
        return width;
    }

    private static void rowsFitInt(int batch, int dim) {
        if ((long) batch * dim > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("batch * dim = " + (long) batch * dim + " is too large: kernels index rows with int");
        }
    }
}
