package io.jmamba.kernels.nn;

import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.api.WorkerGrid1D;
import io.jmamba.runtime.api.WorkerGrid2D;
import io.jmamba.runtime.backend.ComputeDevice;

import java.util.List;
import java.util.Objects;

/**
 * Host API of {@link GemvBf16ArgmaxKernel}: logits = x . W^T (+ bias) with bf16 W and the greedy ids of those
 * logits in two launches (the GEMV with the argmax partials, then {@link GemvBf16ArgmaxKernel#combine}) instead of
 * three ({@link LinearBf16}'s GEMV, then {@link Argmax}). Same ids as {@link Argmax} of the same logits.
 */
public final class GemvArgmax {
    private GemvArgmax() {
    }

    /** Whether the kernel takes rows of {@code in} columns. */
    public static boolean fits(int in) {
        return in > 0 && in % 8 == 0 && in <= GemvBf16ArgmaxKernel.MAX_IN;
    }

    /**
     * Tasks {@code prefix + "_gemvam"} (logits and partials, into arrays this call allocates) and {@code prefix +
     * "_argmax"} (ids). {@code wPacked}: {@link LinearBf16#packedView} of the (out, in) bf16 weight; {@code bias} may
     * be null.
     */
    public static void addTo(TaskGraph graph, GridScheduler grids, String prefix, int rows, int in, int out, FloatArray x,
                             FloatArray wPacked, FloatArray bias, FloatArray logits, IntArray ids) {
        Objects.requireNonNull(graph, "graph");
        Objects.requireNonNull(grids, "grids");
        GraphParts.checkPrefix(prefix);
        check(rows, in, out, "x", x, wPacked, bias, logits, ids);
        int parts = GemvBf16ArgmaxKernel.partsPerRow(out);
        FloatArray partValue = new FloatArray((long) rows * parts);
        IntArray partIndex = new IntArray((long) rows * parts);
        String gemvId = prefix + "_gemvam";
        graph.task(gemvId, GemvBf16ArgmaxKernel::gemvArgmax, new KernelContext(), x, wPacked,
                GraphParts.orPlaceholder(graph, bias), logits, partValue, partIndex, rows, in, out, bias != null, parts);
        grids.addWorkerGrid(graph.getName() + "." + gemvId,
                new WorkerGrid2D((long) parts * GemvBf16ArgmaxKernel.GROUP, rows).setLocalWork(GemvBf16ArgmaxKernel.GROUP, 1));
        addCombine(graph, grids, prefix, rows, parts, partValue, partIndex, ids);
    }

    /**
     * As {@link #addTo} for x = RMSNorm(hidden (+ residualIn)) * normW ({@link GemvBf16ArgmaxKernel#normGemvArgmax}:
     * the norm folded in, no residual written): tasks {@code prefix + "_normgemvam"} and {@code prefix + "_argmax"}.
     * {@code residualIn} may be null (no residual).
     */
    public static void addNormTo(TaskGraph graph, GridScheduler grids, String prefix, int rows, int in, int out,
                                 FloatArray hidden, FloatArray residualIn, FloatArray normW, float eps, FloatArray wPacked,
                                 FloatArray bias, FloatArray logits, IntArray ids) {
        Objects.requireNonNull(graph, "graph");
        Objects.requireNonNull(grids, "grids");
        GraphParts.checkPrefix(prefix);
        check(rows, in, out, "hidden", hidden, wPacked, bias, logits, ids);
        if (residualIn != null) {
            ShapeCheck.requireShape("residualIn", residualIn, "(rows, in)", rows, in);
        }
        ShapeCheck.requireShape("normWeight", normW, "(in)", in);
        int parts = GemvBf16ArgmaxKernel.partsPerRow(out);
        FloatArray partValue = new FloatArray((long) rows * parts);
        IntArray partIndex = new IntArray((long) rows * parts);
        String gemvId = prefix + "_normgemvam";
        graph.task(gemvId, GemvBf16ArgmaxKernel::normGemvArgmax, new KernelContext(), hidden,
                residualIn != null ? residualIn : hidden, normW, wPacked, GraphParts.orPlaceholder(graph, bias), logits,
                partValue, partIndex, rows, in, out, eps, residualIn != null, bias != null, parts);
        grids.addWorkerGrid(graph.getName() + "." + gemvId,
                new WorkerGrid2D((long) parts * GemvBf16ArgmaxKernel.GROUP, rows).setLocalWork(GemvBf16ArgmaxKernel.GROUP, 1));
        addCombine(graph, grids, prefix, rows, parts, partValue, partIndex, ids);
    }

