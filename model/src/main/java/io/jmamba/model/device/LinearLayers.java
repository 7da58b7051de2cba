package io.jmamba.model.device;

import io.jmamba.kernels.fused.FusedGemv;
import io.jmamba.kernels.fused.Mamba2Decode;
import io.jmamba.kernels.nn.GemvArgmax;
import io.jmamba.kernels.nn.GraphParts;
import io.jmamba.kernels.nn.Linear;
import io.jmamba.kernels.nn.LinearBf16;
import io.jmamba.kernels.nn.LinearKernels;
import io.jmamba.kernels.nn.ShapeCheck;
import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.NativeArray;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.backend.cuda.CuBlas;

import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Adds the linear layers of a forward graph: with the fp32 weight through {@link Linear}, or, where the
 * weight has a bf16 twin ({@link Bf16Weights}), through {@link LinearBf16}. Mixers name their fp32
 * weights; whether the device holds and reads the bf16 copy instead is decided here.
 */
public final class LinearLayers {
    private final Linear.Path path;
    private final Map<FloatArray, BFloat16Array> bf16;
    /** Packed float views of the bf16 twins ({@link LinearBf16#packedView}) for the 16-byte-load GEMV. */
    private final Map<FloatArray, FloatArray> packed = new IdentityHashMap<>();

    /** fp32 weights only. */
    public LinearLayers(Linear.Path path) {
        this(path, Map.of());
    }

    /** {@code bf16}: the weights (by identity) that the device reads as these bf16 arrays. */
    public LinearLayers(Linear.Path path, Map<FloatArray, BFloat16Array> bf16) {
        this.path = Objects.requireNonNull(path, "path");
        this.bf16 = new IdentityHashMap<>(bf16);
        for (Map.Entry<FloatArray, BFloat16Array> e : this.bf16.entrySet()) {
            if (e.getValue().getSize() % 2 == 0) {
                packed.put(e.getKey(), LinearBf16.packedView(e.getValue()));
            }
        }
    }

    public Linear.Path path() {
        return path;
    }

    /** y (rows, out) = x (rows, in) . w^T + bias: see {@link Linear#addTo}. */
    public void add(TaskGraph g, GridScheduler grids, String prefix, int rows, int in, int out, FloatArray x, FloatArray w,
                    FloatArray bias, FloatArray y) {
        BFloat16Array wb = bf16.get(w);
        if (wb != null) {
            LinearBf16.addTo(g, grids, prefix, rows, in, out, x, wb, packed.get(w), bias, y, path);
        } else {
            Linear.addTo(g, grids, prefix, rows, in, out, x, w, bias, y, path);
        }
    }

    /**
     * Whether {@link #addBf16Input} takes this layer: {@code w} has a bf16 twin and {@code rows} go to the cuBLAS
     * bf16 GEMM (which reads x in bf16, so a producer that writes x in bf16 saves {@link LinearBf16}'s cast kernel).
     */
    public boolean takesBf16Input(FloatArray w, int rows) {
        boolean autoCublas = path == Linear.Path.AUTO_CUBLAS || path == Linear.Path.AUTO_CUBLAS_TF32
                || path == Linear.Path.AUTO_CUBLAS_GEMV_TREE;
        return bf16.containsKey(w) && (path == Linear.Path.CUBLAS || autoCublas && rows > Linear.GEMV_MAX_ROWS);
    }

