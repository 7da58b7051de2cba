package io.jmamba.kernels.scan;

import io.jmamba.kernels.support.Bf16Tensor;

import io.jmamba.kernels.support.Shapes;
import io.jmamba.kernels.support.Tensor;

import java.util.Arrays;

/**
 * The sizes of one selective scan, read from its tensors and checked against each other; shared by
 * the reference and the host API so that both accept exactly the same inputs (fp32 or bf16 activations).
 *
 * @param batch  batch size
 * @param dim    channels (d_inner)
 * @param seqlen tokens
 * @param dstate state size per channel
 * @param groups how many B/C groups (1 when B and C have no group dimension)
 */
record SelectiveScanShape(int batch, int dim, int seqlen, int dstate, int groups) {
    /** The largest dstate the kernels take: each work-item keeps its state in a private array. */
    static final int MAX_DSTATE = 256;

    static SelectiveScanShape check(Tensor u, Tensor delta, Tensor a, Tensor b, Tensor c, Tensor d, Tensor z,
                                    Tensor deltaBias, Tensor initialState) {
        return check(Dims.of("u", u), Dims.of("delta", delta), a, Dims.of("B", b), Dims.of("C", c), d, Dims.of("z", z),
                deltaBias, initialState);
    }

    /** The bf16 path's check: u, delta, B, C and z are bf16, the rest fp32; the same rules and messages. */
    static SelectiveScanShape check(Bf16Tensor u, Bf16Tensor delta, Tensor a, Bf16Tensor b, Bf16Tensor c, Tensor d,
                                    Bf16Tensor z, Tensor deltaBias, Tensor initialState) {
        return check(Dims.of("u", u), Dims.of("delta", delta), a, Dims.of("B", b), Dims.of("C", c), d, Dims.of("z", z),
                deltaBias, initialState);
    }

    /** A named shape, whatever the dtype of the tensor it came from; null shape: the tensor is absent. */
    record Dims(String name, long[] shape) {
        static Dims of(String name, Tensor t) {
            return new Dims(name, t == null ? null : t.shape());
        }

        static Dims of(String name, Bf16Tensor t) {
            return new Dims(name, t == null ? null : t.shape());
        }

        boolean present() {
            return shape != null;
        }

        int rank() {
            return shape.length;
        }

        long dim(int i) {
            return shape[i];
        }

        /** As {@link Shapes#require}: "delta: expected [2, 64, 100], got [2, 64, 99]". */
        void require(long... expected) {
            requirePresent();
            if (!Arrays.equals(shape, expected)) {
                throw new IllegalArgumentException(name + ": expected " + Arrays.toString(expected) + ", got " + Arrays.toString(shape));
            }
        }

        void requirePresent() {
            if (shape == null) {
                throw new IllegalArgumentException(name + ": missing (null)");
            }
        }

        void requireRank(int rank, String meaning) {
            requirePresent();
            if (shape.length != rank) {
                throw new IllegalArgumentException(name + ": expected rank " + rank + " " + meaning + ", got rank "
                        + shape.length + " " + Arrays.toString(shape));
            }
        }
    }

    private static SelectiveScanShape check(Dims u, Dims delta, Tensor a, Dims b, Dims c, Tensor d, Dims z,
                                            Tensor deltaBias, Tensor initialState) {
        u.requireRank(3, "[batch, dim, seqlen]");
        int batch = Shapes.requireIntExtent("batch", u.dim(0));
        int dim = Shapes.requireIntExtent("dim", u.dim(1));
        int seqlen = Shapes.requireIntExtent("seqlen", u.dim(2));
        if (batch < 1 || dim < 1 || seqlen < 1) {
            throw new IllegalArgumentException("u: every extent must be >= 1, got " + Arrays.toString(u.shape()));
        }
        delta.require(batch, dim, seqlen);
        Shapes.requireRank("A", a, 2, "[dim, dstate]");
        int dstate = Shapes.requireRange("dstate", a.dim(1), 1, MAX_DSTATE, "the state lives in a per-work-item private array");
        Shapes.require("A", a, dim, dstate);
        int groups;
        b.requirePresent();
        if (b.rank() == 3) {
            groups = 1;
            b.require(batch, dstate, seqlen);
            c.require(batch, dstate, seqlen);
        } else if (b.rank() == 4) {
            groups = (int) b.dim(1);
            if (groups < 1 || dim % groups != 0) {
                throw new IllegalArgumentException("B: groups = " + b.dim(1) + " must divide dim = " + dim
                        + " (B has shape " + Arrays.toString(b.shape()) + ")");
            }
            b.require(batch, groups, dstate, seqlen);
            c.require(batch, groups, dstate, seqlen);
        } else {
            throw new IllegalArgumentException("B: expected rank 3 [batch, dstate, seqlen] or 4 [batch, groups, dstate, seqlen], got rank "
                    + b.rank() + " " + Arrays.toString(b.shape()));
        }
        if (d != null) {
            Shapes.require("D", d, dim);
        }
        if (z.present()) {
            z.require(batch, dim, seqlen);
        }
        if (deltaBias != null) {
            Shapes.require("delta_bias", deltaBias, dim);
        }
        if (initialState != null) {
            Shapes.require("initial_state", initialState, batch, dim, dstate);
        }
        return new SelectiveScanShape(batch, dim, seqlen, dstate, groups);
    }
}
