package io.jmamba.bench.scaling.series;

import io.jmamba.bench.scaling.MeasuredStep;
import io.jmamba.bench.scaling.SeriesKind;
import io.jmamba.kernels.ssd.SsdConfig;
import io.jmamba.kernels.ssd.SsdInputs;
import io.jmamba.kernels.ssd.SsdScan;
import io.jmamba.runtime.api.DataTransferMode;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.backend.ComputeDevice;

/**
 * The Mamba-2 SSD chunked scan as the layer runs it (D per head, dt bias and softplus, one group, no
 * z: Mamba-2 gates in its norm). Default shape: the 130M model's 24 heads x 64, d_state 128, chunk 256.
 * Runs the device's default kernels ({@link SsdScan#defaultFor}: tensor cores on CUDA) as "ssd"; a variant named
 * (for before/after timings in one run) as "ssd-" + its name.
 */
public final class SsdSeries extends LayerSeries {
    private final int heads;
    private final int headdim;
    private final int dstate;
    private final int chunk;
    /** The kernels named, or null for the device's default. */
    private final SsdScan.Variant variant;

    public SsdSeries(int heads, int headdim, int dstate, int chunk) {
        this(heads, headdim, dstate, chunk, null);
    }

    public SsdSeries(int heads, int headdim, int dstate, int chunk, SsdScan.Variant variant) {
        super(id(variant),
                "Mamba-2 SSD, " + heads + " heads x " + headdim + ", d_state " + dstate + ", chunk " + chunk
                        + (variant == null ? "" : ", " + variant.name().toLowerCase(java.util.Locale.ROOT)
                        + " kernels"),
                SeriesKind.SCAN, 1);
        this.variant = variant;
        this.heads = heads;
        this.headdim = headdim;
        this.dstate = dstate;
        this.chunk = chunk;
    }

    /** "ssd" for the device's default kernels (null), else "ssd-" + the variant's name. */
    public static String id(SsdScan.Variant variant) {
        if (variant == null) {
            return "ssd";
        }
        return "ssd-" + variant.name().toLowerCase(java.util.Locale.ROOT);
    }

    @Override
    public long bytesMoved(long length) {
        return FLOAT * (2L * heads * headdim * length + (long) heads * length + 2L * dstate * length + 3L * heads);
    }

    @Override
    public String bytesFormula() {
        return "4 B x (2 h p L + h L + 2 n L + 3 h): read x [L, h, p], dt [L, h], B, C [L, n], A, D, dt_bias; write out [L, h, p]"
                + " (chunk intermediates not counted)";
    }

    @Override
    public long deviceBytes(long length) {
        return bytesMoved(length) + FLOAT * SsdSeries.intermediateFloats(heads, headdim, dstate, chunk, length);
    }

    @Override
    public MeasuredStep prepare(ComputeDevice device, long length) {
        int len = seqlen(id(), length);
        SsdConfig cfg = SsdConfig.of(1, len, heads, headdim, 1, dstate, chunk).withDtSoftplus(true);
        FloatArray x = Inputs.shared((long) len * heads * headdim, -1f, 1f);
        FloatArray dt = Inputs.shared((long) len * heads, -4f, -1f);
        FloatArray b = Inputs.shared((long) len * dstate, -1f, 1f);
        FloatArray c = Inputs.shared((long) len * dstate, -1f, 1f);
        FloatArray[] perHead = SsdSeries.perHeadInputs(heads);
        FloatArray a = perHead[0];
        FloatArray d = perHead[1];
        FloatArray dtBias = perHead[2];
        FloatArray out = new FloatArray(x.getSize());
        TaskGraph g = new TaskGraph("bench_ssd").transferToDevice(DataTransferMode.FIRST_EXECUTION, x, dt, a, b, c, d, dtBias);
        GridScheduler grids = new GridScheduler();
        SsdScan.addTo(g, grids, "ssd", cfg, new SsdInputs(x, dt, a, b, c, d, null, dtBias, null), out, null,
                variant != null ? variant : SsdScan.defaultFor(device));
        return PlanStep.start(device, g, grids);
    }

    /** Floats of the SSD's device intermediates at {@code length} tokens (dt and dA cumsum, chunk states, C B^T, final states). */
    static long intermediateFloats(int heads, int headdim, int dstate, int chunk, long length) {
        long chunks = (length + chunk - 1) / chunk;
        return 2L * heads * chunks * chunk + chunks * heads * headdim * dstate + chunks * (long) chunk * chunk
                + (long) heads * headdim * dstate;
    }

    /** The per-head inputs of both SSD series, A, D and dt_bias, filled with fixed seeds. */
    static FloatArray[] perHeadInputs(int heads) {
        FloatArray a = new FloatArray(heads);
        FloatArray d = new FloatArray(heads);
        FloatArray dtBias = new FloatArray(heads);
        Inputs.fill(a, 13, -8f, -1f);
        Inputs.fill(d, 16);
        Inputs.fill(dtBias, 17, -0.5f, 0.5f);
        return new FloatArray[] {a, d, dtBias};
    }
}
