package io.jmamba.kernels.attention;

import io.jmamba.kernels.support.Shapes;
import io.jmamba.kernels.support.Tensor;

/** Checked sizes of an attention call, shared by the reference and the host API. */
record AttentionShape(int batch, int heads, int seqlen, int headdim) {
    /** A query row and its accumulator live in per-work-item private arrays of this many floats at most. */
    static final int MAX_HEADDIM = 256;

    static AttentionShape check(Tensor q, Tensor k, Tensor v) {
        Shapes.requireRank("q", q, 4, "[batch, nheads, seqlen, headdim]");
        int batch = Shapes.requireIntExtent("batch", q.dim(0));
        int heads = Shapes.requireIntExtent("nheads", q.dim(1));
        int seqlen = Shapes.requireIntExtent("seqlen", q.dim(2));
        int headdim = Shapes.requireRange("headdim", q.dim(3), 1, MAX_HEADDIM,
                "a query row and its accumulator live in per-work-item private arrays");
        if (batch < 1 || heads < 1 || seqlen < 1) {
            throw new IllegalArgumentException("q: every extent must be >= 1, got " + q.shapeString());
        }
        Shapes.require("k", k, q.shape());
        Shapes.require("v", v, q.shape());
        if ((long) batch * heads > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("batch * nheads = " + (long) batch * heads + " is too large for int indexing");
        }
        return new AttentionShape(batch, heads, seqlen, headdim);
    }
}
