package io.jmamba.model.reference;

import io.jmamba.model.config.MambaConfig;

/** One layer's recurrent state for one sequence: conv history [channels, d_conv - 1] and SSM state. */
final class LayerState {
    final float[] conv;
    /** Mamba-1: [d_inner, d_state]; Mamba-2: [n_heads, head_dim, d_state] (the same count). */
    final float[] ssm;

    LayerState(MambaConfig c) {
        conv = new float[Math.toIntExact(c.convStateSize())];
        ssm = new float[Math.toIntExact(c.ssmStateSize())];
    }
}
