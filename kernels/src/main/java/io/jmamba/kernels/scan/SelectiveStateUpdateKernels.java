package io.jmamba.kernels.scan;

import io.jmamba.kernels.support.Activations;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelMath;
import io.jmamba.runtime.api.Parallel;
import io.jmamba.runtime.api.Specialize;

/**
 * One decode token of the selective SSM; the state is updated in place so that it can stay on the
 * device from step to step. One work-item per state row (Mamba-1: per channel; Mamba-2: per head
 * and channel), each looping over dstate. {@link SelectiveStateUpdateReference} is the specification.
 * Optional inputs are switched by the {@code HAS_*} bits of {@code flags}; absent ones are placeholders.
 */
public final class SelectiveStateUpdateKernels {
    public static final int HAS_D = 1;
    public static final int HAS_Z = 2;
    public static final int HAS_DT_BIAS = 4;
    public static final int DT_SOFTPLUS = 8;
    /** Mamba-2: D is per (head, channel) rather than per head. */
    public static final int D_PER_CHANNEL = 16;
    /** Mamba-2: clamp dt to [dtMin, dtMax] after the softplus. */
    public static final int HAS_DT_LIMIT = 32;

    private SelectiveStateUpdateKernels() {
    }

    /**
     * Mamba-1 form: state {@code [batch, dim, dstate]}; x, dt, z, out {@code [batch, dim]}; A
     * {@code [dim, dstate]}; B, C {@code [batch, groups, dstate]}; D, dt_bias {@code [dim]}.
     */
    public static void mamba1(FloatArray state, FloatArray x, FloatArray dt, FloatArray a, FloatArray b, FloatArray c,
                              FloatArray dSkip, FloatArray z, FloatArray dtBias, FloatArray out,
                              int batch, int dim, int groups, @Specialize int dstate, int flags) {
        int rows = batch * dim;
        int channelsPerGroup = dim / groups;
        for (@Parallel int row = 0; row < rows; row++) {
            int bi = row / dim;
            int d = row - bi * dim;
            float dtv = stepDt(dt, dtBias, row, d, flags);
            float xv = x.get(row);
            float dtx = dtv * xv;
            long bcBase = ((long) bi * groups + d / channelsPerGroup) * dstate;
            long stateBase = (long) row * dstate;
            float y = 0f;
            for (int n = 0; n < dstate; n++) {
                float s = state.get(stateBase + n) * KernelMath.exp(dtv * a.get((long) d * dstate + n))
                        + dtx * b.get(bcBase + n);
                state.set(stateBase + n, s);
                y += s * c.get(bcBase + n);
            }
            if ((flags & HAS_D) != 0) {
                y += dSkip.get(d) * xv;
            }
            if ((flags & HAS_Z) != 0) {
                y *= Activations.silu(z.get(row));
            }
            out.set(row, y);
        }
    }

    /**
     * Mamba-2 form: state {@code [batch, nheads, headdim, dstate]}; x, z, out {@code [batch, nheads, headdim]};
     * dt {@code [batch, nheads]}; A, dt_bias {@code [nheads]}; D {@code [nheads]} or {@code [nheads, headdim]};
     * B, C {@code [batch, ngroups, dstate]}.
     */
    public static void mamba2(FloatArray state, FloatArray x, FloatArray dt, FloatArray a, FloatArray b, FloatArray c,
                              FloatArray dSkip, FloatArray z, FloatArray dtBias, FloatArray out,
                              int batch, int heads, int headdim, int groups, float dtMin, float dtMax,
                              @Specialize int dstate, int flags) {
        int rows = batch * heads * headdim;
        int headsPerGroup = heads / groups;
        for (@Parallel int row = 0; row < rows; row++) {
            int bh = row / headdim;
            int p = row - bh * headdim;
            int bi = bh / heads;
            int h = bh - bi * heads;
            float dtv = stepDt(dt, dtBias, bh, h, flags);
            if ((flags & HAS_DT_LIMIT) != 0) {
                dtv = Math.min(Math.max(dtv, dtMin), dtMax);
            }
            float decay = KernelMath.exp(dtv * a.get(h));
            float xv = x.get(row);
            float dtx = dtv * xv;
            long bcBase = ((long) bi * groups + h / headsPerGroup) * dstate;
            long stateBase = (long) row * dstate;
            float y = 0f;
            for (int n = 0; n < dstate; n++) {
                float s = state.get(stateBase + n) * decay + dtx * b.get(bcBase + n);
                state.set(stateBase + n, s);
                y += s * c.get(bcBase + n);
            }
            if ((flags & HAS_D) != 0) {
                y += dSkip.get((flags & D_PER_CHANNEL) != 0 ? h * headdim + p : h) * xv;
            }
            if ((flags & HAS_Z) != 0) {
                y *= Activations.silu(z.get(row));
            }
            out.set(row, y);
        }
    }

    /** The step's dt: dt[at] (+ dt_bias[biasAt]), through softplus, as {@code flags} say (both kernels of both forms). */
    static float stepDt(FloatArray dt, FloatArray dtBias, int at, int biasAt, int flags) {
        float dtv = dt.get(at);
        if ((flags & HAS_DT_BIAS) != 0) {
            dtv += dtBias.get(biasAt);
        }
        if ((flags & DT_SOFTPLUS) != 0) {
            dtv = Activations.softplus(dtv);
        }
        return dtv;
    }
}
