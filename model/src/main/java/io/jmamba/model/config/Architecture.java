package io.jmamba.model.config;

/** Which mixer a Mamba language model's layers use. */
public enum Architecture {
    /** Mamba-1: selective scan with a per-channel, per-state A and a low-rank dt projection. */
    MAMBA1,
    /** Mamba-2: state space duality (SSD) with a scalar A per head and grouped B, C. */
    MAMBA2
}
