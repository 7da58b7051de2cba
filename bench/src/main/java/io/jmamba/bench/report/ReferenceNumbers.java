package io.jmamba.bench.report;

import java.util.List;

/**
 * The official and peer numbers of DESIGN.md (H100 80GB HBM3 SXM, 2026-11-23) that {@code bench
 * kernels} prints beside ours. Bandwidth references are turned into the time the series' bytes would
 * take at the measured torch copy bandwidth (3.03 TB/s, read + write counted).
 */
public final class ReferenceNumbers {
    /** torch copy of a 1 GiB tensor on the H100, bytes read + written per second. */
    public static final double H100_COPY_BYTES_PER_SECOND = 3.03e12;
    public static final String DEVICE = "H100 80GB HBM3 SXM";

    /**
     * One reference time.
     *
     * @param series  our series id it compares with ("-bf16" ids are the bf16 numbers)
     * @param length  sequence length
     * @param ms      its time
     * @param dtype   the dtype it was measured in
     * @param source  who measured what
     */
    public record Reference(String series, long length, double ms, String dtype, String source) {
    }

    private ReferenceNumbers() {
    }

    private static final long K16 = 16L << 10;
    private static final long K64 = 64L << 10;
    private static final long M1 = 1L << 20;

    /** Times straight from DESIGN.md's table. */
    public static List<Reference> times() {
        return List.of(
                new Reference("selective-scan", K16, 0.99, "fp32", "mamba_ssm CUDA"),
                new Reference("selective-scan", K64, 3.95, "fp32", "mamba_ssm CUDA"),
                new Reference("selective-scan", M1, 64.5, "fp32", "mamba_ssm CUDA"),
                new Reference("ssd", K16, 0.69, "bf16", "mamba_ssm Triton (bf16; no fp32 number at 16K)"),
                new Reference("ssd", K64, 2.11, "fp32", "mamba_ssm Triton"),
                new Reference("ssd", M1, 34.6, "fp32", "mamba_ssm Triton"),
                new Reference("attention", K16, 12.8, "fp32", "PyTorch SDPA"),
                new Reference("attention", K64, 198, "fp32", "PyTorch SDPA"),
                new Reference("selective-scan-bf16", K64, 2.24, "bf16", "mamba_ssm CUDA"),
                new Reference("selective-scan-bf16", M1, 34.7, "bf16", "mamba_ssm CUDA"),
                new Reference("ssd-bf16", K16, 0.69, "bf16", "mamba_ssm Triton"),
                new Reference("ssd-bf16", K64, 1.33, "bf16", "mamba_ssm Triton"),
                new Reference("ssd-bf16", M1, 22.2, "bf16", "mamba_ssm Triton"),
                new Reference("attention-bf16", K16, 0.93, "bf16", "PyTorch SDPA (FlashAttention-2)"),
                new Reference("attention-bf16", K64, 14.2, "bf16", "PyTorch SDPA (FlashAttention-2)"),
                new Reference("attention-bf16", M1, 4330, "bf16", "PyTorch SDPA (FlashAttention-2)"));
    }

    /** The time {@code bytes} take at the H100's measured copy bandwidth. */
    public static double copyBoundMs(long bytes) {
        return bytes / H100_COPY_BYTES_PER_SECOND * 1e3;
    }
}
