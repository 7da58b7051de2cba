package io.jmamba.bench.scaling.series;

import io.jmamba.bench.scaling.MeasuredStep;
import io.jmamba.bench.scaling.SeriesKind;
import io.jmamba.kernels.ssd.SsdBf16Inputs;
import io.jmamba.kernels.ssd.SsdConfig;
import io.jmamba.kernels.ssd.SsdScanBf16;
import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.DataTransferMode;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.backend.ComputeDevice;


/**
 * {@link SsdSeries}' problem (D per head, dt bias and softplus, one group, no z) with bf16 activations
 * (x, dt, B, C and the output; A, D, dt_bias fp32) on the tensor-core kernels of {@link SsdScanBf16}:
 * the shape and dtypes of mamba_ssm's bf16 Triton numbers. Id "ssd-bf16".
 */
public final class SsdBf16Series extends LayerSeries {
    private static final long BF16 = 2;
    private final int heads;
    private final int headdim;
    private final int dstate;
    private final int chunk;

    /** Which products stage their tiles by asynchronous copies ({@code -Djmamba.ssd.bf16.async}), for the label. */
    private static String stagingLabel() {
        return switch (io.jmamba.kernels.ssd.SsdScanBf16.AsyncStaging.fromProperty()) {
            case ALL -> ", tiles by cp.async";
            case SCAN -> ", chunk-scan tiles by cp.async";
            case STATE -> ", chunk-state tiles by cp.async";
            case NONE -> ", tiles through registers";
        };
    }

    public SsdBf16Series(int heads, int headdim, int dstate, int chunk) {
        super("ssd-bf16", "Mamba-2 SSD bf16, " + heads + " heads x " + headdim + ", d_state " + dstate + ", chunk " + chunk
                + ", tensor cores" + stagingLabel(), SeriesKind.SCAN, 1);
        this.heads = heads;
        this.headdim = headdim;
        this.dstate = dstate;
        this.chunk = chunk;
    }

    @Override
    public long bytesMoved(long length) {
        return BF16 * (2L * heads * headdim * length + (long) heads * length + 2L * dstate * length) + FLOAT * 3L * heads;
    }

    @Override
    public String bytesFormula() {
        return "2 B x (2 h p L + h L + 2 n L) + 4 B x 3 h: read x [L, h, p], dt [L, h], B, C [L, n] (bf16), A, D, dt_bias"
                + " (fp32); write out [L, h, p] (bf16) (chunk intermediates not counted)";
    }

    @Override
    public long deviceBytes(long length) {
        return bytesMoved(length) + FLOAT * SsdSeries.intermediateFloats(heads, headdim, dstate, chunk, length);
    }

    @Override
    public MeasuredStep prepare(ComputeDevice device, long length) {
        int len = seqlen(id(), length);
        SsdConfig cfg = SsdConfig.of(1, len, heads, headdim, 1, dstate, chunk).withDtSoftplus(true);
        // views of the shared read-only pools (as SsdSeries' fp32 inputs), not fresh gigabytes per length
        BFloat16Array x = Inputs.sharedBf16((long) len * heads * headdim, -1f, 1f);
        BFloat16Array dt = Inputs.sharedBf16((long) len * heads, -4f, -1f);
        BFloat16Array b = Inputs.sharedBf16((long) len * dstate, -1f, 1f);
        BFloat16Array c = Inputs.sharedBf16((long) len * dstate, -1f, 1f);
        FloatArray[] perHead = SsdSeries.perHeadInputs(heads);
        FloatArray a = perHead[0];
        FloatArray d = perHead[1];
        FloatArray dtBias = perHead[2];
        BFloat16Array out = new BFloat16Array(x.getSize());
        TaskGraph g = new TaskGraph("bench_ssd_bf16").transferToDevice(DataTransferMode.FIRST_EXECUTION, x, dt, a, b, c, d, dtBias);
        GridScheduler grids = new GridScheduler();
        SsdScanBf16.addTo(g, grids, "ssd", cfg, new SsdBf16Inputs(x, dt, a, b, c, d, null, dtBias, null), out, null, null);
        return PlanStep.start(device, g, grids);
    }
}
