package io.jmamba.model.device;

import io.jmamba.model.config.MambaConfig;
import io.jmamba.model.weights.LayerWeights;
import io.jmamba.model.weights.Mamba1LayerWeights;
import io.jmamba.model.weights.Mamba2LayerWeights;
import io.jmamba.model.weights.ModelWeights;
import io.jmamba.runtime.api.DataTransferMode;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.TaskGraph;

import java.util.ArrayList;
import java.util.List;

/**
 * Adds the tasks of one forward pass of a Mamba stack to a task graph: embedding; per layer the
 * residual add + RMSNorm and the mixer; the final norm and the lm_head. Weights go to the device
 * on the first execution and stay; activations never leave it.
 */
final class StackTasks {
    private final MambaConfig c;
    private final ModelWeights w;
    /** Stands in for absent optional weights (a kernel argument cannot be null; a flag says not to read it). */
    private final FloatArray placeholder = new FloatArray(1);

    StackTasks(ModelWeights weights) {
        this.w = weights;
        this.c = weights.config();
    }

    void addTo(TaskGraph g, Activations a) {
        g.transferToDevice(DataTransferMode.FIRST_EXECUTION, weightArrays().toArray());
        g.transferToDevice(DataTransferMode.EVERY_EXECUTION, a.ids);
        int d = c.dModel();
        g.task("embed", ModelKernels::embed, a.ids, w.embedding(), a.hidden, a.tokens, d);
        for (int l = 0; l < c.nLayer(); l++) {
            LayerWeights lw = w.layers().get(l);
            g.task("l" + l + "_norm", ModelKernels::residualRmsNorm, a.hidden, a.residual, lw.norm(), a.normed,
                    a.tokens, d, c.normEps(), l == 0 ? 1 : 0);
            switch (lw) {
                case Mamba1LayerWeights m -> mamba1(g, "l" + l + "_", m, a, l);
                case Mamba2LayerWeights m -> mamba2(g, "l" + l + "_", m, a, l);
            }
        }
        g.task("norm_f", ModelKernels::residualRmsNorm, a.hidden, a.residual, w.normF(), a.normed, a.tokens, d,
                c.normEps(), 0);
        FloatArray headIn = a.normed;
        int rows = a.tokens;
        if (!a.allPositions) {
            g.task("last", ModelKernels::lastPositions, a.normed, a.lastRows, a.batch, a.seqlen, d);
            headIn = a.lastRows;
            rows = a.batch;
        }
        linear(g, "lm_head", headIn, w.lmHead(), null, a.logits, rows, d, c.vocabSize(), d, 0, 0, 1, false);
        g.transferToHost(DataTransferMode.EVERY_EXECUTION, a.logits);
    }

    private void mamba1(TaskGraph g, String p, Mamba1LayerWeights m, Activations a, int layer) {
        int d = c.dModel();
        int dI = c.dInner();
        int n = c.dState();
        int r = c.dtRank();
        int b = a.batch;
        int len = a.seqlen;
        linear(g, p + "in_x", a.normed, m.inProj(), m.inProjBias(), a.xCm, a.tokens, d, dI, d, 0, 0, len, true);
        linear(g, p + "in_z", a.normed, m.inProj(), m.inProjBias(), a.zCm, a.tokens, d, dI, d, 0, dI, len, true);
        g.task(p + "conv", RecurrentKernels::convSilu, a.xCm, a.convState[layer], m.convWeight(), or(m.convBias()),
                a.xcCm, b, dI, len, c.dConv(), m.convBias() != null ? 1 : 0);
        g.task(p + "xc_tm", ModelKernels::channelsToTokens, a.xcCm, a.xcTm, b, dI, len, 0, dI);
        linear(g, p + "x_dt", a.xcTm, m.xProj(), null, a.dtLow, a.tokens, dI, r, dI, 0, 0, len, false);
        linear(g, p + "x_b", a.xcTm, m.xProj(), null, a.bCm, a.tokens, dI, n, dI, 0, r, len, true);
        linear(g, p + "x_c", a.xcTm, m.xProj(), null, a.cCm, a.tokens, dI, n, dI, 0, r + n, len, true);
        // the dt_proj bias is the scan's delta_bias, added inside its softplus
        linear(g, p + "dt", a.dtLow, m.dtProjWeight(), null, a.deltaCm, a.tokens, r, dI, r, 0, 0, len, true);
        g.task(p + "scan", RecurrentKernels::selectiveScan, a.xcCm, a.deltaCm, m.a(), a.bCm, a.cCm, m.d(), a.zCm,
                m.dtProjBias(), a.ssmState[layer], a.yCm, b, dI, len, n);
        g.task(p + "y_tm", ModelKernels::channelsToTokens, a.yCm, a.yTm, b, dI, len, 0, dI);
        linear(g, p + "out", a.yTm, m.outProj(), m.outProjBias(), a.hidden, a.tokens, dI, d, dI, 0, 0, len, false);
    }

