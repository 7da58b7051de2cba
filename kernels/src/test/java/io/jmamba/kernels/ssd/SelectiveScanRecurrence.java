package io.jmamba.kernels.ssd;

/**
 * A tiny Mamba-1 selective-scan recurrence in mamba_ssm's layout (u, delta, z, out: (batch, dim,
 * seqlen); A: (dim, dstate); B, C: (batch, groups, dstate, seqlen); D, delta_bias: (dim)), written
 * independently of the SSD code so that "SSD equals the selective scan with A, dt and D repeated
 * over headdim" compares two separate implementations.
 */
final class SelectiveScanRecurrence {
    private SelectiveScanRecurrence() {
    }

    static double[] run(int batch, int dim, int seqlen, int dstate, int groups, float[] u, float[] delta, float[] a,
                        float[] b, float[] c, float[] d, float[] z, float[] deltaBias, boolean softplus) {
        double[] out = new double[batch * dim * seqlen];
        for (int bi = 0; bi < batch; bi++) {
            for (int ch = 0; ch < dim; ch++) {
                int g = ch / (dim / groups);
                double[] s = new double[dstate];
                for (int t = 0; t < seqlen; t++) {
                    int ui = (bi * dim + ch) * seqlen + t;
                    double dt = delta[ui] + (deltaBias == null ? 0 : deltaBias[ch]);
                    if (softplus) {
                        dt = dt <= 20 ? Math.log1p(Math.exp(dt)) : dt;
                    }
                    double y = 0;
                    for (int n = 0; n < dstate; n++) {
                        int bcIdx = ((bi * groups + g) * dstate + n) * seqlen + t;
                        s[n] = Math.exp(dt * a[ch * dstate + n]) * s[n] + dt * b[bcIdx] * u[ui];
                        y += s[n] * c[bcIdx];
                    }
                    if (d != null) {
                        y += d[ch] * u[ui];
                    }
                    if (z != null) {
                        y *= z[ui] / (1 + Math.exp(-z[ui]));
                    }
                    out[ui] = y;
                }
            }
        }
        return out;
    }
}
