package io.jmamba.kernels.scan;

import io.jmamba.kernels.support.Shapes;
import io.jmamba.kernels.support.Tensor;

/**
 * The sizes of one selective scan, read from its tensors and checked against each other; shared by
 * the reference and the host API so that both accept exactly the same inputs.
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
        Shapes.requireRank("u", u, 3, "[batch, dim, seqlen]");
        int batch = Shapes.requireIntExtent("batch", u.dim(0));
        int dim = Shapes.requireIntExtent("dim", u.dim(1));
        int seqlen = Shapes.requireIntExtent("seqlen", u.dim(2));
        if (batch < 1 || dim < 1 || seqlen < 1) {
            throw new IllegalArgumentException("u: every extent must be >= 1, got " + u.shapeString());
        }
        Shapes.require("delta", delta, batch, dim, seqlen);
        Shapes.requireRank("A", a, 2, "[dim, dstate]");
        int dstate = Shapes.requireRange("dstate", a.dim(1), 1, MAX_DSTATE, "the state lives in a per-work-item private array");
        Shapes.require("A", a, dim, dstate);
        int groups;
        Shapes.requirePresent("B", b);
        if (b.rank() == 3) {
            groups = 1;
            Shapes.require("B", b, batch, dstate, seqlen);
            Shapes.require("C", c, batch, dstate, seqlen);
        } else if (b.rank() == 4) {
            groups = (int) b.dim(1);
            if (groups < 1 || dim % groups != 0) {
                throw new IllegalArgumentException("B: groups = " + b.dim(1) + " must divide dim = " + dim
                        + " (B has shape " + b.shapeString() + ")");
            }
            Shapes.require("B", b, batch, groups, dstate, seqlen);
            Shapes.require("C", c, batch, groups, dstate, seqlen);
        } else {
            throw new IllegalArgumentException("B: expected rank 3 [batch, dstate, seqlen] or 4 [batch, groups, dstate, seqlen], got rank "
                    + b.rank() + " " + b.shapeString());
        }
        if (d != null) {
            Shapes.require("D", d, dim);
        }
        if (z != null) {
            Shapes.require("z", z, batch, dim, seqlen);
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
