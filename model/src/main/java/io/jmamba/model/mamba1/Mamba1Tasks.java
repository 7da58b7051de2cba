package io.jmamba.model.mamba1;

import io.jmamba.kernels.conv.CausalConv1d;
import io.jmamba.kernels.nn.Linear;
import io.jmamba.kernels.scan.SelectiveScan;
import io.jmamba.kernels.scan.SelectiveStateUpdate;
import io.jmamba.kernels.support.Tensor;
import io.jmamba.model.config.MambaConfig;
import io.jmamba.model.device.KernelChoices;
import io.jmamba.model.device.LayerIo;
import io.jmamba.model.device.LinearLayers;
import io.jmamba.model.device.MixerTasks;
import io.jmamba.model.device.Scratch;
import io.jmamba.model.weights.Mamba1LayerWeights;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.TaskGraph;

import static io.jmamba.model.device.LayoutTasks.columns;
import static io.jmamba.model.device.LayoutTasks.columns3;
import static io.jmamba.model.device.LayoutTasks.copy;
import static io.jmamba.model.device.LayoutTasks.toChannels;
import static io.jmamba.model.device.LayoutTasks.toTokens;

/**
 * The Mamba-1 mixer as tasks of the kernels module. Prefill: in_proj (GEMM) -> x, z channel-major ->
 * causal conv1d + SiLU (from and to the conv state) -> x_proj -> dt_proj -> chunked parallel
 * selective scan (D, z gate, softplus(dt + delta_bias), from and to the SSM state) -> out_proj.
 * Decode (seqlen 1): the same with the conv update and the selective state update, states in place.
 */
public final class Mamba1Tasks implements MixerTasks {
    private final MambaConfig c;
    private final Mamba1LayerWeights w;

    private final LinearLayers linears;
    private final boolean tiled;

    public Mamba1Tasks(MambaConfig config, Mamba1LayerWeights weights) {
        this(config, weights, KernelChoices.PORTABLE_DEFAULT);
    }

    /** {@code choices}: the linear path ({@link Linear.Path#AUTO_CUBLAS} on CUDA) and the transposes. */
    public Mamba1Tasks(MambaConfig config, Mamba1LayerWeights weights, KernelChoices choices) {
        this(config, weights, choices, new LinearLayers(choices.linear()));
    }

    /** As above, the linear layers added by {@code linears} (which may read bf16 twins of the weights). */
    public Mamba1Tasks(MambaConfig config, Mamba1LayerWeights weights, KernelChoices choices, LinearLayers linears) {
        this.c = config;
        this.w = weights;
        this.linears = linears;
        this.tiled = choices.tiledTranspose();
    }

