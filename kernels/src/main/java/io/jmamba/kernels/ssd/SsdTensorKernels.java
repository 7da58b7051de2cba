package io.jmamba.kernels.ssd;

import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.KernelMath;

/**
 * The tiling shared by the SSD kernels on bf16 tensor cores ({@link SsdBf16StateKernels},
 * {@link SsdFragKernels}, run by {@link SsdScanBf16}): every product is a sequence of warp-wide
 * {@link KernelContext#mmaBf16Frag} (m16n8k16, fp32 accumulation) on operands packed as bf16 pairs.
 *
 * <p>Tiling: one work-group of {@link #GROUP} items (4 warps) per 64 x 64 output tile; warp w owns the
 * tile rows 16w..16w+15 and all 64 columns (eight n8 accumulators, 32 floats per item). Operands whose
 * contraction index is contiguous in memory are loaded as bf16 pairs straight into the A/B fragments;
 * operands strided along the contraction are staged in local memory, {@link #SLICE} contraction steps
 * at a time, transposed into rows of packed pairs along the contraction.
 *
 * <p>Warp operations are work-group barriers on OpenCL and the JVM, so every loop containing an mma
 * has bounds uniform over the work-group.
 *
 * <p>Limits (checked by {@link SsdScanBf16#validate}): chunk a multiple of {@link #TILE}, headdim and
 * dstate multiples of 16. Launch of the three products: 1-D, local size {@link #GROUP}, {@link #groups}
 * work-groups each.
 *
 * <p>The first tensor-core kernels (the STAGED variant: fp32 C B^T in row order, fp32 chunk states, A
 * operands loaded one 16-step ahead) were removed in session 5: FRAG timed faster in every H100 run
 * (16K 0.571 against 0.625 ms, 64K 1.507 against 1.864, 1M 22.49 against 27.93).
 */
public final class SsdTensorKernels {
    private SsdTensorKernels() {
    }

    /** Work-items per group: four warps. */
    public static final int GROUP = 128;
    /** Rows and columns of one output tile. */
    public static final int TILE = 64;
    /** Contraction steps staged per pass. */
    static final int SLICE = 64;
    /** n8 accumulator tiles per warp (TILE columns). */
    static final int NT = TILE / 8;
    static final int MAX_CHUNK = SsdConfig.MAX_CHUNK;
    static final float LOG2E = 1.4426950408889634f;
    /** Launch bounds of {@link SsdBf16StateKernels#chunkStateBf16}: 5 groups per multiprocessor, as many as its 42 KiB of local memory per group allow. */
    static final int STATE_GROUPS_PER_SM = 5;

    /** Work-groups of the chunk-state, C B^T and chunk-scan launches for {@code cfg}. */
    public static long[] groups(SsdConfig cfg) {
        long tilesP = (cfg.headdim() + TILE - 1) / TILE;
        long tilesN = (cfg.dstate() + TILE - 1) / TILE;
        long tilesQ = cfg.chunkSize() / TILE;
        long bch = (long) cfg.batch() * cfg.nchunks() * cfg.heads();
        long bcg = (long) cfg.batch() * cfg.nchunks() * cfg.groups();
        return new long[]{bch * tilesP * tilesN, bcg * tilesQ * tilesQ, bch * tilesP * tilesQ};
    }

    /** The output pair at even index {@code at}: y + D x, times silu(z) when gated, packed as bf16. */
    static int epilogue(BFloat16Array x, BFloat16Array z, long at, float y0, float y1, float d0, float d1, boolean hasZ) {
        int xv = x.getPair(at);
        return gated(z, at, KernelMath.fma(d0, KernelMath.bf16x2Lo(xv), y0), KernelMath.fma(d1, KernelMath.bf16x2Hi(xv), y1),
                hasZ);
    }

    /** The output pair y0, y1 at even index {@code at}, times silu(z) when gated, packed as bf16 (D already in y). */
    static int gated(BFloat16Array z, long at, float y0, float y1, boolean hasZ) {
        float o0 = y0;
        float o1 = y1;
        if (hasZ) {
            int zv = z.getPair(at);
            float z0 = KernelMath.bf16x2Lo(zv);
            float z1 = KernelMath.bf16x2Hi(zv);
            o0 = o0 * z0 / (1f + KernelMath.exp(-z0));
            o1 = o1 * z1 / (1f + KernelMath.exp(-z1));
        }
        return KernelMath.packBf16x2(o0, o1);
    }
}
