package io.jmamba.bench.scaling.series;

import io.jmamba.bench.scaling.MeasuredStep;
import io.jmamba.bench.scaling.SeriesKind;
import io.jmamba.kernels.support.Bf16Tensor;
import io.jmamba.kernels.scan.SelectiveScan;
import io.jmamba.kernels.support.Tensor;
import io.jmamba.runtime.api.DataTransferMode;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.backend.ComputeDevice;

/**
 * The Mamba-1 selective scan as the layer runs it: D skip, z gate, delta bias and softplus, batch 1,
 * B and C shared across channels (one group). Default shape: the 130M model's d_inner 1536, d_state 16.
 * Runs the default layout ({@link SelectiveScan.Variant#TILED16}) as "selective-scan"; another variant
 * (CHUNKED, for before/after timings in one run) as "selective-scan-" + its name ("_" as "-"); the bf16
 * scan (u, delta, B, C, z, out in bf16, TILED16) as "selective-scan-bf16", its label naming the asynchronous staging
 * ({@link SelectiveScan#ASYNC_PROPERTY}: widen by default, or off).
 */
public final class SelectiveScanSeries extends LayerSeries {
    private static final long BF16 = 2;

    private final int dim;
    private final int dstate;
    private final SelectiveScan.Variant variant;
    private final boolean bf16;

    public SelectiveScanSeries(int dim, int dstate) {
        this(dim, dstate, SelectiveScan.Variant.TILED16);
    }

    public SelectiveScanSeries(int dim, int dstate, SelectiveScan.Variant variant) {
        this(dim, dstate, variant, false);
    }

    /** The bf16 scan in its only layout, TILED16. */
    public static SelectiveScanSeries bf16(int dim, int dstate) {
        return new SelectiveScanSeries(dim, dstate, SelectiveScan.Variant.TILED16, true);
    }

    /** BLOCK: one launch, no chunk states. */
    private static boolean onePass(SelectiveScan.Variant variant) {
        return variant == SelectiveScan.Variant.BLOCK;
    }

    private SelectiveScanSeries(int dim, int dstate, SelectiveScan.Variant variant, boolean bf16) {
        super(id(variant, bf16), "Mamba-1 selective scan, d_inner " + dim + ", d_state " + dstate + " (D, z, softplus)"
                        + (bf16 ? ", bf16 in and out, " + variant.name().toLowerCase(java.util.Locale.ROOT) + " layout"
                                + stagingLabel()
                        : variant == SelectiveScan.Variant.TILED16 ? ""
                        : ", " + variant.name().toLowerCase(java.util.Locale.ROOT) + " layout"),
                SeriesKind.SCAN, 1);
        this.dim = dim;
        this.dstate = dstate;
        this.variant = variant;
        this.bf16 = bf16;
    }

    /** The bf16 tiles' staging as {@link SelectiveScan#ASYNC_PROPERTY} chooses it, for the label. */
    private static String stagingLabel() {
        return switch (SelectiveScan.AsyncStaging.fromProperty()) {
            case WIDEN -> ", tiles by cp.async, widened";
            case OFF -> ", tiles through registers";
        };
    }