    /**
     * y (rows, out) = x (rows, in) . w^T + bias with x already in bf16: {@link LinearBf16}'s cuBLAS path without its
     * cast (library task {@code prefix + "_cublas"}, + {@code prefix + "_bias"} with a bias). Only where
     * {@link #takesBf16Input} says so.
     */
    public void addBf16Input(TaskGraph g, GridScheduler grids, String prefix, int rows, int in, int out, BFloat16Array x,
                             FloatArray w, FloatArray bias, FloatArray y) {
        if (!takesBf16Input(w, rows)) {
            throw new IllegalStateException(prefix + ": a bf16-input linear layer needs a bf16 weight on a cuBLAS path, got "
                    + (bf16.containsKey(w) ? "path " + path : "an fp32 weight"));
        }
        ShapeCheck.requireShape("x", x, "(rows, in)", rows, in);
        ShapeCheck.requireShape("y", y, "(rows, out)", rows, out);
        BFloat16Array wb = bf16.get(w);
        ShapeCheck.requireShape("W", wb, "(out, in)", out, in);
        g.libraryTask(prefix + "_cublas", CuBlas.gemmEx(false, true, rows, out, in, 1f, 0f, CuBlas.DataType.BF16,
                CuBlas.DataType.F32), x, wb, y);
        if (bias != null) {
            String id = prefix + "_bias";
            g.task(id, LinearKernels::addBias, y, bias, rows, out);
            grids.addWorkerGrid(g.getName() + "." + id, GraphParts.loopGrid(out, rows));
        }
    }

    /**
     * The fused residual-add + RMSNorm + GEMV of a decode step ({@link FusedGemv#addNormGemv}) with the
     * device's copy of {@code w}.
     */
    public void addNormGemv(TaskGraph g, GridScheduler grids, String prefix, int rows, int in, int out, FloatArray hidden,
                            FloatArray residualIn, FloatArray normW, FloatArray w, FloatArray bias, FloatArray y,
                            FloatArray residualOut, float eps) {
        FusedGemv.addNormGemv(g, grids, prefix, rows, in, out, hidden, residualIn, normW, fusedW(w), isBf16(w), bias, y,
                residualOut, eps);
    }

    /**
     * {@link #addNormGemv} of the first layer with the embedding lookup folded in ({@link FusedGemv#addEmbedNormGemv}):
     * the input rows are {@code table[ids]}; needs {@link FusedGemv#embedFits}.
     */
    public void addEmbedNormGemv(TaskGraph g, GridScheduler grids, String prefix, int rows, int in, int out, IntArray ids,
                                 FloatArray table, int vocab, FloatArray normW, FloatArray w, FloatArray bias, FloatArray y,
                                 FloatArray residualOut, float eps) {
        FusedGemv.addEmbedNormGemv(g, grids, prefix, rows, in, out, ids, table, vocab, normW, fusedW(w), isBf16(w), bias, y,
                residualOut, eps);
    }

    /** The fused gated RMSNorm + out_proj GEMV + conv-state shift ({@link FusedGemv#addGatedNormGemv}) with the device's copy of {@code w}. */
    public void addGatedNormGemv(TaskGraph g, GridScheduler grids, String prefix, Mamba2Decode.Shape s, int out, FloatArray yIn,
                                 FloatArray zxbcdt, FloatArray gateW, FloatArray w, FloatArray bias, FloatArray y,
                                 FloatArray convState, int groupSize, float eps, boolean normBeforeGate) {
        addGatedNormGemv(g, grids, prefix, s, out, yIn, zxbcdt, gateW, w, bias, y, convState, groupSize, eps, normBeforeGate,
                false);
    }

    /** As above; {@code yGated}: {@code yIn} is y * silu(z) already ({@link FusedGemv#preGated}). */
    public void addGatedNormGemv(TaskGraph g, GridScheduler grids, String prefix, Mamba2Decode.Shape s, int out, FloatArray yIn,
                                 FloatArray zxbcdt, FloatArray gateW, FloatArray w, FloatArray bias, FloatArray y,
                                 FloatArray convState, int groupSize, float eps, boolean normBeforeGate, boolean yGated) {
        FusedGemv.addGatedNormGemv(g, grids, prefix, s, out, yIn, zxbcdt, gateW, fusedW(w), isBf16(w), bias, y, convState,
                groupSize, eps, normBeforeGate, yGated);
    }

    /** Whether {@link #addGemvArgmax} takes {@code w} with rows of {@code in}: a bf16 weight with a packed view. */
    public boolean takesGemvArgmax(FloatArray w, int in) {
        return packed.containsKey(w) && GemvArgmax.fits(in);
    }

