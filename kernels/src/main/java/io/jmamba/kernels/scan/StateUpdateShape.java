package io.jmamba.kernels.scan;

import io.jmamba.kernels.support.Shapes;
import io.jmamba.kernels.support.Tensor;

/**
 * Checked sizes of one decode step, shared by the reference and the host API.
 *
 * @param mamba2     the Mamba-2 form (heads with scalar A, dt and dt_bias per head)
 * @param batch      batch size
 * @param heads      Mamba-1: channels (dim); Mamba-2: heads
 * @param headdim    Mamba-1: 1; Mamba-2: channels per head
 * @param dstate     state size
 * @param groups     B/C groups (heads, or channels, per group = heads / groups)
 * @param dPerChannel Mamba-2 only: D has shape [heads, headdim] instead of [heads]
 */
record StateUpdateShape(boolean mamba2, int batch, int heads, int headdim, int dstate, int groups, boolean dPerChannel) {

    static StateUpdateShape mamba1(Tensor state, Tensor x, Tensor dt, Tensor a, Tensor b, Tensor c, Tensor d, Tensor z,
                                   Tensor dtBias) {
        Shapes.requireRank("state", state, 3, "[batch, dim, dstate]");
        int batch = Shapes.requireIntExtent("batch", state.dim(0));
        int dim = Shapes.requireIntExtent("dim", state.dim(1));
        int dstate = Shapes.requireRange("dstate", state.dim(2), 1, SelectiveScanShape.MAX_DSTATE,
                "the state lives in a per-work-item private array");
        Shapes.require("x", x, batch, dim);
        Shapes.require("dt", dt, batch, dim);
        Shapes.require("A", a, dim, dstate);
        int groups = bcGroups(b, c, batch, dim, dstate, "dim");
        optional("D", d, dim);
        optional("z", z, batch, dim);
        optional("dt_bias", dtBias, dim);
        return new StateUpdateShape(false, batch, dim, 1, dstate, groups, false);
    }

    static StateUpdateShape mamba2(Tensor state, Tensor x, Tensor dt, Tensor a, Tensor b, Tensor c, Tensor d, Tensor z,
                                   Tensor dtBias) {
        Shapes.requireRank("state", state, 4, "[batch, nheads, headdim, dstate]");
        int batch = Shapes.requireIntExtent("batch", state.dim(0));
        int heads = Shapes.requireIntExtent("nheads", state.dim(1));
        int headdim = Shapes.requireIntExtent("headdim", state.dim(2));
        int dstate = Shapes.requireRange("dstate", state.dim(3), 1, SelectiveScanShape.MAX_DSTATE,
                "the state lives in a per-work-item private array");
        Shapes.require("x", x, batch, heads, headdim);
        Shapes.require("dt", dt, batch, heads);
        Shapes.require("A", a, heads);
        Shapes.requireRank("B", b, 3, "[batch, ngroups, dstate]");
        int groups = bcGroups(b, c, batch, heads, dstate, "nheads");
        boolean dPerChannel = false;
        if (d != null) {
            if (d.rank() == 2) {
                Shapes.require("D", d, heads, headdim);
                dPerChannel = true;
            } else {
                Shapes.require("D", d, heads);
            }
        }
        optional("z", z, batch, heads, headdim);
        optional("dt_bias", dtBias, heads);
        return new StateUpdateShape(true, batch, heads, headdim, dstate, groups, dPerChannel);
    }

    /** B and C: [batch, dstate] (one group) or [batch, groups, dstate] with groups dividing {@code units}. */
    private static int bcGroups(Tensor b, Tensor c, int batch, int units, int dstate, String unitName) {
        Shapes.requirePresent("B", b);
        if (b.rank() == 2) {
            Shapes.require("B", b, batch, dstate);
            Shapes.require("C", c, batch, dstate);
            return 1;
        }
        if (b.rank() != 3) {
            throw new IllegalArgumentException("B: expected rank 2 [batch, dstate] or 3 [batch, ngroups, dstate], got rank "
                    + b.rank() + " " + b.shapeString());
        }
        long groups = b.dim(1);
        if (groups < 1 || units % groups != 0) {
            throw new IllegalArgumentException("B: ngroups = " + groups + " must divide " + unitName + " = " + units
                    + " (B has shape " + b.shapeString() + ")");
        }
        Shapes.require("B", b, batch, groups, dstate);
        Shapes.require("C", c, batch, groups, dstate);
        return (int) groups;
    }

    private static void optional(String name, Tensor t, long... shape) {
        if (t != null) {
            Shapes.require(name, t, shape);
        }
    }
}
