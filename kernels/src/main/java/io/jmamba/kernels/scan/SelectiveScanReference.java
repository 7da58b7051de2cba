package io.jmamba.kernels.scan;

import io.jmamba.kernels.support.Tensor;

/**
 * The selective scan of Mamba-1 as plain sequential loops in double precision: the specification the
 * kernels are tested against. For each batch {@code b}, channel {@code d}, state index {@code n} and
 * token {@code t}, with {@code g = d / (dim / groups)}:
 * <pre>
 *   dt    = delta[b,d,t] + delta_bias[d];   dt = softplus(dt) = log(1 + e^dt) if delta_softplus
 *   h[n]  = exp(dt * A[d,n]) * h[n] + dt * B[b,g,n,t] * u[b,d,t]     (h starts at initial_state or 0)
 *   y     = sum_n h[n] * C[b,g,n,t] + D[d] * u[b,d,t]
 *   out   = y * silu(z[b,d,t])   (just y without z)
 * </pre>
 * and {@code last_state[b,d,n] = h[n]} after the last token.
 */
public final class SelectiveScanReference {
    private SelectiveScanReference() {
    }

    /**
     * @param d, z, deltaBias, initialState may be null (absent)
     */
    public static SelectiveScanResult forward(Tensor u, Tensor delta, Tensor a, Tensor b, Tensor c, Tensor d, Tensor z,
                                              Tensor deltaBias, boolean deltaSoftplus, Tensor initialState) {
        SelectiveScanShape s = SelectiveScanShape.check(u, delta, a, b, c, d, z, deltaBias, initialState);
        int n = s.dstate();
        long len = s.seqlen();
        Tensor out = Tensor.zeros(s.batch(), s.dim(), s.seqlen());
        Tensor last = Tensor.zeros(s.batch(), s.dim(), n);
        double[] h = new double[n];
        for (int bi = 0; bi < s.batch(); bi++) {
            for (int di = 0; di < s.dim(); di++) {
                int g = di / (s.dim() / s.groups());
                long row = (long) bi * s.dim() + di;
                long bcBase = ((long) bi * s.groups() + g) * n * len;
                for (int k = 0; k < n; k++) {
                    h[k] = initialState == null ? 0.0 : initialState.data().get(row * n + k);
                }
                for (long t = 0; t < len; t++) {
                    double dt = delta.data().get(row * len + t) + (deltaBias == null ? 0.0 : deltaBias.data().get(di));
                    if (deltaSoftplus) {
                        dt = softplus(dt);
                    }
                    double ut = u.data().get(row * len + t);
                    double y = 0;
                    for (int k = 0; k < n; k++) {
                        double ak = a.data().get((long) di * n + k);
                        double bk = b.data().get(bcBase + k * len + t);
                        double ck = c.data().get(bcBase + k * len + t);
                        h[k] = Math.exp(dt * ak) * h[k] + dt * bk * ut;
                        y += h[k] * ck;
                    }
                    if (d != null) {
                        y += d.data().get(di) * ut;
                    }
                    if (z != null) {
                        double zt = z.data().get(row * len + t);
                        y *= zt / (1.0 + Math.exp(-zt));
                    }
                    out.data().set(row * len + t, (float) y);
                }
                for (int k = 0; k < n; k++) {
                    last.data().set(row * n + k, (float) h[k]);
                }
            }
        }
        return new SelectiveScanResult(out, last);
    }

    /** log(1 + e^x), written so that it neither overflows for large x nor loses digits for small. */
    static double softplus(double x) {
        return x > 20.0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
    }
}
