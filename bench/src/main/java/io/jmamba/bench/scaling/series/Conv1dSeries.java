package io.jmamba.bench.scaling.series;

import io.jmamba.bench.scaling.MeasuredStep;
import io.jmamba.bench.scaling.SeriesKind;
import io.jmamba.kernels.conv.CausalConv1d;
import io.jmamba.kernels.conv.ConvForward;
import io.jmamba.kernels.support.Tensor;
import io.jmamba.runtime.api.DataTransferMode;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.backend.ComputeDevice;

/**
 * The depthwise causal conv1d with bias and SiLU, as in the Mamba-1 block: d_inner 1536 channels,
 * width 4 by default. Memory-bound: its GB/s is compared with the device's copy bandwidth. The
 * series {@code conv1d} runs the default forward layout; {@code conv1d-<variant>} runs another
 * {@link ConvForward} (chunks, other outputs per work-item) to time against it.
 */
public final class Conv1dSeries extends LayerSeries {
    private final int dim;
    private final int width;
    private final ConvForward variant;

    public Conv1dSeries(int dim, int width) {
        this(dim, width, ConvForward.DEFAULT);
    }

    public Conv1dSeries(int dim, int width, ConvForward variant) {
        super(id(variant), "causal conv1d + SiLU, " + dim + " channels, width " + width + ", forward " + variant, SeriesKind.SCAN, 1);
        this.dim = dim;
        this.width = width;
        this.variant = variant;
    }

    /** {@code conv1d} for the default layout, else {@code conv1d-chunks-4}, {@code conv1d-vector-8}, ... */
    public static String id(ConvForward variant) {
        return variant == ConvForward.DEFAULT ? "conv1d"
                : "conv1d-" + variant.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    @Override
    public long bytesMoved(long length) {
        return FLOAT * (2L * dim * length + (long) dim * width + dim);
    }

    @Override
    public String bytesFormula() {
        return "4 B x (2 d L + d w + d): read x [d, L], weight, bias; write out [d, L]";
    }

    @Override
    public long deviceBytes(long length) {
        return bytesMoved(length) + FLOAT * (long) dim * (width - 1);
    }

    @Override
    public MeasuredStep prepare(ComputeDevice device, long length) {
        int len = seqlen(id(), length);
        Tensor x = Tensor.of(Inputs.shared((long) dim * len, -1f, 1f), 1, dim, len);
        Tensor weight = Tensor.zeros(dim, width);
        Tensor bias = Tensor.zeros(dim);
        Inputs.fill(weight.data(), 22);
        Inputs.fill(bias.data(), 23);
        CausalConv1d conv = CausalConv1d.forward(x, weight).bias(bias).silu(true).forwardVariant(variant).build();
        TaskGraph g = new TaskGraph("bench_conv").transferToDevice(DataTransferMode.FIRST_EXECUTION,
                x.data(), weight.data(), bias.data());
        GridScheduler grids = new GridScheduler();
        conv.addTo(g, "conv", grids);
        return PlanStep.start(device, g, grids);
    }
}
