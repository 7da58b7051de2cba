package io.jmamba.bench.scaling.series;

import io.jmamba.bench.scaling.MeasuredStep;
import io.jmamba.bench.scaling.SeriesKind;
import io.jmamba.kernels.support.Bf16Tensor;
import io.jmamba.kernels.conv.CausalConv1dBf16;
import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.DataTransferMode;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.backend.ComputeDevice;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.stream.LongStream;

/**
 * The bf16 causal conv1d with bias and SiLU ({@link CausalConv1dBf16}), Mamba-1's shape as
 * {@link Conv1dSeries}: x, weight, bias and out in bf16, so its bandwidth counts 2-byte elements and is
 * compared with the same copy bandwidth. {@code conv1d-bf16} runs the default layout;
 * {@code conv1d-vector-8-bf16} the first bf16 kernel ({@link CausalConv1dBf16.Layout#VECTORS}, two
 * 4-element vectors per item: the bf16 twin of {@code conv1d-vector-8}), to time against it.
 */
public final class Conv1dBf16Series extends LayerSeries {
    private static final long BF16 = 2;
    private static final int BLOCK = 1 << 16;

    private final int dim;
    private final int width;
    private final CausalConv1dBf16.Layout layout;
    private final int vectorsPerItem;

    public Conv1dBf16Series(int dim, int width) {
        this("conv1d-bf16", dim, width, CausalConv1dBf16.Layout.PAIRS, CausalConv1dBf16.DEFAULT_VECTORS_PER_ITEM);
    }

    /** The first bf16 kernel, two vectors per item: {@code conv1d-vector-8-bf16}. */
    public static Conv1dBf16Series vectors8(int dim, int width) {
        return new Conv1dBf16Series("conv1d-vector-8-bf16", dim, width, CausalConv1dBf16.Layout.VECTORS, 2);
    }

    private Conv1dBf16Series(String id, int dim, int width, CausalConv1dBf16.Layout layout, int vectorsPerItem) {
        super(id, "causal conv1d + SiLU, bf16, " + dim + " channels, width " + width + ", layout " + layout
                + (layout == CausalConv1dBf16.Layout.VECTORS ? " x" + vectorsPerItem : ""), SeriesKind.SCAN, 1);
        this.dim = dim;
        this.width = width;
        this.layout = layout;
        this.vectorsPerItem = vectorsPerItem;
    }

    @Override
    public long bytesMoved(long length) {
        return BF16 * (2L * dim * length + (long) dim * width + dim);
    }

    @Override
    public String bytesFormula() {
        return "2 B x (2 d L + d w + d): read x [d, L], weight, bias; write out [d, L] (bf16)";
    }

    @Override
    public long deviceBytes(long length) {
        return bytesMoved(length) + BF16 * (long) dim * (width - 1);
    }

    @Override
    public MeasuredStep prepare(ComputeDevice device, long length) {
        int len = seqlen(id(), length);
        Bf16Tensor x = Bf16Tensor.of(random((long) dim * len, 21, -1f, 1f), 1, dim, len);
        Bf16Tensor weight = Bf16Tensor.of(random((long) dim * width, 22, -1f, 1f), dim, width);
        Bf16Tensor bias = Bf16Tensor.of(random(dim, 23, -1f, 1f), dim);
        CausalConv1dBf16 conv = CausalConv1dBf16.forward(x, weight).bias(bias).silu(true).layout(layout)
                .vectorsPerItem(vectorsPerItem).build();
        TaskGraph g = new TaskGraph("bench_conv_bf16").transferToDevice(DataTransferMode.FIRST_EXECUTION,
                x.data(), weight.data(), bias.data());
        GridScheduler grids = new GridScheduler();
        conv.addTo(g, "conv", grids);
        return PlanStep.start(device, g, grids);
    }

    /** {@code n} bf16 values uniform in [lo, hi): a random block repeated, copied on every core (1M tokens is gigabytes). */
    private static BFloat16Array random(long n, long seed, float lo, float hi) {
        BFloat16Array a = new BFloat16Array(n);
        SplittableRandom r = new SplittableRandom(seed);
        short[] block = new short[(int) Math.min(BLOCK, Math.max(1, n))];
        for (int i = 0; i < block.length; i++) {
            block[i] = BFloat16Array.fromFloat((float) (lo + r.nextDouble() * (hi - lo)));
        }
        MemorySegment dst = a.getSegment();
        long blocks = (n + block.length - 1) / block.length;
        LongStream.range(0, blocks).parallel().forEach(k -> {
            long at = k * block.length;
            int m = (int) Math.min(block.length, n - at);
            MemorySegment.copy(block, 0, dst, ValueLayout.JAVA_SHORT, at * BF16, m);
        });
        return a;
    }
}
