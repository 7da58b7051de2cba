package io.jmamba.kernels.nn;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.backend.ComputeDevice;

import java.util.List;
import java.util.Objects;

/** Host API of the embedding lookup: out (tokens, dim) = table (vocab, dim)[ids (tokens)]. */
public final class Embedding {
    private Embedding() {
    }

    /**
     * Appends task {@code prefix + "_embed"}. The ids may be written on the device later (argmax while
     * decoding), so they are not range-checked here; an id outside the vocabulary gives a NaN row.
     */
    public static void addTo(TaskGraph graph, GridScheduler grids, String prefix, int tokens, int dim, int vocab,
                             IntArray ids, FloatArray table, FloatArray out) {
        Objects.requireNonNull(graph, "graph");
        Objects.requireNonNull(grids, "grids");
        GraphParts.checkPrefix(prefix);
        check(tokens, dim, vocab, ids, table, out);
        String id = prefix + "_embed";
        graph.task(id, EmbeddingKernels::gather, ids, table, out, tokens, dim, vocab);
        grids.addWorkerGrid(graph.getName() + "." + id, GraphParts.loopGrid(dim, tokens));
    }

    /** One call on {@code device}; the ids are host data here, so each is checked against the vocabulary. */
    public static void run(ComputeDevice device, int tokens, int dim, int vocab, IntArray ids, FloatArray table, FloatArray out) {
        check(tokens, dim, vocab, ids, table, out);
        for (int t = 0; t < tokens; t++) {
            int v = ids.get(t);
            if (v < 0 || v >= vocab) {
                throw new IllegalArgumentException("ids[" + t + "] = " + v + " is outside the vocabulary [0, " + vocab + ")");
            }
        }
        GraphParts.runOnce(device, "embedding", GraphParts.arrays(ids, table), List.of(out),
                (g, grids) -> addTo(g, grids, "emb", tokens, dim, vocab, ids, table, out));
    }

    static void check(int tokens, int dim, int vocab, IntArray ids, FloatArray table, FloatArray out) {
        ShapeCheck.requirePositive("tokens", tokens);
        ShapeCheck.requirePositive("dim", dim);
        ShapeCheck.requirePositive("vocab", vocab);
        ShapeCheck.requireShape("ids", ids, "(tokens)", tokens);
        ShapeCheck.requireShape("table", table, "(vocab, dim)", vocab, dim);
        ShapeCheck.requireShape("out", out, "(tokens, dim)", tokens, dim);
    }
}
