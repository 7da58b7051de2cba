package io.jmamba.kernels.ssd;

import io.jmamba.kernels.nn.ShapeCheck;
import io.jmamba.runtime.api.FloatArray;

/**
 * The specification of the SSD forward pass as a plain recurrence over time (no chunks), in double
 * precision. For every batch b, head h, channel p and state n:
 * <pre>
 *   dt'   = clamp(softplus?(dt[b,t,h] + dt_bias[h]), dt_limit)
 *   s     = exp(dt' * A[h]) * s + dt' * B[b,t,g,n] * x[b,t,h,p]        (g = h / (heads / groups))
 *   y     = sum_n C[b,t,g,n] * s[n] + D * x[b,t,h,p]
 *   out   = y * silu(z[b,t,h,p])                                      (when z is given)
 * </pre>
 * starting from {@code initial_states} (or zeros); the state after the last token is {@code final_states}.
 * The chunked kernels in {@link SsdKernels} must agree with it.
 */
public final class SsdReference {
    private SsdReference() {
    }

    /**
     * Runs the recurrence; writes {@code out} (batch, seqlen, heads, headdim) and, when not null,
     * {@code finalStates} (batch, heads, headdim, dstate).
     */
    public static void forward(SsdConfig cfg, SsdInputs in, FloatArray out, FloatArray finalStates) {
        cfg.validate();
        SsdInputs.DMode dMode = in.validate(cfg);
        int batch = cfg.batch(), seqlen = cfg.seqlen(), heads = cfg.heads(), headdim = cfg.headdim();
        int groups = cfg.groups(), dstate = cfg.dstate();
        ShapeCheck.requireShape("out", out, "(batch, seqlen, heads, headdim)", batch, seqlen, heads, headdim);
        if (finalStates != null) {
            ShapeCheck.requireShape("final_states", finalStates, "(batch, heads, headdim, dstate)", batch, heads, headdim, dstate);
        }
        double[] state = new double[dstate];
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                int g = h / cfg.headsPerGroup();
                for (int p = 0; p < headdim; p++) {
                    long stateBase = (((long) b * heads + h) * headdim + p) * dstate;
                    for (int n = 0; n < dstate; n++) {
                        state[n] = in.initialStates() == null ? 0.0 : in.initialStates().get(stateBase + n);
                    }
                    for (int t = 0; t < seqlen; t++) {
                        long row = (long) b * seqlen + t;
                        double dt = processDt(cfg, in.dt().get(row * heads + h), in.dtBias() == null ? 0f : in.dtBias().get(h));
                        double decay = Math.exp(dt * in.A().get(h));
                        long xi = (row * heads + h) * headdim + p;
                        double x = in.x().get(xi);
                        long bc = (row * groups + g) * dstate;
                        double y = 0;
                        for (int n = 0; n < dstate; n++) {
                            state[n] = decay * state[n] + dt * in.B().get(bc + n) * x;
                            y += in.C().get(bc + n) * state[n];
                        }
                        y += switch (dMode) {
                            case NONE -> 0.0;
                            case PER_HEAD -> in.D().get(h) * x;
                            case PER_CHANNEL -> in.D().get((long) h * headdim + p) * x;
                        };
                        if (in.z() != null) {
                            double z = in.z().get(xi);
                            y *= z / (1.0 + Math.exp(-z));
                        }
                        out.set(xi, (float) y);
                    }
                    if (finalStates != null) {
                        for (int n = 0; n < dstate; n++) {
                            finalStates.set(stateBase + n, (float) state[n]);
                        }
                    }
                }
            }
        }
    }

    /** dt + bias, softplus (log(1 + e^v), linear above 20 as in mamba_ssm), then the dt_limit clamp. */
    static double processDt(SsdConfig cfg, float dt, float bias) {
        double v = (double) dt + bias;
        if (cfg.dtSoftplus()) {
            v = v <= 20.0 ? Math.log1p(Math.exp(v)) : v;
        }
        if (cfg.clampsDt()) {
            v = Math.min(Math.max(v, cfg.dtMin()), cfg.dtMax());
        }
        return v;
    }
}
