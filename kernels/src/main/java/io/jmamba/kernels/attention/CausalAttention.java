package io.jmamba.kernels.attention;

import io.jmamba.kernels.support.GraphRuns;
import io.jmamba.kernels.support.Grids;
import io.jmamba.kernels.support.Shapes;
import io.jmamba.kernels.support.Tensor;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.api.WorkerGrid2D;
import io.jmamba.runtime.backend.ComputeDevice;

import java.util.List;
import java.util.Objects;

/**
 * Host API of softmax attention, the quadratic baseline the scans are measured against
 * ({@link CausalAttentionKernels}). q, k, v, out {@code [batch, nheads, seqlen, headdim]}; headdim
 * 1..256; scale defaults to {@code 1/sqrt(headdim)}; causal by default.
 * <pre>{@code
 * CausalAttention att = CausalAttention.of(q, k, v).scale(0.125).build();
 * Tensor out = att.addFlash(graph, "attn", grids);   // memory linear in seqlen (tiled kernel)
 * Tensor ref = att.addNaive(graph, "attn_naive", grids);  // materialises [b*h, L, L] scores
 * }</pre>
 */
public final class CausalAttention {
    /** The naive form refuses score matrices larger than this many elements (8 GiB of floats). */
    public static final long MAX_NAIVE_SCORES = Integer.MAX_VALUE;
    /** Queries per work-group of the tiled kernel. */
    public static final int QUERY_TILE = 64;
    /** Floats of one key (or value) tile in local memory: 16 KiB, so both fit 32 KiB. */
    public static final int TILE_FLOATS = 4096;

    private final Tensor q, k, v;
    private final float scale;
    private final boolean causal;
    private final AttentionShape shape;

    private CausalAttention(Builder b) {
        q = b.q;
        k = b.k;
        v = b.v;
        shape = AttentionShape.check(q, k, v);
        scale = b.scale != null ? b.scale : (float) (1.0 / Math.sqrt(shape.headdim()));
        causal = b.causal;
    }

    public static Builder of(Tensor q, Tensor k, Tensor v) {
        return new Builder(q, k, v);
    }

    public float scale() {
        return scale;
    }

    public Tensor addFlash(TaskGraph g, String prefix, GridScheduler grids) {
        return addFlash(g, prefix, grids, Tensor.zeros(q.shape()));
    }

    /**
     * Adds task {@code prefix}: flash-style attention, memory linear in seqlen. Uses the tiled
     * kernel ({@link #addFlashTiled}), whose work-groups share key/value tiles in local memory, and
     * the per-query kernel ({@link #addFlashPerQuery}) only where the tiled launch shape does not fit
     * (more than {@value Grids#MAX_YZ} (batch, head) rows).
     */
    public Tensor addFlash(TaskGraph g, String prefix, GridScheduler grids, Tensor out) {
        return (long) shape.batch() * shape.heads() <= Grids.MAX_YZ
                ? addFlashTiled(g, prefix, grids, out) : addFlashPerQuery(g, prefix, grids, out);
    }

    /** Adds task {@code prefix}: the online-softmax kernel, one work-item per (batch, head, query), no local memory. */
    public Tensor addFlashPerQuery(TaskGraph g, String prefix, GridScheduler grids, Tensor out) {
        Objects.requireNonNull(g, "graph");
        Shapes.require("out", out, q.shape());
        int rows = shape.batch() * shape.heads();
        g.task(prefix, CausalAttentionKernels::flash, q.data(), k.data(), v.data(), out.data(), rows, shape.seqlen(), scale,
                shape.headdim(), causal ? 1 : 0);
        grids.addWorkerGrid(g.getName() + "." + prefix, Grids.twoD(rows, shape.seqlen()));
        return out;
    }

