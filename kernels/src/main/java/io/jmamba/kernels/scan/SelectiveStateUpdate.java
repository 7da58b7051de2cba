package io.jmamba.kernels.scan;

import io.jmamba.kernels.support.GraphRuns;
import io.jmamba.kernels.support.Grids;
import io.jmamba.kernels.support.Shapes;
import io.jmamba.kernels.support.Tensor;
import io.jmamba.runtime.api.DataTransferMode;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.api.WorkerGrid1D;
import io.jmamba.runtime.backend.ComputeDevice;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Host API of the decode step of the selective SSM ({@link SelectiveStateUpdateKernels}); the state
 * tensor is updated in place, so a decode loop keeps it on the device:
 * <pre>{@code
 * SelectiveStateUpdate step = SelectiveStateUpdate.mamba2(ssmState, x, dt, A, B, C)
 *         .d(D).dtBias(dtBias).dtSoftplus(true).build();
 * Tensor y = step.addTo(graph, "ssm_step", grids);
 * }</pre>
 * Mamba-1 shapes: state {@code [batch, dim, dstate]}, x/dt/z {@code [batch, dim]}, A {@code [dim, dstate]},
 * B/C {@code [batch, dstate]} or {@code [batch, groups, dstate]}, D/dt_bias {@code [dim]}.
 * Mamba-2 shapes: state {@code [batch, nheads, headdim, dstate]}, x/z {@code [batch, nheads, headdim]},
 * dt {@code [batch, nheads]}, A/dt_bias {@code [nheads]}, D {@code [nheads]} or {@code [nheads, headdim]},
 * B/C {@code [batch, ngroups, dstate]}.
 * {@link Builder#variant} picks the kernel: {@link SelectiveStateUpdateVariant#LANES} (default, up to 32
 * work-items per state row) or the original one-work-item-per-row {@link SelectiveStateUpdateVariant#ROW_LOOP}.
 */
public final class SelectiveStateUpdate {
    private final Tensor state, x, dt, a, b, c, d, z, dtBias;
    private final boolean dtSoftplus;
    private final float dtMin, dtMax;
    private final StateUpdateShape shape;
    private final SelectiveStateUpdateVariant variant;

    private SelectiveStateUpdate(Builder bld) {
        state = bld.state;
        x = bld.x;
        dt = bld.dt;
        a = bld.a;
        b = bld.b;
        c = bld.c;
        d = bld.d;
        z = bld.z;
        dtBias = bld.dtBias;
        dtSoftplus = bld.dtSoftplus;
        dtMin = bld.dtMin;
        dtMax = bld.dtMax;
        variant = bld.variant;
        shape = bld.mamba2 ? StateUpdateShape.mamba2(state, x, dt, a, b, c, d, z, dtBias)
                : StateUpdateShape.mamba1(state, x, dt, a, b, c, d, z, dtBias);
        if (!bld.mamba2 && bld.hasLimit) {
            throw new IllegalArgumentException("dt_limit is a Mamba-2 option; the Mamba-1 step has none");
        }
        if ((long) shape.batch() * shape.heads() * shape.headdim() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("state has too many rows for int indexing: " + state.shapeString());
        }
        if ((long) shape.batch() * shape.heads() * shape.headdim() * KernelContext.WARP_SIZE > Integer.MAX_VALUE
                && variant == SelectiveStateUpdateVariant.LANES) {
            throw new IllegalArgumentException("state has too many rows for the LANES variant's int work-item ids: "
                    + state.shapeString());
        }
    }

    /** The Mamba-1 step (per-channel A). */
    public static Builder mamba1(Tensor state, Tensor x, Tensor dt, Tensor a, Tensor b, Tensor c) {
        return new Builder(false, state, x, dt, a, b, c);
    }

    /** The Mamba-2 step (heads; scalar A, dt, dt_bias per head). */
    public static Builder mamba2(Tensor state, Tensor x, Tensor dt, Tensor a, Tensor b, Tensor c) {
        return new Builder(true, state, x, dt, a, b, c);
    }

    /** Adds the step, writing into a new output tensor shaped like x. */
    public Tensor addTo(TaskGraph g, String prefix, GridScheduler grids) {
        return addTo(g, prefix, grids, Tensor.zeros(x.shape()));
    }

    /** Adds task {@code prefix} to {@code g}: updates the state in place and writes {@code out} (shaped like x). */
    public Tensor addTo(TaskGraph g, String prefix, GridScheduler grids, Tensor out) {
        Objects.requireNonNull(g, "graph");
        Shapes.require("out", out, x.shape());
        FloatArray placeholder = new FloatArray(1);
        g.transferToDevice(DataTransferMode.FIRST_EXECUTION, placeholder);
        int flags = (d != null ? SelectiveStateUpdateKernels.HAS_D : 0)
                | (z != null ? SelectiveStateUpdateKernels.HAS_Z : 0)
                | (dtBias != null ? SelectiveStateUpdateKernels.HAS_DT_BIAS : 0)
                | (dtSoftplus ? SelectiveStateUpdateKernels.DT_SOFTPLUS : 0)
                | (shape.dPerChannel() ? SelectiveStateUpdateKernels.D_PER_CHANNEL : 0)
                | (shape.mamba2() && (dtMin > 0f || dtMax < Float.POSITIVE_INFINITY) ? SelectiveStateUpdateKernels.HAS_DT_LIMIT : 0);
        FloatArray dArr = or(d, placeholder), zArr = or(z, placeholder), biasArr = or(dtBias, placeholder);
        long rows = (long) shape.batch() * shape.heads() * shape.headdim();
        if (variant == SelectiveStateUpdateVariant.LANES) {
            int lanes = SelectiveStateUpdateLaneKernels.lanesPerRow(shape.dstate());
            if (shape.mamba2()) {
                g.task(prefix, SelectiveStateUpdateLaneKernels::mamba2, new KernelContext(), state.data(), x.data(), dt.data(),
                        a.data(), b.data(), c.data(), dArr, zArr, biasArr, out.data(), shape.batch(), shape.heads(),
                        shape.headdim(), shape.groups(), dtMin, dtMax, shape.dstate(), lanes, flags);
            } else {
                g.task(prefix, SelectiveStateUpdateLaneKernels::mamba1, new KernelContext(), state.data(), x.data(), dt.data(),
                        a.data(), b.data(), c.data(), dArr, zArr, biasArr, out.data(), shape.batch(), shape.heads(),
                        shape.groups(), shape.dstate(), lanes, flags);
            }
            grids.addWorkerGrid(g.getName() + "." + prefix,
                    new WorkerGrid1D(SelectiveStateUpdateLaneKernels.globalSize(rows, lanes))
                            .setLocalWork(SelectiveStateUpdateLaneKernels.LOCAL));
            return out;
        }
        if (shape.mamba2()) {
            g.task(prefix, SelectiveStateUpdateKernels::mamba2, state.data(), x.data(), dt.data(), a.data(), b.data(), c.data(),
                    dArr, zArr, biasArr, out.data(), shape.batch(), shape.heads(), shape.headdim(), shape.groups(),
                    dtMin, dtMax, shape.dstate(), flags);
        } else {
            g.task(prefix, SelectiveStateUpdateKernels::mamba1, state.data(), x.data(), dt.data(), a.data(), b.data(), c.data(),
                    dArr, zArr, biasArr, out.data(), shape.batch(), shape.heads(), shape.groups(), shape.dstate(), flags);
        }
        grids.addWorkerGrid(g.getName() + "." + prefix, Grids.oneD(rows));
        return out;
    }

    /** Runs one step on {@code device}; the host state tensor is updated in place and returned with the output. */
    public StateUpdateResult run(ComputeDevice device) {
        Tensor out = Tensor.zeros(x.shape());
        GraphRuns.runOnce(device, "state_update", Arrays.asList(state, x, dt, a, b, c, d, z, dtBias),
                (g, grids) -> addTo(g, "step", grids, out), List.of(out, state));
        return new StateUpdateResult(out, state);
    }

    private static FloatArray or(Tensor t, FloatArray placeholder) {
        return t != null ? t.data() : placeholder;
    }

    /** Optional inputs and flags of a step; {@link #build()} checks every shape. */
    public static final class Builder {
        private final boolean mamba2;
        private final Tensor state, x, dt, a, b, c;
        private Tensor d, z, dtBias;
        private boolean dtSoftplus;
        private boolean hasLimit;
        private float dtMin = 0f, dtMax = Float.POSITIVE_INFINITY;
        private SelectiveStateUpdateVariant variant = SelectiveStateUpdateVariant.DEFAULT;

        private Builder(boolean mamba2, Tensor state, Tensor x, Tensor dt, Tensor a, Tensor b, Tensor c) {
            this.mamba2 = mamba2;
            this.state = state;
            this.x = x;
            this.dt = dt;
            this.a = a;
            this.b = b;
            this.c = c;
        }

        public Builder d(Tensor d) {
            this.d = d;
            return this;
        }

        public Builder z(Tensor z) {
            this.z = z;
            return this;
        }

        public Builder dtBias(Tensor dtBias) {
            this.dtBias = dtBias;
            return this;
        }

        public Builder dtSoftplus(boolean on) {
            this.dtSoftplus = on;
            return this;
        }

        /** Mamba-2's dt_limit: dt is clamped to [low, high] after the softplus (default: no clamp). */
        public Builder dtLimit(double low, double high) {
            if (!(low <= high)) {
                throw new IllegalArgumentException("dt_limit: low " + low + " must be <= high " + high);
            }
            this.hasLimit = true;
            this.dtMin = (float) low;
            this.dtMax = (float) high;
            return this;
        }

        /** Which kernel runs the step (default {@link SelectiveStateUpdateVariant#DEFAULT}). */
        public Builder variant(SelectiveStateUpdateVariant variant) {
            this.variant = Objects.requireNonNull(variant, "variant");
            return this;
        }

        public SelectiveStateUpdate build() {
            return new SelectiveStateUpdate(this);
        }
    }
}