    /** One call on {@code device} of {@link #addNormTo}. */
    public static void runNormed(ComputeDevice device, int rows, int in, int out, FloatArray hidden, FloatArray residualIn,
                                 FloatArray normW, float eps, BFloat16Array w, FloatArray bias, FloatArray logits, IntArray ids) {
        FloatArray packed = LinearBf16.packedView(w);
        GraphParts.runOnce(device, "normgemvargmax", GraphParts.arrays(hidden, residualIn, normW, packed, bias),
                List.of(logits, ids), (g, grids) -> addNormTo(g, grids, "head", rows, in, out, hidden, residualIn, normW, eps,
                        packed, bias, logits, ids));
    }

    private static void check(int rows, int in, int out, String xName, FloatArray x, FloatArray wPacked, FloatArray bias,
                              FloatArray logits, IntArray ids) {
        ShapeCheck.requirePositive("rows", rows);
        ShapeCheck.requirePositive("out", out);
        if (!fits(in)) {
            throw new IllegalArgumentException("the GEMV + argmax kernel takes rows of a multiple of 8 columns, at most "
                    + GemvBf16ArgmaxKernel.MAX_IN + ", got " + in);
        }
        if (rows > GraphParts.MAX_GRID_YZ) {
            throw new IllegalArgumentException("the GEMV + argmax kernel takes at most " + GraphParts.MAX_GRID_YZ
                    + " rows, got " + rows);
        }
        ShapeCheck.requireShape(xName, x, "(rows, in)", rows, in);
        Objects.requireNonNull(wPacked, "W packed");
        ShapeCheck.requireShape("W packed", wPacked, "(out, in / 2)", out, in / 2);
        if (bias != null) {
            ShapeCheck.requireShape("bias", bias, "(out)", out);
        }
        ShapeCheck.requireShape("logits", logits, "(rows, out)", rows, out);
        ShapeCheck.requireShape("ids", ids, "(rows)", rows);
        ShapeCheck.intProduct("GEMV + argmax work-items", GemvBf16ArgmaxKernel.partsPerRow(out), GemvBf16ArgmaxKernel.GROUP);
    }

    private static void addCombine(TaskGraph graph, GridScheduler grids, String prefix, int rows, int parts,
                                   FloatArray partValue, IntArray partIndex, IntArray ids) {
        String id = prefix + "_argmax";
        graph.task(id, GemvBf16ArgmaxKernel::combine, new KernelContext(), partValue, partIndex, ids, rows, parts);
        grids.addWorkerGrid(graph.getName() + "." + id,
                new WorkerGrid1D((long) rows * ArgmaxTwoStageKernels.GROUP).setLocalWork(ArgmaxTwoStageKernels.GROUP));
    }

    /** One call on {@code device}: logits and ids of x . W^T (+ bias) for the bf16 weight {@code w} (out, in). */
    public static void run(ComputeDevice device, int rows, int in, int out, FloatArray x, BFloat16Array w, FloatArray bias,
                           FloatArray logits, IntArray ids) {
        FloatArray packed = LinearBf16.packedView(w);
        GraphParts.runOnce(device, "gemvargmax", GraphParts.arrays(x, packed, bias), List.of(logits, ids),
                (g, grids) -> addTo(g, grids, "head", rows, in, out, x, packed, bias, logits, ids));
    }
}