    static String id(SelectiveScan.Variant variant, boolean bf16) {
        if (bf16) {
            return (variant == SelectiveScan.Variant.TILED16 ? "selective-scan" : id(variant, false))
                    + io.jmamba.bench.scaling.SeriesCatalog.BF16_SUFFIX;
        }
        return variant == SelectiveScan.Variant.TILED16 ? "selective-scan"
                : "selective-scan-" + variant.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    @Override
    public long bytesMoved(long length) {
        long act = bf16 ? BF16 : FLOAT;
        return act * (4L * dim * length + 2L * dstate * length) + FLOAT * ((long) dim * dstate + 2L * dim);
    }

    @Override
    public String bytesFormula() {
        return bf16 ? "2 B x (4 d L + 2 n L) + 4 B x (d n + 2 d): read u, delta, z [d, L], B, C [n, L] (bf16), A, D, "
                + "delta_bias (fp32); write out [d, L] (bf16)"
                : "4 B x (4 d L + 2 n L + d n + 2 d): read u, delta, z [d, L], B, C [n, L], A, D, delta_bias; write out [d, L]";
    }

    @Override
    public long deviceBytes(long length) {
        if (onePass(variant)) {
            return bytesMoved(length) + FLOAT * (long) dim * dstate; // one pass: no chunk states
        }
        int chunkLen = SelectiveScan.defaultChunkLength(variant, dim, (int) Math.min(length, Integer.MAX_VALUE));
        long chunks = (length + chunkLen - 1) / chunkLen;
        return bytesMoved(length) + FLOAT * ((long) dim * chunks * (dstate + 1) + (long) dim * dstate);
    }

    @Override
    public MeasuredStep prepare(ComputeDevice device, long length) {
        int len = seqlen(id(), length);
        Tensor a = Tensor.zeros(dim, dstate);
        Tensor d = Tensor.zeros(dim);
        Tensor bias = Tensor.zeros(dim);
        Inputs.fill(a.data(), 4, -2f, -0.5f);
        Inputs.fill(d.data(), 7);
        Inputs.fill(bias.data(), 8, -0.5f, 0.5f);
        TaskGraph g = new TaskGraph("bench_scan");
        GridScheduler grids = new GridScheduler();
        if (bf16) {
            Bf16Tensor u = Bf16Tensor.of(Inputs.sharedBf16((long) dim * len, -1f, 1f), 1, dim, len);
            Bf16Tensor delta = Bf16Tensor.of(Inputs.sharedBf16((long) dim * len, -4f, -1f), 1, dim, len);
            Bf16Tensor z = Bf16Tensor.of(Inputs.sharedBf16((long) dim * len, -1f, 1f), 1, dim, len);
            Bf16Tensor b = Bf16Tensor.of(Inputs.sharedBf16((long) dstate * len, -1f, 1f), 1, dstate, len);
            Bf16Tensor c = Bf16Tensor.of(Inputs.sharedBf16((long) dstate * len, -1f, 1f), 1, dstate, len);
            SelectiveScan scan = SelectiveScan.builder(u, delta, a, b, c).d(d).z(z).deltaBias(bias).deltaSoftplus(true)
                    .variant(variant).build();
            g.transferToDevice(DataTransferMode.FIRST_EXECUTION, u.data(), delta.data(), z.data(), a.data(), b.data(),
                    c.data(), d.data(), bias.data());
            scan.addTo(g, "scan", grids, Bf16Tensor.zeros(scan.outShape()), Tensor.zeros(scan.stateShape()));
            return PlanStep.start(device, g, grids);
        }
        // the L-long inputs are views of shared pools (see Inputs.shared); the small ones are filled here
        Tensor u = Tensor.of(Inputs.shared((long) dim * len, -1f, 1f), 1, dim, len);
        Tensor delta = Tensor.of(Inputs.shared((long) dim * len, -4f, -1f), 1, dim, len); // softplus: dt 0.02..0.3
        Tensor z = Tensor.of(Inputs.shared((long) dim * len, -1f, 1f), 1, dim, len);
        Tensor b = Tensor.of(Inputs.shared((long) dstate * len, -1f, 1f), 1, dstate, len);
        Tensor c = Tensor.of(Inputs.shared((long) dstate * len, -1f, 1f), 1, dstate, len);
        SelectiveScan scan = SelectiveScan.builder(u, delta, a, b, c).d(d).z(z).deltaBias(bias).deltaSoftplus(true)
                .variant(variant).build();
        g.transferToDevice(DataTransferMode.FIRST_EXECUTION,
                u.data(), delta.data(), z.data(), a.data(), b.data(), c.data(), d.data(), bias.data());
        scan.addTo(g, "scan", grids);
        return PlanStep.start(device, g, grids);
    }
}