    @Override
    public void add(TaskGraph g, GridScheduler grids, String p, LayerIo io) {
        int d = c.dModel();
        int dI = c.dInner();
        int n = c.dState();
        int r = c.dtRank();
        int width = c.dConv();
        int b = io.batch();
        int len = io.seqlen();
        int t = io.tokens();
        Scratch s = io.scratch();
        int xRows = c.xProjRows();
        FloatArray xz = s.get("m1_xz", (long) t * 2 * dI);
        FloatArray xdbl = s.get("m1_xdbl", (long) t * xRows);
        FloatArray dtLow = s.get("m1_dtlow", (long) t * r);
        FloatArray dt = s.get("m1_dt", (long) t * dI);
        FloatArray y = s.get("m1_y", (long) t * dI);
        Tensor weight = Tensor.of(w.convWeight(), dI, width);
        Tensor bias = w.convBias() == null ? null : Tensor.of(w.convBias(), dI);
        Tensor convState = Tensor.of(io.convState(), b, dI, width - 1);
        Tensor ssmState = Tensor.of(io.ssmState(), b, dI, n);
        Tensor a = Tensor.of(w.a(), dI, n);
        Tensor dSkip = Tensor.of(w.d(), dI);
        Tensor deltaBias = Tensor.of(w.dtProjBias(), dI);

        linears.add(g, grids, p + "in", t, d, 2 * dI, io.in(), w.inProj(), w.inProjBias(), xz);
        if (len == 1) {
            FloatArray x = s.get("m1_x", (long) t * dI);
            FloatArray z = s.get("m1_z", (long) t * dI);
            FloatArray xc = s.get("m1_xc", (long) t * dI);
            FloatArray bm = s.get("m1_b", (long) t * n);
            FloatArray cm = s.get("m1_c", (long) t * n);
            // x and z in one launch (the third range is empty)
            columns3(g, p + "xz", xz, 2 * dI, t, x, 0, dI, z, dI, dI, z, 0, 0);
            CausalConv1d.update(convState, Tensor.of(x, b, dI, 1), weight).bias(bias).silu(true).build()
                    .addTo(g, p + "conv", grids, Tensor.of(xc, b, dI, 1), convState);
            linears.add(g, grids, p + "xproj", t, dI, xRows, xc, w.xProj(), null, xdbl);
            columns3(g, p + "dtbc", xdbl, xRows, t, dtLow, 0, r, bm, r, n, cm, r + n, n);
            linears.add(g, grids, p + "dtproj", t, r, dI, dtLow, w.dtProjWeight(), null, dt);
            SelectiveStateUpdate.mamba1(ssmState, Tensor.of(xc, b, dI), Tensor.of(dt, b, dI), a, Tensor.of(bm, b, n),
                            Tensor.of(cm, b, n))
                    .d(dSkip).z(Tensor.of(z, b, dI)).dtBias(deltaBias).dtSoftplus(true).build()
                    .addTo(g, p + "ssm", grids, Tensor.of(y, b, dI));
            linears.add(g, grids, p + "out", t, dI, d, y, w.outProj(), w.outProjBias(), io.out());
            return;
        }
        FloatArray xCm = s.get("m1_xcm", (long) t * dI);
        FloatArray zCm = s.get("m1_zcm", (long) t * dI);
        FloatArray xcCm = s.get("m1_xccm", (long) t * dI);
        FloatArray xcTm = s.get("m1_xctm", (long) t * dI);
        FloatArray bCm = s.get("m1_bcm", (long) t * n);
        FloatArray cCm = s.get("m1_ccm", (long) t * n);
        FloatArray deltaCm = s.get("m1_deltacm", (long) t * dI);
        FloatArray yCm = s.get("m1_ycm", (long) t * dI);
        FloatArray convFinal = s.get("m1_convfinal", io.convState().getSize());
        FloatArray ssmFinal = s.get("m1_ssmfinal", io.ssmState().getSize());
        toChannels(g, grids, p + "x", xz, 2 * dI, 0, dI, xCm, b, len, tiled);
        toChannels(g, grids, p + "z", xz, 2 * dI, dI, dI, zCm, b, len, tiled);
        CausalConv1d.forward(Tensor.of(xCm, b, dI, len), weight).bias(bias).silu(true).initialStates(convState).build()
                .addTo(g, p + "conv", grids, Tensor.of(xcCm, b, dI, len), Tensor.of(convFinal, b, dI, width - 1));
        copy(g, p + "convstate", convFinal, io.convState(), convFinal.getSize());
        toTokens(g, grids, p + "xc", xcCm, dI, 0, dI, xcTm, b, len, tiled);
        linears.add(g, grids, p + "xproj", t, dI, xRows, xcTm, w.xProj(), null, xdbl);
        columns(g, p + "dtlow", xdbl, xRows, 0, r, dtLow, t);
        toChannels(g, grids, p + "b", xdbl, xRows, r, n, bCm, b, len, tiled);
        toChannels(g, grids, p + "c", xdbl, xRows, r + n, n, cCm, b, len, tiled);
        // dt_proj without its bias: the bias is the scan's delta_bias, added inside the softplus
        linears.add(g, grids, p + "dtproj", t, r, dI, dtLow, w.dtProjWeight(), null, dt);
        toChannels(g, grids, p + "delta", dt, dI, 0, dI, deltaCm, b, len, tiled);
        SelectiveScan.builder(Tensor.of(xcCm, b, dI, len), Tensor.of(deltaCm, b, dI, len), a, Tensor.of(bCm, b, n, len),
                        Tensor.of(cCm, b, n, len))
                .d(dSkip).z(Tensor.of(zCm, b, dI, len)).deltaBias(deltaBias).deltaSoftplus(true).initialState(ssmState)
                .build()
                .addTo(g, p + "scan", grids, Tensor.of(yCm, b, dI, len), Tensor.of(ssmFinal, b, dI, n));
        copy(g, p + "ssmstate", ssmFinal, io.ssmState(), ssmFinal.getSize());
        toTokens(g, grids, p + "y", yCm, dI, 0, dI, y, b, len, tiled);
        linears.add(g, grids, p + "out", t, dI, d, y, w.outProj(), w.outProjBias(), io.out());
    }
}
