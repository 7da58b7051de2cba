package io.jmamba.model.device;

import io.jmamba.model.config.MambaConfig;
import io.jmamba.model.weights.Mamba1LayerWeights;
import io.jmamba.model.weights.Mamba2LayerWeights;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.TaskGraph;

/**
 * The mixers built from the model's own plain kernels ({@link KernelSet#PORTABLE}): linear layers
 * read column ranges of in_proj in place, conv and SSM walk the sequence per channel with the state
 * updated in place, so prefill and decode are the same graph.
 */
final class PortableMixers {
    private PortableMixers() {
    }

    static MixerTasks mamba1(MambaConfig c, Mamba1LayerWeights m, FloatArray placeholder) {
        return (g, grids, p, io) -> {
            int d = c.dModel();
            int dI = c.dInner();
            int n = c.dState();
            int r = c.dtRank();
            int b = io.batch();
            int len = io.seqlen();
            int t = io.tokens();
            Scratch s = io.scratch();
            FloatArray xCm = s.get("p1_x", (long) t * dI);
            FloatArray zCm = s.get("p1_z", (long) t * dI);
            FloatArray xcCm = s.get("p1_xc", (long) t * dI);
            FloatArray xcTm = s.get("p1_xct", (long) t * dI);
            FloatArray dtLow = s.get("p1_dtlow", (long) t * r);
            FloatArray bCm = s.get("p1_b", (long) t * n);
            FloatArray cCm = s.get("p1_c", (long) t * n);
            FloatArray deltaCm = s.get("p1_delta", (long) t * dI);
            FloatArray yCm = s.get("p1_y", (long) t * dI);
            FloatArray yTm = s.get("p1_yt", (long) t * dI);
            linear(g, p + "in_x", io.in(), m.inProj(), m.inProjBias(), xCm, t, d, dI, d, 0, 0, len, true, placeholder);
            linear(g, p + "in_z", io.in(), m.inProj(), m.inProjBias(), zCm, t, d, dI, d, 0, dI, len, true, placeholder);
            g.task(p + "conv", RecurrentKernels::convSilu, xCm, io.convState(), m.convWeight(), or(m.convBias(), placeholder),
                    xcCm, b, dI, len, c.dConv(), m.convBias() != null ? 1 : 0);
            g.task(p + "xc_tm", ModelKernels::channelsToTokens, xcCm, xcTm, b, dI, len, 0, dI);
            linear(g, p + "x_dt", xcTm, m.xProj(), null, dtLow, t, dI, r, dI, 0, 0, len, false, placeholder);
            linear(g, p + "x_b", xcTm, m.xProj(), null, bCm, t, dI, n, dI, 0, r, len, true, placeholder);
            linear(g, p + "x_c", xcTm, m.xProj(), null, cCm, t, dI, n, dI, 0, r + n, len, true, placeholder);
            // the dt_proj bias is the scan's delta_bias, added inside its softplus
            linear(g, p + "dt", dtLow, m.dtProjWeight(), null, deltaCm, t, r, dI, r, 0, 0, len, true, placeholder);
            g.task(p + "scan", RecurrentKernels::selectiveScan, xcCm, deltaCm, m.a(), bCm, cCm, m.d(), zCm,
                    m.dtProjBias(), io.ssmState(), yCm, b, dI, len, n);
            g.task(p + "y_tm", ModelKernels::channelsToTokens, yCm, yTm, b, dI, len, 0, dI);
            linear(g, p + "out", yTm, m.outProj(), m.outProjBias(), io.out(), t, dI, d, dI, 0, 0, len, false, placeholder);
        };
    }

    static MixerTasks mamba2(MambaConfig c, Mamba2LayerWeights m, FloatArray placeholder) {
        return (g, grids, p, io) -> {
            int d = c.dModel();
            int dI = c.dInner();
            int n = c.dState();
            int gr = c.nGroups();
            int heads = c.nHeads();
            int convDim = c.convChannels();
            int b = io.batch();
            int len = io.seqlen();
            int t = io.tokens();
            Scratch s = io.scratch();
            FloatArray zTm = s.get("p2_z", (long) t * dI);
            FloatArray xbcCm = s.get("p2_xbc", (long) t * convDim);
            FloatArray dtTm = s.get("p2_dt", (long) t * heads);
            FloatArray xbcConvCm = s.get("p2_xbcconv", (long) t * convDim);
            FloatArray xTm = s.get("p2_x", (long) t * dI);
            FloatArray bTm = s.get("p2_b", (long) t * gr * n);
            FloatArray cTm = s.get("p2_c", (long) t * gr * n);
            FloatArray yTm = s.get("p2_y", (long) t * dI);
            FloatArray ynTm = s.get("p2_yn", (long) t * dI);
            linear(g, p + "in_z", io.in(), m.inProj(), m.inProjBias(), zTm, t, d, dI, d, 0, 0, len, false, placeholder);
            linear(g, p + "in_xbc", io.in(), m.inProj(), m.inProjBias(), xbcCm, t, d, convDim, d, 0, dI, len, true, placeholder);
            linear(g, p + "in_dt", io.in(), m.inProj(), m.inProjBias(), dtTm, t, d, heads, d, 0, dI + convDim, len, false,
                    placeholder);
            g.task(p + "conv", RecurrentKernels::convSilu, xbcCm, io.convState(), m.convWeight(), or(m.convBias(), placeholder),
                    xbcConvCm, b, convDim, len, c.dConv(), m.convBias() != null ? 1 : 0);
            g.task(p + "x_tm", ModelKernels::channelsToTokens, xbcConvCm, xTm, b, convDim, len, 0, dI);
            g.task(p + "b_tm", ModelKernels::channelsToTokens, xbcConvCm, bTm, b, convDim, len, dI, gr * n);
            g.task(p + "c_tm", ModelKernels::channelsToTokens, xbcConvCm, cTm, b, convDim, len, dI + gr * n, gr * n);
            boolean clamp = c.dtLimitLow() > 0 || c.dtLimitHigh() != Float.POSITIVE_INFINITY;
            g.task(p + "ssd", RecurrentKernels.class, "ssdRecurrent", xTm, dtTm, m.a(), bTm, cTm, m.d(), m.dtBias(),
                    io.ssmState(), yTm, b, len, heads, c.headDim(), gr, n, clamp ? 1 : 0, c.dtLimitLow(), c.dtLimitHigh());
            g.task(p + "gnorm", RecurrentKernels::gatedRmsNorm, yTm, zTm, m.gateNorm(), ynTm, t, dI, dI / gr,
                    c.normEps(), c.normBeforeGate() ? 1 : 0);
            linear(g, p + "out", ynTm, m.outProj(), m.outProjBias(), io.out(), t, dI, d, dI, 0, 0, len, false, placeholder);
        };
    }

    /** y = rows [wRow0, wRow0 + n) of W applied to x (k inputs per row, row stride xStride, column offset xOff). */
    static void linear(TaskGraph g, String id, FloatArray x, FloatArray weight, FloatArray bias, FloatArray y, int tokens,
                       int k, int n, int xStride, int xOff, int wRow0, int seqlen, boolean channelMajor, FloatArray placeholder) {
        g.task(id, ModelKernels::linear, x, weight, or(bias, placeholder), y, tokens, k, n, xStride, xOff, wRow0,
                bias != null ? 1 : 0, seqlen, channelMajor ? 1 : 0);
    }

    static FloatArray or(FloatArray a, FloatArray placeholder) {
        return a != null ? a : placeholder;
    }
}
