package io.jmamba.kernels.conv;

import io.jmamba.kernels.support.Bf16Tensor;

import io.jmamba.kernels.support.Grids;
import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.DataTransferMode;
import io.jmamba.runtime.api.ExecutionPlan;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.api.WorkerGrid2D;
import io.jmamba.runtime.backend.ComputeDevice;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Host API of the bf16 causal conv1d forward ({@link CausalConv1dBf16Kernels}): x, weight, bias, the
 * initial and final states and the output in bf16, as causal_conv1d's bf16 path (weights in the input
 * dtype, float32 accumulation, one rounding of each output).
 * <pre>{@code
 * CausalConv1dBf16 conv = CausalConv1dBf16.forward(x, weight).bias(bias).silu(true).build();
 * CausalConv1dBf16.Result r = conv.addTo(graph, "conv0", grids);   // r.out(), r.state() = final_states
 * }</pre>
 * Shapes as {@link CausalConv1d}: x, out {@code [batch, dim, seqlen]}; weight {@code [dim, width]}
 * with width 2..8; bias {@code [dim]}; initial/final states {@code [batch, dim, width-1]}.
 */
public final class CausalConv1dBf16 {
    /** Vectors of four outputs per work-item of the {@link Layout#VECTORS} kernel by default. */
    public static final int DEFAULT_VECTORS_PER_ITEM = 4;
    /**
     * Pairs per work-item of the {@link Layout#PAIRS} kernel: 16 pairs are 64 bytes of new input in flight
     * per item; its kernel's launch bounds hold it to 72 registers (nvcc, sm_90), so 28 warps fit an SM
     * (56 KB in flight).
     */
    public static final int PAIRS_PER_ITEM = 16;
    /** Work-group size of the pairs kernel (a multiple of 32 that divides Grids.MAX_X; at most its launch bounds). */
    private static final long PAIRS_LOCAL = CausalConv1dBf16Kernels.PAIRS_MAX_LOCAL;

    /** Which bf16 kernel covers the outputs (both give the same answer). */
    public enum Layout {
        /**
         * {@link CausalConv1dBf16Kernels#forwardPairs} for even lengths (odd ones run {@link #VECTORS}):
         * inputs kept as raw bf16 pairs, halo by warp shuffles, two outputs rounded and stored together.
         * The default.
         */
        PAIRS,
        /**
         * {@link CausalConv1dBf16Kernels#forwardVectorized}, the first bf16 kernel: 8-byte loads widened to
         * float on load, halo loaded again. On the H100 (d 1536, width 4) it moved 1407 GB/s at 64K and
         * 1694 GB/s at 1M, 57-69% of the copy bandwidth: 64 registers for 32 bytes in flight per item.
         */
        VECTORS
    }

    private final Bf16Tensor x, weight, bias, initialStates;
    private final boolean silu;
    private final int vectorsPerItem;
    private final Layout layout;
    private final ConvShape shape;

    /**
     * What the forward produces.
     *
     * @param out   {@code [batch, dim, seqlen]}
     * @param state final_states {@code [batch, dim, width-1]}
     */
    public record Result(Bf16Tensor out, Bf16Tensor state) {
    }

    private CausalConv1dBf16(Builder b) {
        x = b.x;
        weight = b.weight;
        bias = b.bias;
        initialStates = b.initialStates;
        silu = b.silu;
        vectorsPerItem = b.vectorsPerItem;
        layout = b.layout;
        shape = ConvShape.forward(x, weight, bias, initialStates);
    }

    /** The forward over a whole sequence. */
    public static Builder forward(Bf16Tensor x, Bf16Tensor weight) {
        return new Builder(x, weight);
    }

    /** Shape of final_states. */
    public long[] stateShape() {
        return new long[] {shape.batch(), shape.dim(), shape.stateLen()};
    }

    /** Adds the task(s), writing into new bf16 output tensors. */
    public Result addTo(TaskGraph g, String prefix, GridScheduler grids) {
        return addTo(g, prefix, grids, Bf16Tensor.zeros(x.shape()), Bf16Tensor.zeros(stateShape()));
    }