    /**
     * logits = x . w^T (+ bias) and ids = their per-row argmax in two launches ({@link GemvArgmax}: the GEMV writes
     * the argmax partials); only where {@link #takesGemvArgmax} says so.
     */
    public void addGemvArgmax(TaskGraph g, GridScheduler grids, String prefix, int rows, int in, int out, FloatArray x,
                              FloatArray w, FloatArray bias, FloatArray logits, IntArray ids) {
        requireGemvArgmax(prefix, w, in);
        GemvArgmax.addTo(g, grids, prefix, rows, in, out, x, packed.get(w), bias, logits, ids);
    }

    /**
     * {@link #addGemvArgmax} of x = RMSNorm(hidden (+ residualIn)) * normW, the norm folded into the GEMV
     * ({@link GemvArgmax#addNormTo}); only where {@link #takesGemvArgmax} says so.
     */
    public void addNormGemvArgmax(TaskGraph g, GridScheduler grids, String prefix, int rows, int in, int out,
                                  FloatArray hidden, FloatArray residualIn, FloatArray normW, float eps, FloatArray w,
                                  FloatArray bias, FloatArray logits, IntArray ids) {
        requireGemvArgmax(prefix, w, in);
        GemvArgmax.addNormTo(g, grids, prefix, rows, in, out, hidden, residualIn, normW, eps, packed.get(w), bias, logits, ids);
    }

    private void requireGemvArgmax(String prefix, FloatArray w, int in) {
        if (!takesGemvArgmax(w, in)) {
            throw new IllegalStateException(prefix + ": the GEMV + argmax needs a packed bf16 weight and rows of at most "
                    + io.jmamba.kernels.nn.GemvBf16ArgmaxKernel.MAX_IN + " columns (a multiple of 8), got "
                    + (packed.containsKey(w) ? in + " columns" : "no packed bf16 weight"));
        }
    }

    /** The array the device holds for weight {@code w}: its bf16 twin, or {@code w}. */
    public NativeArray onDevice(FloatArray w) {
        BFloat16Array wb = bf16.get(w);
        return wb != null ? wb : w;
    }

    /**
     * What the fused GEMVs read for {@code w}: its packed bf16 view, or the fp32 array (the persistent decode layer,
     * {@link io.jmamba.kernels.fused.PersistentDecode}, takes the packed view).
     */
    public FloatArray fusedW(FloatArray w) {
        if (!bf16.containsKey(w)) {
            return w;
        }
        FloatArray p = packed.get(w);
        if (p == null) {
            throw new IllegalArgumentException("a bf16 weight of odd size has no packed view for the fused GEMV");
        }
        return p;
    }

    /**
     * The packed views the decode GEMVs read (separate arrays on the device, holding the same bytes as the
     * bf16 twins: the device keeps both, one for the GEMMs and one for the GEMVs).
     */
    public java.util.Collection<FloatArray> packedViews() {
        return packed.values();
    }

    /** Transposed packed views ({@link io.jmamba.kernels.fused.SplitDecode#transposedPacked}), made on first use. */
    private final Map<FloatArray, FloatArray> transposed = new IdentityHashMap<>();

    /**
     * The bf16 weight {@code w} (out, in) transposed and packed for the split decode layer's out_proj
     * ({@link io.jmamba.kernels.fused.SplitDecode}): made on the host the first time it is asked for (a plan's tasks are
     * built before its weights are sent, so {@link #transposedViews} then includes it).
     */
    public FloatArray transposedPacked(FloatArray w, int out, int in) {
        BFloat16Array wb = bf16.get(w);
        if (wb == null) {
            throw new IllegalArgumentException("the split decode layer reads out_proj as bf16: this weight has no bf16 twin");
        }
        return transposed.computeIfAbsent(w, k -> io.jmamba.kernels.fused.SplitDecode.transposedPacked(wb, out, in));
    }

    /** The transposed views made so far (device arrays of their own). */
    public java.util.Collection<FloatArray> transposedViews() {
        return transposed.values();
    }

    /** Whether {@code w} is read as bf16. */
    public boolean isBf16(FloatArray w) {
        return bf16.containsKey(w);
    }
}
