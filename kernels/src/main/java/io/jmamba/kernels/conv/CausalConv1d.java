package io.jmamba.kernels.conv;

import io.jmamba.kernels.support.GraphRuns;
import io.jmamba.kernels.support.Grids;
import io.jmamba.kernels.support.Shapes;
import io.jmamba.kernels.support.Tensor;
import io.jmamba.runtime.api.DataTransferMode;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.api.WorkerGrid2D;
import io.jmamba.runtime.backend.ComputeDevice;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Host API of the depthwise causal conv1d ({@link CausalConv1dKernels}): the forward over a whole
 * sequence (prefill) and the update over new tokens against a rolling state (decode).
 * <pre>{@code
 * CausalConv1d conv = CausalConv1d.forward(x, weight).bias(bias).silu(true).build();
 * CausalConv1dResult r = conv.addTo(graph, "conv0", grids);      // r.out(), r.state() = final_states
 * CausalConv1d step = CausalConv1d.update(convState, xNew, weight).bias(bias).silu(true).build();
 * Tensor y = step.addTo(graph, "conv_step", grids).out();        // convState updated in place
 * CausalConv1d old = CausalConv1d.forward(x, weight).forwardVariant(ConvForward.CHUNKS_4).build(); // to time against
 * }</pre>
 * Shapes: x, out {@code [batch, dim, seqlen]}; weight {@code [dim, width]} with width 2..8; bias
 * {@code [dim]}; initial/final states {@code [batch, dim, width-1]}; conv_state
 * {@code [batch, dim, state_len >= width-1]}.
 */
public final class CausalConv1d {
    private final boolean isUpdate;
    private final Tensor x, weight, bias, initialStates, convState;
    private final boolean silu;
    private final ConvForward variant;
    private final ConvShape shape;

    private CausalConv1d(Builder b) {
        isUpdate = b.isUpdate;
        x = b.x;
        weight = b.weight;
        bias = b.bias;
        initialStates = b.initialStates;
        convState = b.convState;
        silu = b.silu;
        variant = b.variant;
        shape = isUpdate ? ConvShape.update(convState, x, weight, bias) : ConvShape.forward(x, weight, bias, initialStates);
    }

    /** The forward over a whole sequence. */
    public static Builder forward(Tensor x, Tensor weight) {
        return new Builder(false, null, x, weight);
    }

    /** The decode update: new tokens {@code x} against {@code convState}, which is updated in place. */
    public static Builder update(Tensor convState, Tensor x, Tensor weight) {
        return new Builder(true, convState, x, weight);
    }

    /** Shape of the state this call produces: final_states (forward) or conv_state (update). */
    public long[] stateShape() {
        return new long[] {shape.batch(), shape.dim(), shape.stateLen()};
    }

    /** Adds the tasks, writing into new output tensors (for an update the state tensor is the conv_state itself). */
    public CausalConv1dResult addTo(TaskGraph g, String prefix, GridScheduler grids) {
        return addTo(g, prefix, grids, Tensor.zeros(x.shape()), isUpdate ? convState : Tensor.zeros(stateShape()));
    }

