package io.jmamba.kernels.conv;

/**
 * How the forward's work-items cover the {@code [batch * dim, seqlen]} outputs; every variant gives
 * the same answer. Earlier layouts are kept so a benchmark can time before and after in one run.
 *
 * <p>Removed in session 5 as slower on the H100 than {@link #DEFAULT} (b1, d1536, width 4): ROWS_IN_X, one
 * output per work-item with the rows in dimension 0 (uncoalesced; 64K / 1M 2.988 / 83.13 ms, session 2), and
 * INTERLEAVED_4 / INTERLEAVED_8, 4 or 8 outputs per work-item 32 apart (INTERLEAVED_8 0.347 / 4.892 ms
 * against VECTOR_16's 0.293 / 4.363, session 3; INTERLEAVED_4 below INTERLEAVED_8, 2123 / 2534 GB/s against
 * 2216 / 2671, session 2).
 */
public enum ConvForward {
    /** {@link CausalConv1dKernels#forwardChunked}, tokens in dimension 0, one output per work-item. */
    CHUNKS_1(Kernel.CHUNKED, 1),
    /**
     * {@link CausalConv1dKernels#forwardChunked}: 4 consecutive outputs per work-item from a 4 + width - 1 window
     * (H100: 64K 0.600 ms, 1M 9.04 ms, session 2).
     */
    CHUNKS_4(Kernel.CHUNKED, 4),
    /** {@link CausalConv1dKernels#forwardChunked}: 8 consecutive outputs per work-item. */
    CHUNKS_8(Kernel.CHUNKED, 8),
    /** {@link CausalConv1dVectorKernels#forwardVectorized}: 2 float4 vectors (8 outputs) per work-item, 32 vectors apart. */
    VECTOR_8(Kernel.VECTORIZED, 8),
    /**
     * {@link CausalConv1dVectorKernels#forwardVectorized}: 4 float4 vectors (16 outputs) per work-item, 32 vectors
     * apart; final states written by the same launch. The default.
     */
    VECTOR_16(Kernel.VECTORIZED, 16),
    /**
     * {@link CausalConv1dVectorKernels#forwardVectorizedShuffle}: as {@link #VECTOR_16}, but the halo comes from
     * the neighbouring lane by a warp shuffle, so every input is loaded once (widths up to 5; wider
     * windows run {@link #VECTOR_16}'s kernel).
     */
    VECTOR_16_SHUFFLE(Kernel.VECTORIZED_SHUFFLE, 16);

    /**
     * The default of {@link CausalConv1d.Builder#forwardVariant}: 16-byte loads and stores (a quarter of
     * the load instructions of the removed INTERLEAVED_8 per output, and 64 bytes of new data in flight per
     * work-item) and one launch instead of two. On the H100 (bench kernels, one run, the lead's): 0.330 ms =
     * 2438 GB/s at 64K and 4.41 ms = 2920 GB/s at 1M, against INTERLEAVED_8's 0.356 ms and 4.98 ms
     * and 2467 GB/s for the copy series (cuMemcpyDtoD: 2941 GB/s in session 2, so 83% and 99% of it).
     */
    public static final ConvForward DEFAULT = VECTOR_16;

    /** Which kernel method a variant launches. */
    enum Kernel { CHUNKED, VECTORIZED, VECTORIZED_SHUFFLE }

    private final Kernel kernel;
    private final int outputsPerItem;

    ConvForward(Kernel kernel, int outputsPerItem) {
        this.kernel = kernel;
        this.outputsPerItem = outputsPerItem;
    }

    Kernel kernel() {
        return kernel;
    }

    /** Outputs of one row that a work-item computes. */
    public int outputsPerItem() {
        return outputsPerItem;
    }
}
