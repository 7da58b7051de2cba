package io.jmamba.kernels.scan;

/**
 * Which kernel runs a {@link SelectiveStateUpdate}; both give the same answer (up to the order of the
 * dstate sum). The row kernel is kept so that a benchmark can time before and after in one run.
 */
public enum SelectiveStateUpdateVariant {
    /**
     * {@link SelectiveStateUpdateKernels}: one work-item per state row walking dstate serially. On the
     * H100 a batch-1 Mamba-2 130M layer took 57 us (1536 work-items in six blocks).
     */
    ROW_LOOP,
    /**
     * {@link SelectiveStateUpdateLaneKernels}: up to 32 lanes per state row, coalesced over dstate,
     * with a shuffle reduction for y (the default).
     */
    LANES;

    /** The default of {@link SelectiveStateUpdate.Builder#variant}. */
    public static final SelectiveStateUpdateVariant DEFAULT = LANES;
}