    /**
     * Adds the tasks to {@code g}: forward adds {@code prefix} (outputs) and {@code prefix + "_final"}
     * (final states), except that the vectorized layouts ({@link ConvForward#VECTOR_16}, the default)
     * write the final states from {@code prefix} itself unless {@code state} is the initial_states
     * tensor; update adds {@code prefix}, which also rolls the conv_state in place
     * ({@code state} must then be the conv_state tensor itself). For the forward, {@code state} may
     * be the initial_states tensor itself: the state then rolls forward in place.
     */
    public CausalConv1dResult addTo(TaskGraph g, String prefix, GridScheduler grids, Tensor out, Tensor state) {
        Objects.requireNonNull(g, "graph");
        Shapes.require("out", out, x.shape());
        Shapes.require(isUpdate ? "conv_state" : "final_states", state, stateShape());
        if (isUpdate && state != convState) {
            throw new IllegalArgumentException("conv_state: the update writes the state in place; pass the conv_state tensor itself");
        }
        FloatArray placeholder = new FloatArray(1);
        g.transferToDevice(DataTransferMode.FIRST_EXECUTION, placeholder);
        int flags = (bias != null ? CausalConv1dKernels.HAS_BIAS : 0)
                | (silu ? CausalConv1dKernels.SILU : 0)
                | (initialStates != null ? CausalConv1dKernels.HAS_INITIAL_STATES : 0);
        FloatArray biasArr = bias != null ? bias.data() : placeholder;
        int rows = shape.batch() * shape.dim();
        String graph = g.getName() + ".";
        if (isUpdate) {
            g.task(prefix, CausalConv1dKernels::update, convState.data(), x.data(), weight.data(), biasArr, out.data(),
                    shape.batch(), shape.dim(), shape.seqlen(), shape.stateLen(), shape.width(), flags);
            grids.addWorkerGrid(graph + prefix, Grids.oneD(rows));
        } else {
            FloatArray initArr = initialStates != null ? initialStates.data() : placeholder;
            int perItem = variant.outputsPerItem();
            switch (variant.kernel()) {
                // tokens in dimension 0, so a warp's accesses stay within one row; rows in dimension 1,
                // capped by Grids at CUDA's y limit (the row loop strides over the rest)
                case CHUNKED -> {
                    g.task(prefix, CausalConv1dKernels::forwardChunked, x.data(), weight.data(), biasArr, initArr, out.data(),
                            shape.batch(), shape.dim(), shape.seqlen(), shape.width(), flags, perItem);
                    grids.addWorkerGrid(graph + prefix, Grids.twoD((shape.seqlen() - 1L) / perItem + 1, rows));
                }
                case VECTORIZED, VECTORIZED_SHUFFLE -> {
                    // the final states come from the same launch unless they overwrite the initial states,
                    // which other work-items of the row may still be reading
                    boolean fused = initialStates == null || state.data() != initialStates.data();
                    int vectorsPerItem = perItem / CausalConv1dVectorKernels.VECTOR;
                    int vflags = flags | (fused ? CausalConv1dKernels.WRITE_FINAL_STATES : 0);
                    long items = vectorizedItems(shape.seqlen(), vectorsPerItem);
                    if (variant.kernel() == ConvForward.Kernel.VECTORIZED_SHUFFLE && shape.width() <= CausalConv1dVectorKernels.SHUFFLE_MAX_WIDTH) {
                        g.task(prefix, CausalConv1dVectorKernels::forwardVectorizedShuffle, new KernelContext(), x.data(), weight.data(),
                                biasArr, initArr, out.data(), state.data(), shape.batch(), shape.dim(), shape.seqlen(), shape.width(),
                                vflags, vectorsPerItem);
                        // exact grid in whole work-groups of a multiple of 32 items; the loops stride over the rest
                        long local = Math.min(SHUFFLE_LOCAL, items);
                        long global = Math.min((items + local - 1) / local * local, Grids.MAX_X);
                        grids.addWorkerGrid(graph + prefix,
                                new WorkerGrid2D(global, Math.min(rows, Grids.MAX_YZ)).setLocalWork(local, 1));
                    } else {
                        g.task(prefix, CausalConv1dVectorKernels::forwardVectorized, x.data(), weight.data(), biasArr, initArr, out.data(),
                                state.data(), shape.batch(), shape.dim(), shape.seqlen(), shape.width(), vflags, vectorsPerItem);
                        grids.addWorkerGrid(graph + prefix, Grids.twoD(items, rows));
                    }
                    if (fused) {
                        return new CausalConv1dResult(out, state);
                    }
                }
            }
            g.task(prefix + "_final", CausalConv1dKernels::finalStates, x.data(), initArr, state.data(),
                    shape.batch(), shape.dim(), shape.seqlen(), shape.width(), flags);
            grids.addWorkerGrid(graph + prefix + "_final", Grids.oneD(rows));
        }
        return new CausalConv1dResult(out, state);
    }

    /**
     * Work-group size of the shuffle forward (a multiple of 32 that divides Grids.MAX_X). Its kernel takes
     * 72 registers (nvcc, sm_90): 28 warps fit an SM's registers, 7 groups of 4 warps, but only 3 of 8.
     */
    private static final long SHUFFLE_LOCAL = 128;

    /** Work-items in dimension 0 of a vectorized forward: whole groups covering ceil(seqlen / 4) vectors. */
    static long vectorizedItems(int seqlen, int vectorsPerItem) {
        long vectors = (seqlen - 1L) / CausalConv1dVectorKernels.VECTOR + 1;
        long span = (long) CausalConv1dKernels.GROUP * vectorsPerItem;
        return ((vectors - 1) / span + 1) * CausalConv1dKernels.GROUP;
    }

    /**
     * Runs on {@code device} and returns the output and the state on the host (for an update, the
     * host conv_state tensor, updated in place).
     */
    public CausalConv1dResult run(ComputeDevice device) {
        Tensor out = Tensor.zeros(x.shape());
        Tensor state = isUpdate ? convState : Tensor.zeros(stateShape());
        GraphRuns.runOnce(device, isUpdate ? "conv_update" : "conv_forward",
                Arrays.asList(x, weight, bias, initialStates, convState),
                (g, grids) -> addTo(g, "conv", grids, out, state), List.of(out, state));
        return new CausalConv1dResult(out, state);
    }

    /** Optional inputs; {@link #build()} checks every shape. */
    public static final class Builder {
        private final boolean isUpdate;
        private final Tensor convState, x, weight;
        private Tensor bias, initialStates;
        private boolean silu;
        private ConvForward variant = ConvForward.DEFAULT;

        private Builder(boolean isUpdate, Tensor convState, Tensor x, Tensor weight) {
            this.isUpdate = isUpdate;
            this.convState = convState;
            this.x = x;
            this.weight = weight;
        }

        public Builder bias(Tensor bias) {
            this.bias = bias;
            return this;
        }

        /** Apply SiLU to the output (activation "silu"); off means none. */
        public Builder silu(boolean on) {
            this.silu = on;
            return this;
        }

        /** Forward only: the width-1 inputs before the first token, {@code [batch, dim, width-1]}. */
        public Builder initialStates(Tensor initialStates) {
            if (isUpdate && initialStates != null) {
                throw new IllegalArgumentException("initial_states: the update takes its history from conv_state");
            }
            this.initialStates = initialStates;
            return this;
        }

        /** Forward only: which kernel layout covers the outputs (all give the same answer); default {@link ConvForward#DEFAULT}. */
        public Builder forwardVariant(ConvForward variant) {
            this.variant = Objects.requireNonNull(variant, "forwardVariant");
            return this;
        }

        public CausalConv1d build() {
            return new CausalConv1d(this);
        }
    }
}
