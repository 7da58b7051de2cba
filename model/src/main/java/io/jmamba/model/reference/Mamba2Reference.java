package io.jmamba.model.reference;

import io.jmamba.model.config.MambaConfig;
import io.jmamba.model.weights.Mamba2LayerWeights;

import static io.jmamba.model.reference.ReferenceOps.convStepSilu;
import static io.jmamba.model.reference.ReferenceOps.matvec;
import static io.jmamba.model.reference.ReferenceOps.rmsNormInPlace;
import static io.jmamba.model.reference.ReferenceOps.silu;
import static io.jmamba.model.reference.ReferenceOps.softplus;

/**
 * The Mamba-2 mixer for one token of one sequence, as mamba_ssm's Mamba2.step computes it:
 * in_proj -> (z, xBC, dt); conv over xBC + SiLU; split x, B, C; per head delta = clamp(softplus(dt +
 * dt_bias), dt_limit), h = exp(delta A) h + delta B x (B, C of the head's group), y = C h + D x;
 * grouped gated RMSNorm (y * silu(z) normalised per group of d_inner / n_groups, times weight; or
 * norm first when norm_before_gate); out_proj.
 */
final class Mamba2Reference {
    private Mamba2Reference() {
    }

    static float[] step(MambaConfig c, Mamba2LayerWeights w, float[] hidden, LayerState st) {
        int dI = c.dInner();
        int n = c.dState();
        int g = c.nGroups();
        int heads = c.nHeads();
        int p = c.headDim();
        int convDim = c.convChannels();
        float[] zxbcdt = matvec(w.inProj(), w.inProjBias(), hidden, c.inProjRows(), c.dModel());
        float[] xBC = java.util.Arrays.copyOfRange(zxbcdt, dI, dI + convDim);
        float[] conv = convStepSilu(xBC, st.conv, w.convWeight(), w.convBias(), convDim, c.dConv());
        int bOff = dI;
        int cOff = dI + g * n;
        int headsPerGroup = heads / g;
        boolean clamp = c.dtLimitLow() > 0 || c.dtLimitHigh() != Float.POSITIVE_INFINITY;
        float[] y = new float[dI];
        for (int h = 0; h < heads; h++) {
            double delta = softplus(zxbcdt[dI + convDim + h] + (double) w.dtBias().get(h));
            if (clamp) {
                delta = Math.min(Math.max(delta, c.dtLimitLow()), c.dtLimitHigh());
            }
            double dA = Math.exp(delta * w.a().get(h));
            int grp = h / headsPerGroup;
            for (int i = 0; i < p; i++) {
                int ch = h * p + i;
                double x = conv[ch];
                double acc = 0;
                int sb = ch * n;
                for (int s = 0; s < n; s++) {
                    float hs = (float) (dA * st.ssm[sb + s] + delta * conv[bOff + grp * n + s] * x);
                    st.ssm[sb + s] = hs;
                    acc += hs * (double) conv[cOff + grp * n + s];
                }
                y[ch] = (float) (acc + w.d().get(h) * x);
            }
        }
        int groupSize = dI / g;
        if (c.normBeforeGate()) {
            for (int gi = 0; gi < g; gi++) {
                rmsNormInPlace(y, gi * groupSize, groupSize, w.gateNorm(), gi * groupSize, c.normEps());
            }
            for (int ch = 0; ch < dI; ch++) {
                y[ch] = (float) (y[ch] * silu(zxbcdt[ch]));
            }
        } else {
            for (int ch = 0; ch < dI; ch++) {
                y[ch] = (float) (y[ch] * silu(zxbcdt[ch]));
            }
            for (int gi = 0; gi < g; gi++) {
                rmsNormInPlace(y, gi * groupSize, groupSize, w.gateNorm(), gi * groupSize, c.normEps());
            }
        }
        return matvec(w.outProj(), w.outProjBias(), y, c.dModel(), dI);
    }
}
