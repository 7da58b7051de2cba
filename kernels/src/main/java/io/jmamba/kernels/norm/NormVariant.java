package io.jmamba.kernels.norm;

/**
 * Which work-group kernels run {@link RmsNorm} and {@link GatedRmsNorm}; both give the same answer (up to
 * the order of the sum of squares). The 256-item forms are kept so that a benchmark can time before and
 * after in one run.
 */
public enum NormVariant {
    /**
     * {@link NormKernels#rmsNormResidualGroup} and {@link NormKernels#gatedRmsNormGroup}: 256 items per row,
     * a tree sum. On the H100 at batch 1 (Mamba-2 130M) the gated norm took 10.5 us and the residual norm 5 us.
     */
    GROUP_256,
    /** {@link NormWideKernels}: a work-group about half as wide as the row, values kept in registers (the default). */
    WIDE;

    /** The variant the host APIs use when none is named. */
    public static final NormVariant DEFAULT = WIDE;
}
