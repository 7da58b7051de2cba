package io.jmamba.model.reference;

import io.jmamba.model.config.MambaConfig;
import io.jmamba.model.weights.Mamba1LayerWeights;

import static io.jmamba.model.reference.ReferenceOps.convStepSilu;
import static io.jmamba.model.reference.ReferenceOps.matvec;
import static io.jmamba.model.reference.ReferenceOps.silu;
import static io.jmamba.model.reference.ReferenceOps.softplus;

/**
 * The Mamba-1 mixer for one token of one sequence, as mamba_ssm's Mamba.step computes it:
 * in_proj -> (x, z); causal conv1d + SiLU on x; x_proj -> (dt, B, C); dt_proj; selective scan step
 * h = exp(delta A) h + delta B x with delta = softplus(dt + delta_bias); y = C h + D x; y * silu(z);
 * out_proj.
 */
final class Mamba1Reference {
    private Mamba1Reference() {
    }

    static float[] step(MambaConfig c, Mamba1LayerWeights w, float[] hidden, LayerState st) {
        int dI = c.dInner();
        int n = c.dState();
        int r = c.dtRank();
        float[] xz = matvec(w.inProj(), w.inProjBias(), hidden, 2 * dI, c.dModel());
        float[] x = java.util.Arrays.copyOfRange(xz, 0, dI);
        float[] xc = convStepSilu(x, st.conv, w.convWeight(), w.convBias(), dI, c.dConv());
        float[] xDbl = matvec(w.xProj(), null, xc, c.xProjRows(), dI);
        float[] dtLow = java.util.Arrays.copyOfRange(xDbl, 0, r);
        // dt_proj's bias is the scan's delta_bias: added inside softplus below
        float[] dt = matvec(w.dtProjWeight(), null, dtLow, dI, r);
        float[] y = new float[dI];
        for (int ch = 0; ch < dI; ch++) {
            double delta = softplus(dt[ch] + (double) w.dtProjBias().get(ch));
            double acc = 0;
            int sb = ch * n;
            for (int s = 0; s < n; s++) {
                double a = w.a().get((long) sb + s);
                double b = xDbl[r + s];
                double cc = xDbl[r + n + s];
                float h = (float) (Math.exp(delta * a) * st.ssm[sb + s] + delta * b * xc[ch]);
                st.ssm[sb + s] = h;
                acc += h * cc;
            }
            acc += (double) w.d().get(ch) * xc[ch];
            y[ch] = (float) (acc * silu(xz[dI + ch]));
        }
        return matvec(w.outProj(), w.outProjBias(), y, c.dModel(), dI);
    }
}
