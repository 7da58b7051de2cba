package io.jmamba.model.device;

import io.jmamba.kernels.fused.FusedGemv;
import io.jmamba.kernels.fused.Mamba2Decode;
import io.jmamba.kernels.nn.Linear;
import io.jmamba.kernels.nn.LinearBf16;
import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.NativeArray;
import io.jmamba.runtime.api.TaskGraph;

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

    /** fp32 weights only. */
    public LinearLayers(Linear.Path path) {
        this(path, Map.of());
    }

    /** {@code bf16}: the weights (by identity) that the device reads as these bf16 arrays. */
    public LinearLayers(Linear.Path path, Map<FloatArray, BFloat16Array> bf16) {
        this.path = Objects.requireNonNull(path, "path");
        this.bf16 = new IdentityHashMap<>(bf16);
    }

    public Linear.Path path() {
        return path;
    }

    /** y (rows, out) = x (rows, in) . w^T + bias: see {@link Linear#addTo}. */
    public void add(TaskGraph g, GridScheduler grids, String prefix, int rows, int in, int out, FloatArray x, FloatArray w,
                    FloatArray bias, FloatArray y) {
        BFloat16Array wb = bf16.get(w);
        if (wb != null) {
            LinearBf16.addTo(g, grids, prefix, rows, in, out, x, wb, bias, y, path);
        } else {
            Linear.addTo(g, grids, prefix, rows, in, out, x, w, bias, y, path);
        }
    }

    /**
     * The fused residual-add + RMSNorm + GEMV of a decode step ({@link FusedGemv#addNormGemv}) with the
     * device's copy of {@code w}.
     */
    public void addNormGemv(TaskGraph g, GridScheduler grids, String prefix, int rows, int in, int out, FloatArray hidden,
                            FloatArray residualIn, FloatArray normW, FloatArray w, FloatArray bias, FloatArray y,
                            FloatArray residualOut, float eps) {
        FusedGemv.addNormGemv(g, grids, prefix, rows, in, out, hidden, residualIn, normW, onDevice(w), bias, y, residualOut, eps);
    }

    /** The fused gated RMSNorm + out_proj GEMV + conv-state shift ({@link FusedGemv#addGatedNormGemv}) with the device's copy of {@code w}. */
    public void addGatedNormGemv(TaskGraph g, GridScheduler grids, String prefix, Mamba2Decode.Shape s, int out, FloatArray yIn,
                                 FloatArray zxbcdt, FloatArray gateW, FloatArray w, FloatArray bias, FloatArray y,
                                 FloatArray convState, int groupSize, float eps, boolean normBeforeGate) {
        FusedGemv.addGatedNormGemv(g, grids, prefix, s, out, yIn, zxbcdt, gateW, onDevice(w), bias, y, convState, groupSize, eps,
                normBeforeGate);
    }

    /** The array the device holds for weight {@code w}: its bf16 twin, or {@code w}. */
    public NativeArray onDevice(FloatArray w) {
        BFloat16Array wb = bf16.get(w);
        return wb != null ? wb : w;
    }

    /** Whether {@code w} is read as bf16. */
    public boolean isBf16(FloatArray w) {
        return bf16.containsKey(w);
    }
}
