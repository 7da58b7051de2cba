package io.jmamba.kernels.nn;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.api.WorkerGrid1D;
import io.jmamba.runtime.backend.ComputeDevice;

import java.util.List;
import java.util.Objects;

/** Host API of the per-row argmax: ids (rows) = argmax over logits (rows, vocab). */
public final class Argmax {
    private Argmax() {
    }

    /** Appends task {@code prefix + "_argmax"} (one work-group of {@link ArgmaxKernels#GROUP} per row). */
    public static void addTo(TaskGraph graph, GridScheduler grids, String prefix, int rows, int vocab, FloatArray logits,
                             IntArray out) {
        Objects.requireNonNull(graph, "graph");
        Objects.requireNonNull(grids, "grids");
        GraphParts.checkPrefix(prefix);
        check(rows, vocab, logits, out);
        String id = prefix + "_argmax";
        graph.task(id, ArgmaxKernels::argmax, new KernelContext(), logits, out, rows, vocab);
        grids.addWorkerGrid(graph.getName() + "." + id,
                new WorkerGrid1D((long) rows * ArgmaxKernels.GROUP).setLocalWork(ArgmaxKernels.GROUP));
    }

    /** One call on {@code device}. */
    public static void run(ComputeDevice device, int rows, int vocab, FloatArray logits, IntArray out) {
        check(rows, vocab, logits, out);
        GraphParts.runOnce(device, "argmax", GraphParts.arrays(logits), List.of(out),
                (g, grids) -> addTo(g, grids, "am", rows, vocab, logits, out));
    }

    static void check(int rows, int vocab, FloatArray logits, IntArray out) {
        ShapeCheck.requirePositive("rows", rows);
        ShapeCheck.requirePositive("vocab", vocab);
        ShapeCheck.requireShape("logits", logits, "(rows, vocab)", rows, vocab);
        ShapeCheck.requireShape("out", out, "(rows)", rows);
        ShapeCheck.intProduct("rows * " + ArgmaxKernels.GROUP + " work-items", rows, ArgmaxKernels.GROUP);
    }
}