    /**
     * Adds task {@code prefix}: {@link FlashAttentionTiledKernel}, work-groups of {@value #QUERY_TILE}
     * queries sharing key/value tiles in local memory (at most {@value #TILE_FLOATS} floats each).
     */
    public Tensor addFlashTiled(TaskGraph g, String prefix, GridScheduler grids, Tensor out) {
        Objects.requireNonNull(g, "graph");
        Shapes.require("out", out, q.shape());
        int rows = shape.batch() * shape.heads();
        if (rows > Grids.MAX_YZ) {
            throw new IllegalArgumentException("tiled attention launches one grid row per (batch, head): batch * nheads = "
                    + rows + " exceeds " + Grids.MAX_YZ + "; use addFlashPerQuery");
        }
        int keyTile = Math.max(1, Math.min(QUERY_TILE, TILE_FLOATS / shape.headdim()));
        long tiles = (shape.seqlen() + (long) QUERY_TILE - 1) / QUERY_TILE;
        g.task(prefix, FlashAttentionTiledKernel::flashTiled, new KernelContext(), q.data(), k.data(), v.data(), out.data(),
                shape.seqlen(), scale, shape.headdim(), causal ? 1 : 0, QUERY_TILE, keyTile, keyTile * shape.headdim());
        grids.addWorkerGrid(g.getName() + "." + prefix, new WorkerGrid2D(tiles * QUERY_TILE, rows).setLocalWork(QUERY_TILE, 1));
        return out;
    }

    public Tensor addNaive(TaskGraph g, String prefix, GridScheduler grids) {
        return addNaive(g, prefix, grids, Tensor.zeros(q.shape()));
    }

    /**
     * Adds tasks {@code prefix + "_scores"}, {@code "_softmax"}, {@code "_pv"}: scores, row softmax,
     * weighted sum of values, through a {@code [batch*nheads, seqlen, seqlen]} matrix on the device.
     */
    public Tensor addNaive(TaskGraph g, String prefix, GridScheduler grids, Tensor out) {
        Objects.requireNonNull(g, "graph");
        Shapes.require("out", out, q.shape());
        int rows = shape.batch() * shape.heads();
        long scoreCount;
        try {
            scoreCount = Math.multiplyExact((long) rows * shape.seqlen(), (long) shape.seqlen());
        } catch (ArithmeticException e) {
            scoreCount = Long.MAX_VALUE;
        }
        if (scoreCount > MAX_NAIVE_SCORES) {
            throw new IllegalArgumentException("naive attention would materialise " + rows + " x " + shape.seqlen() + " x "
                    + shape.seqlen() + " scores, more than " + MAX_NAIVE_SCORES + "; use the flash form (addFlash)");
        }
        FloatArray scores = new FloatArray(scoreCount);
        int c = causal ? 1 : 0;
        int queries = rows * shape.seqlen();
        String graph = g.getName() + ".";
        g.task(prefix + "_scores", CausalAttentionKernels::scores, q.data(), k.data(), scores, rows, shape.seqlen(), scale,
                shape.headdim(), c);
        g.task(prefix + "_softmax", CausalAttentionKernels::softmaxRows, scores, rows, shape.seqlen(), c);
        g.task(prefix + "_pv", CausalAttentionKernels::weightedSum, scores, v.data(), out.data(), rows, shape.seqlen(),
                shape.headdim(), c);
        grids.addWorkerGrid(graph + prefix + "_scores", Grids.twoD(queries, shape.seqlen()));
        grids.addWorkerGrid(graph + prefix + "_softmax", Grids.oneD(queries));
        grids.addWorkerGrid(graph + prefix + "_pv", Grids.twoD(queries, shape.headdim()));
        return out;
    }

    /** Runs the flash form on {@code device}; returns out on the host. */
    public Tensor runFlash(ComputeDevice device) {
        Tensor out = Tensor.zeros(q.shape());
        GraphRuns.runOnce(device, "attention", List.of(q, k, v), (g, grids) -> addFlash(g, "flash", grids, out), List.of(out));
        return out;
    }

    /** Runs the naive form on {@code device}; returns out on the host. */
    public Tensor runNaive(ComputeDevice device) {
        Tensor out = Tensor.zeros(q.shape());
        GraphRuns.runOnce(device, "attention", List.of(q, k, v), (g, grids) -> addNaive(g, "naive", grids, out), List.of(out));
        return out;
    }

    /** Scale and masking; {@link #build()} checks the shapes. */
    public static final class Builder {
        private final Tensor q, k, v;
        private Float scale;
        private boolean causal = true;

        private Builder(Tensor q, Tensor k, Tensor v) {
            this.q = q;
            this.k = k;
            this.v = v;
        }

        /** Multiplies q.k before the softmax (default 1/sqrt(headdim)). */
        public Builder scale(double scale) {
            this.scale = (float) scale;
            return this;
        }

        /** Causal (keys up to the query's position; the default) or full attention. */
        public Builder causal(boolean on) {
            this.causal = on;
            return this;
        }

        public CausalAttention build() {
            return new CausalAttention(this);
        }
    }
}
