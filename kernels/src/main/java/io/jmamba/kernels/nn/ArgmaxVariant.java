package io.jmamba.kernels.nn;

/**
 * Which kernels run an {@link Argmax}; both give the same ids. The one-group kernel is kept so that a
 * benchmark can time before and after in one run.
 */
public enum ArgmaxVariant {
    /**
     * {@link ArgmaxKernels#argmax}: one work-group per row. On the H100 a batch-1 step over the 50,288-entry
     * vocabulary took 26.6 us in that single group.
     */
    ONE_GROUP,
    /**
     * {@link ArgmaxTwoStageKernels}: a work-group per (row, {@link ArgmaxTwoStageKernels#SLICE} columns), then
     * one per row over the partials (the default).
     */
    TWO_STAGE;

    /** The variant {@link Argmax#addTo} uses when none is named. */
    public static final ArgmaxVariant DEFAULT = TWO_STAGE;
}
