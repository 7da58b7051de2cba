package io.jmamba.kernels.nn;

import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.api.WorkerGrid1D;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.cuda.CuBlas;

import java.util.List;
import java.util.Objects;

/**
 * Host API of a linear layer with bf16 weights: y (rows, out) = x (rows, in) . W (out, in)^T + bias (out),
 * x, bias and y fp32, W bf16 (rounded once when the model is loaded), every product accumulated in fp32.
 * The paths are {@link Linear}'s:
 * <ul>
 *   <li>few rows ({@link Linear#GEMV_MAX_ROWS}, decoding) or {@link Linear.Path#GEMV} /
 *       {@link Linear.Path#GEMV_TREE}: the warp GEMV {@link GemvBf16Kernel} (x stays fp32);</li>
 *   <li>{@link Linear.Path#CUBLAS}, {@link Linear.Path#AUTO_CUBLAS} and its variants (CUDA): x rounded to
 *       bf16 by {@link LinearBf16Kernels#toBf16}, then cuBLAS gemmEx bf16 x bf16 -> fp32 (fp32
 *       accumulation, tensor cores), the bias added after;</li>
 *   <li>otherwise ({@link Linear.Path#AUTO}, {@link Linear.Path#GEMM}, {@link Linear.Path#GEMM_SPLIT_K}):
 *       the JIT tiled GEMM {@link LinearBf16Kernels#gemm} (x stays fp32); no split-K variant.</li>
 * </ul>
 */
public final class LinearBf16 {
    private LinearBf16() {
    }

    /**
     * Appends task {@code prefix + "_gemv"}, {@code prefix + "_gemm"}, or {@code prefix + "_tobf16"} +
     * library task {@code prefix + "_cublas"} (+ {@code prefix + "_bias"} with a bias).
     */
    public static void addTo(TaskGraph graph, GridScheduler grids, String prefix, int rows, int in, int out,
                             FloatArray x, BFloat16Array w, FloatArray bias, FloatArray y, Linear.Path path) {
        addTo(graph, grids, prefix, rows, in, out, x, w, null, bias, y, path);
    }

    /**
     * As above; {@code wPacked}, when not null, is {@link #packedView} of {@code w} (a separate array on the
     * device: the graph must send it too), and GEMV steps with {@code in % 8 == 0} read it with 16-byte
     * loads ({@link GemvBf16PackedKernel}, task {@code prefix + "_gemvp"}).
     */
    public static void addTo(TaskGraph graph, GridScheduler grids, String prefix, int rows, int in, int out,
                             FloatArray x, BFloat16Array w, FloatArray wPacked, FloatArray bias, FloatArray y, Linear.Path path) {
        Objects.requireNonNull(graph, "graph");
        Objects.requireNonNull(grids, "grids");
        Objects.requireNonNull(path, "path");
        GraphParts.checkPrefix(prefix);
        check(rows, in, out, x, w, bias, y);
        FloatArray b = GraphParts.orPlaceholder(graph, bias);
        String g = graph.getName() + ".";
        boolean autoCublas = path == Linear.Path.AUTO_CUBLAS || path == Linear.Path.AUTO_CUBLAS_TF32
                || path == Linear.Path.AUTO_CUBLAS_GEMV_TREE;
        boolean auto = path == Linear.Path.AUTO || autoCublas;
        boolean gemv = path == Linear.Path.GEMV || path == Linear.Path.GEMV_TREE || auto && rows <= Linear.GEMV_MAX_ROWS;
        if (gemv && wPacked != null && in % 8 == 0) {
            ShapeCheck.requireShape("W packed", wPacked, "(out, in / 2)", out, in / 2);
            addPackedGemv(graph, grids, prefix, rows, in, out, x, wPacked, bias, b, y);
        } else if (gemv) {
            addGemv(graph, grids, prefix, rows, in, out, x, w, bias, b, y);
        } else if (path == Linear.Path.CUBLAS || autoCublas) {
            // activations to bf16 (a scratch array that never leaves the device), then the tensor-core GEMM
            BFloat16Array xb = new BFloat16Array((long) rows * in);
            String cast = prefix + "_tobf16";
            graph.task(cast, LinearBf16Kernels::toBf16, x, xb, rows, in);
            grids.addWorkerGrid(g + cast, GraphParts.loopGrid(in, rows));
            graph.libraryTask(prefix + "_cublas", CuBlas.gemmEx(false, true, rows, out, in, 1f, 0f,
                    CuBlas.DataType.BF16, CuBlas.DataType.F32), xb, w, y);
            if (bias != null) {
                String id = prefix + "_bias";
                graph.task(id, LinearKernels::addBias, y, bias, rows, out);
                grids.addWorkerGrid(g + id, GraphParts.loopGrid(out, rows));
            }
        } else {
            String id = prefix + "_gemm";
            long groups = Linear.tiles(rows) * Linear.tiles(out);
            ShapeCheck.intProduct("GEMM work-items", groups, LinearKernels.GEMM_GROUP);
            graph.task(id, LinearBf16Kernels::gemm, new KernelContext(), x, w, b, y, rows, in, out, bias != null);
            grids.addWorkerGrid(g + id, new WorkerGrid1D(groups * LinearKernels.GEMM_GROUP).setLocalWork(LinearKernels.GEMM_GROUP));
        }
    }