    /**
     * Adds {@code prefix} (outputs, and the final states in the same launch) to {@code g}; when
     * {@code state} is the initial_states tensor itself (the state rolls forward in place), the final
     * states come from a second task {@code prefix + "_final"} that runs after every output is written.
     */
    public Result addTo(TaskGraph g, String prefix, GridScheduler grids, Bf16Tensor out, Bf16Tensor state) {
        Objects.requireNonNull(g, "graph");
        requireShape("out", out, x.shape());
        requireShape("final_states", state, stateShape());
        BFloat16Array placeholder = new BFloat16Array(1);
        g.transferToDevice(DataTransferMode.FIRST_EXECUTION, placeholder);
        boolean inPlace = initialStates != null && state.data() == initialStates.data();
        int flags = (bias != null ? CausalConv1dKernels.HAS_BIAS : 0)
                | (silu ? CausalConv1dKernels.SILU : 0)
                | (initialStates != null ? CausalConv1dKernels.HAS_INITIAL_STATES : 0);
        BFloat16Array biasArr = bias != null ? bias.data() : placeholder;
        BFloat16Array initArr = initialStates != null ? initialStates.data() : placeholder;
        int rows = shape.batch() * shape.dim();
        String graph = g.getName() + ".";
        int vflags = flags | (inPlace ? 0 : CausalConv1dKernels.WRITE_FINAL_STATES);
        if (layout == Layout.PAIRS && shape.seqlen() % 2 == 0) {
            g.task(prefix, CausalConv1dBf16Kernels::forwardPairs, new KernelContext(), x.data(), weight.data(), biasArr, initArr,
                    out.data(), state.data(), shape.batch(), shape.dim(), shape.seqlen(), shape.width(), vflags, PAIRS_PER_ITEM);
            // exact grid in whole work-groups of a multiple of 32 items; the loops stride over the rest
            long span = (long) CausalConv1dKernels.GROUP * PAIRS_PER_ITEM;
            long items = ((shape.seqlen() / 2 - 1) / span + 1) * CausalConv1dKernels.GROUP;
            long local = Math.min(PAIRS_LOCAL, items);
            long global = Math.min((items + local - 1) / local * local, Grids.MAX_X);
            grids.addWorkerGrid(graph + prefix, new WorkerGrid2D(global, Math.min(rows, Grids.MAX_YZ)).setLocalWork(local, 1));
        } else {
            g.task(prefix, CausalConv1dBf16Kernels::forwardVectorized, x.data(), weight.data(), biasArr, initArr, out.data(),
                    state.data(), shape.batch(), shape.dim(), shape.seqlen(), shape.width(), vflags, vectorsPerItem);
            grids.addWorkerGrid(graph + prefix, Grids.twoD(CausalConv1d.vectorizedItems(shape.seqlen(), vectorsPerItem), rows));
        }
        if (inPlace) {
            g.task(prefix + "_final", CausalConv1dBf16Kernels::finalStates, x.data(), initArr, state.data(),
                    shape.batch(), shape.dim(), shape.seqlen(), shape.width(), flags);
            grids.addWorkerGrid(graph + prefix + "_final", Grids.oneD(rows));
        }
        return new Result(out, state);
    }

    /** Runs once on {@code device} and returns the output and the final states on the host. */
    public Result run(ComputeDevice device) {
        Objects.requireNonNull(device, "device");
        Bf16Tensor out = Bf16Tensor.zeros(x.shape());
        Bf16Tensor state = Bf16Tensor.zeros(stateShape());
        TaskGraph g = new TaskGraph("conv_forward_bf16");
        List<Object> in = new ArrayList<>();
        for (Bf16Tensor t : Arrays.asList(x, weight, bias, initialStates)) {
            if (t != null) {
                in.add(t.data());
            }
        }
        g.transferToDevice(DataTransferMode.EVERY_EXECUTION, in.toArray());
        GridScheduler grids = new GridScheduler();
        addTo(g, "conv", grids, out, state);
        g.transferToHost(DataTransferMode.EVERY_EXECUTION, out.data(), state.data());
        try (ExecutionPlan plan = new ExecutionPlan(g.snapshot())) {
            plan.withDevice(device).withGridScheduler(grids).execute();
        }
        return new Result(out, state);
    }

    private static void requireShape(String name, Bf16Tensor t, long[] expected) {
        if (t == null) {
            throw new IllegalArgumentException(name + ": missing (null)");
        }
        if (!Arrays.equals(t.shape(), expected)) {
            throw new IllegalArgumentException(name + ": expected " + Arrays.toString(expected) + ", got " + Arrays.toString(t.shape()));
        }
    }

    /** Optional inputs; {@link #build()} checks every shape. */
    public static final class Builder {
        private final Bf16Tensor x, weight;
        private Bf16Tensor bias, initialStates;
        private boolean silu;
        private int vectorsPerItem = DEFAULT_VECTORS_PER_ITEM;
        private Layout layout = Layout.PAIRS;

        private Builder(Bf16Tensor x, Bf16Tensor weight) {
            this.x = x;
            this.weight = weight;
        }

        public Builder bias(Bf16Tensor bias) {
            this.bias = bias;
            return this;
        }

        /** Apply SiLU to the output (activation "silu"); off means none. */
        public Builder silu(boolean on) {
            this.silu = on;
            return this;
        }

        /** The width-1 inputs before the first token, {@code [batch, dim, width-1]}. */
        public Builder initialStates(Bf16Tensor initialStates) {
            this.initialStates = initialStates;
            return this;
        }

        /** Which kernel covers the outputs (all give the same answer); default {@link Layout#PAIRS}. */
        public Builder layout(Layout layout) {
            this.layout = Objects.requireNonNull(layout, "layout");
            return this;
        }

        /** Vectors of four outputs each work-item of the {@link Layout#VECTORS} kernel computes (1 to 8); default {@link #DEFAULT_VECTORS_PER_ITEM}. */
        public Builder vectorsPerItem(int n) {
            if (n < 1 || n > 8) {
                throw new IllegalArgumentException("vectorsPerItem = " + n + " is not supported: must be in [1, 8]");
            }
            this.vectorsPerItem = n;
            return this;
        }

        public CausalConv1dBf16 build() {
            return new CausalConv1dBf16(this);
        }
    }
}
