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

/**
 * Host API of the per-row argmax: ids (rows) = argmax over logits (rows, vocab); ties go to the lowest
 * index, NaN is never chosen ({@link ArgmaxVariant} picks the kernels).
 */
public final class Argmax {
    private Argmax() {
    }

    /** Appends the {@link ArgmaxVariant#DEFAULT} kernels; the last task is {@code prefix + "_argmax"}. */
    public static void addTo(TaskGraph graph, GridScheduler grids, String prefix, int rows, int vocab, FloatArray logits,
                             IntArray out) {
        addTo(graph, grids, prefix, rows, vocab, logits, out, ArgmaxVariant.DEFAULT);
    }

    /**
     * Appends task {@code prefix + "_argmax"}: for {@link ArgmaxVariant#ONE_GROUP} one work-group of
     * {@link ArgmaxKernels#GROUP} per row; for {@link ArgmaxVariant#TWO_STAGE} it is preceded by
     * {@code prefix + "_argmax_parts"}, which writes per-slice partials into arrays this call allocates.
     */
    public static void addTo(TaskGraph graph, GridScheduler grids, String prefix, int rows, int vocab, FloatArray logits,
                             IntArray out, ArgmaxVariant variant) {
        Objects.requireNonNull(graph, "graph");
        Objects.requireNonNull(grids, "grids");
        Objects.requireNonNull(variant, "variant");
        GraphParts.checkPrefix(prefix);
        check(rows, vocab, logits, out);
        String id = prefix + "_argmax";
        if (variant == ArgmaxVariant.ONE_GROUP) {
            graph.task(id, ArgmaxKernels::argmax, new KernelContext(), logits, out, rows, vocab);
            grids.addWorkerGrid(graph.getName() + "." + id,
                    new WorkerGrid1D((long) rows * ArgmaxKernels.GROUP).setLocalWork(ArgmaxKernels.GROUP));
            return;
        }
        int parts = ArgmaxTwoStageKernels.partsPerRow(vocab);
        ShapeCheck.intProduct("rows * parts * " + ArgmaxTwoStageKernels.GROUP + " work-items", rows, parts,
                ArgmaxTwoStageKernels.GROUP);
        FloatArray partValue = new FloatArray((long) rows * parts);
        IntArray partIndex = new IntArray((long) rows * parts);
        String partsId = id + "_parts";
        graph.task(partsId, ArgmaxTwoStageKernels::partials, new KernelContext(), logits, partValue, partIndex, rows, vocab,
                parts);
        grids.addWorkerGrid(graph.getName() + "." + partsId,
                new WorkerGrid1D((long) rows * parts * ArgmaxTwoStageKernels.GROUP).setLocalWork(ArgmaxTwoStageKernels.GROUP));
        graph.task(id, ArgmaxTwoStageKernels::combine, new KernelContext(), partValue, partIndex, out, rows, parts);
        grids.addWorkerGrid(graph.getName() + "." + id,
                new WorkerGrid1D((long) rows * ArgmaxTwoStageKernels.GROUP).setLocalWork(ArgmaxTwoStageKernels.GROUP));
    }

    /** One call on {@code device} with the {@link ArgmaxVariant#DEFAULT} kernels. */
    public static void run(ComputeDevice device, int rows, int vocab, FloatArray logits, IntArray out) {
        run(device, rows, vocab, logits, out, ArgmaxVariant.DEFAULT);
    }

    /** One call on {@code device} with the given kernels. */
    public static void run(ComputeDevice device, int rows, int vocab, FloatArray logits, IntArray out, ArgmaxVariant variant) {
        check(rows, vocab, logits, out);
        GraphParts.runOnce(device, "argmax", GraphParts.arrays(logits), List.of(out),
                (g, grids) -> addTo(g, grids, "am", rows, vocab, logits, out, variant));
    }

    static void check(int rows, int vocab, FloatArray logits, IntArray out) {
        ShapeCheck.requirePositive("rows", rows);
        ShapeCheck.requirePositive("vocab", vocab);
        ShapeCheck.requireShape("logits", logits, "(rows, vocab)", rows, vocab);
        ShapeCheck.requireShape("out", out, "(rows)", rows);
        ShapeCheck.intProduct("rows * " + ArgmaxKernels.GROUP + " work-items", rows, ArgmaxKernels.GROUP);
    }
}
