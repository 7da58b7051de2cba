package io.jmamba.kernels.conv;

/**
 * How the forward's work-items cover the {@code [batch * dim, seqlen]} outputs; every variant gives
 * the same answer. The old layout is kept so a benchmark can time before and after in one run.
 */
public enum ConvForward {
    /**
     * The first kernel ({@link CausalConv1dKernels#forward}): one output per work-item, rows in grid
     * dimension 0, so a warp's 32 work-items touch 32 rows {@code seqlen} floats apart (uncoalesced).
     */
    ROWS_IN_X(1),
    /** {@link CausalConv1dKernels#forwardChunked}, tokens in dimension 0, one output per work-item. */
    TOKENS_IN_X_1(1),
    /** {@link CausalConv1dKernels#forwardChunked}, tokens in dimension 0, 2 consecutive outputs per work-item. */
    TOKENS_IN_X_2(2),
    /** {@link CausalConv1dKernels#forwardChunked}, tokens in dimension 0, 4 consecutive outputs per work-item (the default). */
    TOKENS_IN_X_4(4),
    /** {@link CausalConv1dKernels#forwardChunked}, tokens in dimension 0, 8 consecutive outputs per work-item. */
    TOKENS_IN_X_8(8);

    /** The default of {@link CausalConv1d.Builder#forwardVariant}. */
    public static final ConvForward DEFAULT = TOKENS_IN_X_4;

    private final int outputsPerItem;

    ConvForward(int outputsPerItem) {
        this.outputsPerItem = outputsPerItem;
    }

    /** Consecutive outputs of one row that a work-item computes. */
    public int outputsPerItem() {
        return outputsPerItem;
    }
}