    private static void addGemv(TaskGraph graph, GridScheduler grids, String prefix, int rows, int in, int out,
                                FloatArray x, BFloat16Array w, FloatArray bias, FloatArray b, FloatArray y) {
        String id = prefix + "_gemv";
        int split = Linear.gemvSplit(in, out);
        graph.task(id, GemvBf16Kernel::gemv, new KernelContext(), x, w, b, y, rows, in, out, bias != null, split);
        grids.addWorkerGrid(graph.getName() + "." + id, Linear.warpGemvGrid(rows, out, split));
    }

    private static void addPackedGemv(TaskGraph graph, GridScheduler grids, String prefix, int rows, int in, int out,
                                      FloatArray x, FloatArray wPacked, FloatArray bias, FloatArray b, FloatArray y) {
        String id = prefix + "_gemvp";
        int split = Linear.gemvSplit(in, out);
        graph.task(id, GemvBf16PackedKernel::gemv, new KernelContext(), x, wPacked, b, y, rows, in, out, bias != null, split);
        grids.addWorkerGrid(graph.getName() + "." + id, Linear.warpGemvGrid(rows, out, split));
    }

    /**
     * The bytes of {@code w} seen as floats (two bf16 per float, element 2j in the low half): what
     * {@link GemvBf16PackedKernel} reads with 16-byte loads. Shares {@code w}'s host memory; needs an even size.
     */
    public static FloatArray packedView(BFloat16Array w) {
        if (w.getSize() % 2 != 0) {
            throw new IllegalArgumentException("a packed view needs an even number of bf16 elements, got " + w.getSize());
        }
        return FloatArray.fromSegment(w.getSegment());
    }

    /** One call on {@code device}. */
    public static void run(ComputeDevice device, int rows, int in, int out, FloatArray x, BFloat16Array w, FloatArray bias,
                           FloatArray y, Linear.Path path) {
        check(rows, in, out, x, w, bias, y);
        GraphParts.runOnce(device, "linearbf16", GraphParts.arrays(x, w, bias), List.of(y),
                (g, grids) -> addTo(g, grids, "lin", rows, in, out, x, w, bias, y, path));
    }

    /** One call on {@code device} with the packed view of {@code w} as well (16-byte GEMV loads where {@code in % 8 == 0}). */
    public static void runPacked(ComputeDevice device, int rows, int in, int out, FloatArray x, BFloat16Array w,
                                 FloatArray bias, FloatArray y, Linear.Path path) {
        check(rows, in, out, x, w, bias, y);
        FloatArray packed = packedView(w);
        GraphParts.runOnce(device, "linearbf16p", GraphParts.arrays(x, w, packed, bias), List.of(y),
                (g, grids) -> addTo(g, grids, "lin", rows, in, out, x, w, packed, bias, y, path));
    }

    /** A bf16 copy of {@code w}, each element rounded to nearest, ties to even. */
    public static BFloat16Array round(FloatArray w) {
        BFloat16Array out = new BFloat16Array(w.getSize());
        for (long i = 0; i < w.getSize(); i++) {
            out.set(i, w.get(i));
        }
        return out;
    }

    static void check(int rows, int in, int out, FloatArray x, BFloat16Array w, FloatArray bias, FloatArray y) {
        ShapeCheck.requirePositive("rows", rows);
        ShapeCheck.requirePositive("in", in);
        ShapeCheck.requirePositive("out", out);
        ShapeCheck.requireShape("x", x, "(rows, in)", rows, in);
        ShapeCheck.requireShape("W", w, "(out, in)", out, in);
        if (bias != null) {
            ShapeCheck.requireShape("bias", bias, "(out)", out);
        }
        ShapeCheck.requireShape("y", y, "(rows, out)", rows, out);
    }
}