    private void mamba2(TaskGraph g, String p, Mamba2LayerWeights m, Activations a, int layer) {
        int d = c.dModel();
        int dI = c.dInner();
        int n = c.dState();
        int gr = c.nGroups();
        int heads = c.nHeads();
        int convDim = c.convChannels();
        int b = a.batch;
        int len = a.seqlen;
        linear(g, p + "in_z", a.normed, m.inProj(), m.inProjBias(), a.zTm, a.tokens, d, dI, d, 0, 0, len, false);
        linear(g, p + "in_xbc", a.normed, m.inProj(), m.inProjBias(), a.xbcCm, a.tokens, d, convDim, d, 0, dI, len, true);
        linear(g, p + "in_dt", a.normed, m.inProj(), m.inProjBias(), a.dtTm, a.tokens, d, heads, d, 0, dI + convDim, len,
                false);
        g.task(p + "conv", RecurrentKernels::convSilu, a.xbcCm, a.convState[layer], m.convWeight(), or(m.convBias()),
                a.xbcConvCm, b, convDim, len, c.dConv(), m.convBias() != null ? 1 : 0);
        g.task(p + "x_tm", ModelKernels::channelsToTokens, a.xbcConvCm, a.xTm, b, convDim, len, 0, dI);
        g.task(p + "b_tm", ModelKernels::channelsToTokens, a.xbcConvCm, a.bTm, b, convDim, len, dI, gr * n);
        g.task(p + "c_tm", ModelKernels::channelsToTokens, a.xbcConvCm, a.cTm, b, convDim, len, dI + gr * n, gr * n);
        boolean clamp = c.dtLimitLow() > 0 || c.dtLimitHigh() != Float.POSITIVE_INFINITY;
        g.task(p + "ssd", RecurrentKernels.class, "ssdRecurrent", a.xTm, a.dtTm, m.a(), a.bTm, a.cTm, m.d(), m.dtBias(),
                a.ssmState[layer], a.yTm, b, len, heads, c.headDim(), gr, n, clamp ? 1 : 0, c.dtLimitLow(),
                c.dtLimitHigh());
        g.task(p + "gnorm", RecurrentKernels::gatedRmsNorm, a.yTm, a.zTm, m.gateNorm(), a.ynTm, a.tokens, dI, dI / gr,
                c.normEps(), c.normBeforeGate() ? 1 : 0);
        linear(g, p + "out", a.ynTm, m.outProj(), m.outProjBias(), a.hidden, a.tokens, dI, d, dI, 0, 0, len, false);
    }

    /** y = rows [wRow0, wRow0 + n) of W applied to x (k inputs per row, row stride xStride, column offset xOff). */
    private void linear(TaskGraph g, String id, FloatArray x, FloatArray weight, FloatArray bias, FloatArray y,
                        int tokens, int k, int n, int xStride, int xOff, int wRow0, int seqlen, boolean channelMajor) {
        g.task(id, ModelKernels::linear, x, weight, or(bias), y, tokens, k, n, xStride, xOff, wRow0,
                bias != null ? 1 : 0, seqlen, channelMajor ? 1 : 0);
    }

    private FloatArray or(FloatArray a) {
        return a != null ? a : placeholder;
    }

    /** Every weight array of the model, once each (tied lm_head is the embedding), and the placeholder. */
    List<FloatArray> weightArrays() {
        List<FloatArray> out = new ArrayList<>();
        out.add(placeholder);
        out.add(w.embedding());
        for (LayerWeights lw : w.layers()) {
            switch (lw) {
                case Mamba1LayerWeights m -> addAll(out, m.norm(), m.inProj(), m.inProjBias(), m.convWeight(), m.convBias(),
                        m.xProj(), m.dtProjWeight(), m.dtProjBias(), m.a(), m.d(), m.outProj(), m.outProjBias());
                case Mamba2LayerWeights m -> addAll(out, m.norm(), m.inProj(), m.inProjBias(), m.convWeight(), m.convBias(),
                        m.dtBias(), m.a(), m.d(), m.gateNorm(), m.outProj(), m.outProjBias());
            }
        }
        out.add(w.normF());
        if (w.lmHead() != w.embedding()) {
            out.add(w.lmHead());
        }
        return out;
    }

    private static void addAll(List<FloatArray> out, FloatArray... arrays) {
        for (FloatArray a : arrays) {
            if (a != null) {
                out.add(a);
            }
        }
    }
}
