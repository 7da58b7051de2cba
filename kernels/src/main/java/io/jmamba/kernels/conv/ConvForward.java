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
    ROWS_IN_X(Kernel.ROWS_IN_X, 1),
    /** {@link CausalConv1dKernels#forwardChunked}, tokens in dimension 0, one output per work-item. */
    CHUNKS_1(Kernel.CHUNKED, 1),
    /** {@link CausalConv1dKernels#forwardChunked}: 4 consecutive outputs per work-item from a 4 + width - 1 window. */
    CHUNKS_4(Kernel.CHUNKED, 4),
    /** {@link CausalConv1dKernels#forwardChunked}: 8 consecutive outputs per work-item. */
    CHUNKS_8(Kernel.CHUNKED, 8),
    /** {@link CausalConv1dKernels#forwardInterleaved}: 4 outputs per work-item, 32 apart (coalesced). */
    INTERLEAVED_4(Kernel.INTERLEAVED, 4),
    /**
     * {@link CausalConv1dKernels#forwardInterleaved}: 8 outputs per work-item, 32 apart (coalesced; the
     * default of session 2). On the H100 (b1, d1536, width 4, fp32, bench kernels, one run) it moved 2216
     * GB/s at 64K and 2671 GB/s at 1M tokens, 4 per item 2123 and 2534, the old rows-in-x layout 270 and
     * 155, against 2464 GB/s for a copy kernel; but it issues 32 scalar loads per item (each input read
     * through L1 width times) and a second launch for the final states.
     */
    INTERLEAVED_8(Kernel.INTERLEAVED, 8),
    /** {@link CausalConv1dKernels#forwardVectorized}: 2 float4 vectors (8 outputs) per work-item, 32 vectors apart. */
    VECTOR_8(Kernel.VECTORIZED, 8),
    /**
     * {@link CausalConv1dKernels#forwardVectorized}: 4 float4 vectors (16 outputs) per work-item, 32 vectors
     * apart; final states written by the same launch. The default.
     */
    VECTOR_16(Kernel.VECTORIZED, 16),
    /**
     * {@link CausalConv1dKernels#forwardVectorizedShuffle}: as {@link #VECTOR_16}, but the halo comes from
     * the neighbouring lane by a warp shuffle, so every input is loaded once (widths up to 5; wider
     * windows run {@link #VECTOR_16}'s kernel).
     */
    VECTOR_16_SHUFFLE(Kernel.VECTORIZED_SHUFFLE, 16);

    /**
     * The default of {@link CausalConv1d.Builder#forwardVariant}: 16-byte loads and stores (a quarter of
     * the load instructions of {@link #INTERLEAVED_8} per output, and 64 bytes of new data in flight per
     * work-item) and one launch instead of two. On the H100 (bench kernels, one run, the lead's): 0.330 ms =
     * 2438 GB/s at 64K and 4.41 ms = 2920 GB/s at 1M, against {@link #INTERLEAVED_8}'s 0.356 ms and 4.98 ms
     * and 2467 GB/s for the copy series (cuMemcpyDtoD: 2941 GB/s in session 2, so 83% and 99% of it).
     */
    public static final ConvForward DEFAULT = VECTOR_16;

    /** Which kernel method a variant launches. */
    enum Kernel { ROWS_IN_X, CHUNKED, INTERLEAVED, VECTORIZED, VECTORIZED_SHUFFLE }

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
