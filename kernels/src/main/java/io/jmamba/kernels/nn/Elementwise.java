package io.jmamba.kernels.nn;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.backend.ComputeDevice;

import java.util.List;
import java.util.Objects;

/** Host API of the elementwise kernels on (rows, cols) tensors; {@code out} may alias {@code a}. */
public final class Elementwise {
    private Elementwise() {
    }

    /** The operation, and what its second operand {@code b} is. */
    public enum Op {
        /** out = softplus(a + b[col]); b: (cols) bias or null. */
        SOFTPLUS,
        /** out = silu(a); b: null. */
        SILU,
        /** out = a * silu(b); b: (rows, cols) gate. */
        GATE,
        /** out = a + b; b: (rows, cols). */
        ADD
    }

    /** Appends task {@code prefix + "_" + op} (lower case). */
    public static void addTo(TaskGraph graph, GridScheduler grids, String prefix, Op op, int rows, int cols,
                             FloatArray a, FloatArray b, FloatArray out) {
        Objects.requireNonNull(graph, "graph");
        Objects.requireNonNull(grids, "grids");
        GraphParts.checkPrefix(prefix);
        check(op, rows, cols, a, b, out);
        String id = prefix + "_" + op.name().toLowerCase(java.util.Locale.ROOT);
        switch (op) {
            case SOFTPLUS -> graph.task(id, ElementwiseKernels::softplus, a, GraphParts.orPlaceholder(graph, b), out, rows, cols,
                    b != null);
            case SILU -> graph.task(id, ElementwiseKernels::silu, a, out, rows, cols);
            case GATE -> graph.task(id, ElementwiseKernels::gate, a, b, out, rows, cols);
            case ADD -> graph.task(id, ElementwiseKernels::add, a, b, out, rows, cols);
        }
        grids.addWorkerGrid(graph.getName() + "." + id, GraphParts.loopGrid(cols, rows));
    }

    /** One call on {@code device}. */
    public static void run(ComputeDevice device, Op op, int rows, int cols, FloatArray a, FloatArray b, FloatArray out) {
        check(op, rows, cols, a, b, out);
        GraphParts.runOnce(device, "elementwise", GraphParts.arrays(a, b), List.of(out),
                (g, grids) -> addTo(g, grids, "ew", op, rows, cols, a, b, out));
    }

    static void check(Op op, int rows, int cols, FloatArray a, FloatArray b, FloatArray out) {
        Objects.requireNonNull(op, "op");
        ShapeCheck.requirePositive("rows", rows);
        ShapeCheck.requirePositive("cols", cols);
        ShapeCheck.requireShape("a", a, "(rows, cols)", rows, cols);
        ShapeCheck.requireShape("out", out, "(rows, cols)", rows, cols);
        switch (op) {
            case SOFTPLUS -> {
                if (b != null) {
                    ShapeCheck.requireShape("bias", b, "(cols)", cols);
                }
            }
            case SILU -> {
                if (b != null) {
                    throw new IllegalArgumentException("SILU takes no second operand, got an array of " + b.getSize() + " elements");
                }
            }
            case GATE -> ShapeCheck.requireShape("z", b, "(rows, cols)", rows, cols);
            case ADD -> ShapeCheck.requireShape("b", b, "(rows, cols)", rows, cols);
        }
    }
}
