package io.jmamba.kernels.scan;

import io.jmamba.kernels.support.Tensor;

/**
 * One decode token of the selective SSM, in double precision: the specification of
 * {@link SelectiveStateUpdateKernels}. It does not modify its inputs; it returns a new state.
 * <pre>
 *   dt  = dt + dt_bias;  dt = softplus(dt) if dt_softplus;  dt = clamp(dt, lo, hi) (Mamba-2 dt_limit)
 *   s[n] = s[n] * exp(dt * A) + dt * B[g,n] * x
 *   out = (sum_n s[n] * C[g,n] + D * x) * silu(z)
 * </pre>
 * Mamba-1: per channel {@code d}, A is {@code A[d,n]}; Mamba-2: per (head h, channel p), A, dt, D and
 * dt_bias are per head (D optionally per (head, channel)), the same for every p.
 */
public final class SelectiveStateUpdateReference {
    private SelectiveStateUpdateReference() {
    }

    public static StateUpdateResult mamba1(Tensor state, Tensor x, Tensor dt, Tensor a, Tensor b, Tensor c, Tensor d,
                                           Tensor z, Tensor dtBias, boolean dtSoftplus) {
        StateUpdateShape s = StateUpdateShape.mamba1(state, x, dt, a, b, c, d, z, dtBias);
        return step(s, state, x, dt, a, b, c, d, z, dtBias, dtSoftplus, 0, Double.POSITIVE_INFINITY);
    }

    public static StateUpdateResult mamba2(Tensor state, Tensor x, Tensor dt, Tensor a, Tensor b, Tensor c, Tensor d,
                                           Tensor z, Tensor dtBias, boolean dtSoftplus, double dtMin, double dtMax) {
        StateUpdateShape s = StateUpdateShape.mamba2(state, x, dt, a, b, c, d, z, dtBias);
        return step(s, state, x, dt, a, b, c, d, z, dtBias, dtSoftplus, dtMin, dtMax);
    }

    private static StateUpdateResult step(StateUpdateShape s, Tensor state, Tensor x, Tensor dt, Tensor a, Tensor b,
                                          Tensor c, Tensor d, Tensor z, Tensor dtBias, boolean dtSoftplus,
                                          double dtMin, double dtMax) {
        int n = s.dstate();
        int p = s.headdim();
        Tensor out = Tensor.zeros(x.shape());
        Tensor newState = Tensor.zeros(state.shape());
        for (int bi = 0; bi < s.batch(); bi++) {
            for (int h = 0; h < s.heads(); h++) {
                int g = h / (s.heads() / s.groups());
                double dtv = dt.data().get((long) bi * s.heads() + h) + (dtBias == null ? 0 : dtBias.data().get(h));
                if (dtSoftplus) {
                    dtv = SelectiveScanReference.softplus(dtv);
                }
                if (s.mamba2()) {
                    dtv = Math.min(Math.max(dtv, dtMin), dtMax);
                }
                for (int pi = 0; pi < p; pi++) {
                    long row = ((long) bi * s.heads() + h) * p + pi;
                    double xv = x.data().get(row);
                    double y = 0;
                    for (int k = 0; k < n; k++) {
                        double ak = s.mamba2() ? a.data().get(h) : a.data().get((long) h * n + k);
                        long bc = ((long) bi * s.groups() + g) * n + k;
                        double sv = state.data().get(row * n + k) * Math.exp(dtv * ak) + dtv * b.data().get(bc) * xv;
                        newState.data().set(row * n + k, (float) sv);
                        y += sv * c.data().get(bc);
                    }
                    if (d != null) {
                        y += d.data().get(s.dPerChannel() ? (long) h * p + pi : h) * xv;
                    }
                    if (z != null) {
                        double zv = z.data().get(row);
                        y *= zv / (1 + Math.exp(-zv));
                    }
                    out.data().set(row, (float) y);
                }
            }
        }
        return new StateUpdateResult(out, newState);
    }
}
