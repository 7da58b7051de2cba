package io.jmamba.kernels.ssd;

import io.jmamba.kernels.nn.ShapeCheck;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.NativeArray;

/**
 * The tensors an SSD call reads. {@code D}, {@code z}, {@code dtBias} and {@code initialStates} are
 * optional (null when absent).
 *
 * @param x             (batch, seqlen, heads, headdim)
 * @param dt            (batch, seqlen, heads), before dt_bias / softplus / clamp
 * @param A             (heads), usually negative
 * @param B             (batch, seqlen, groups, dstate)
 * @param C             (batch, seqlen, groups, dstate)
 * @param D             (heads) or (heads, headdim), or null
 * @param z             (batch, seqlen, heads, headdim): output gate, out * silu(z), or null
 * @param dtBias        (heads), or null
 * @param initialStates (batch, heads, headdim, dstate), or null for zeros
 */
public record SsdInputs(FloatArray x, FloatArray dt, FloatArray A, FloatArray B, FloatArray C,
                        FloatArray D, FloatArray z, FloatArray dtBias, FloatArray initialStates) {

    /** How D is applied: absent, one value per head, or one per (head, channel). */
    public enum DMode { NONE, PER_HEAD, PER_CHANNEL }

    /** Checks every tensor against {@code cfg}; messages name the tensor and both shapes. */
    public DMode validate(SsdConfig cfg) {
        return validate(cfg, x, dt, A, B, C, D, z, dtBias, initialStates);
    }

    /**
     * The checks of {@link #validate(SsdConfig)} for the tensors of an fp32 or a bf16 call ({@link SsdBf16Inputs}):
     * the activations in either dtype, A, D, dt_bias and the initial states fp32.
     */
    static DMode validate(SsdConfig cfg, NativeArray x, NativeArray dt, FloatArray A, NativeArray B, NativeArray C,
                          FloatArray D, NativeArray z, FloatArray dtBias, FloatArray initialStates) {
        long b = cfg.batch(), l = cfg.seqlen(), h = cfg.heads(), p = cfg.headdim(), g = cfg.groups(), n = cfg.dstate();
        ShapeCheck.requireShape("x", x, "(batch, seqlen, heads, headdim)", b, l, h, p);
        ShapeCheck.requireShape("dt", dt, "(batch, seqlen, heads)", b, l, h);
        ShapeCheck.requireShape("A", A, "(heads)", h);
        ShapeCheck.requireShape("B", B, "(batch, seqlen, groups, dstate)", b, l, g, n);
        ShapeCheck.requireShape("C", C, "(batch, seqlen, groups, dstate)", b, l, g, n);
        if (z != null) {
            ShapeCheck.requireShape("z", z, "(batch, seqlen, heads, headdim)", b, l, h, p);
        }
        if (dtBias != null) {
            ShapeCheck.requireShape("dt_bias", dtBias, "(heads)", h);
        }
        if (initialStates != null) {
            ShapeCheck.requireShape("initial_states", initialStates, "(batch, heads, headdim, dstate)", b, h, p, n);
        }
        if (D == null) {
            return DMode.NONE;
        }
        if (D.getSize() == h) {
            return DMode.PER_HEAD;
        }
        if (D.getSize() == h * p) {
            return DMode.PER_CHANNEL;
        }
        throw new IllegalArgumentException("D: expected shape (heads) = [" + h + "] or (heads, headdim) = [" + h + ", " + p
                + "], got an array of " + D.getSize() + " elements");
    }
}
