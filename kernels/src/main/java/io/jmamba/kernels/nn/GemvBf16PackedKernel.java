package io.jmamba.kernels.nn;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.KernelMath;
import io.jmamba.runtime.api.Specialize;

/**
 * {@link GemvBf16Kernel} with 16-byte weight loads: W's bf16 elements are read through a {@link FloatArray}
 * view of the same bytes ({@code wPacked}, {@code out * in / 2} floats, {@link LinearBf16#packedView}), so one
 * float4 load brings eight bf16 weights and the unpacking is integer work on registers (element
 * {@code 2j} is the low half of float {@code j}, little-endian; widening is a shift). The x and W loads
 * are the float4 loads of {@link GemvWarpKernel}, whose CUDA build keeps its arrays in registers (the bf16
 * {@code get4} of {@link GemvBf16Kernel} branches per element and ran at 0.4 TB/s on the H100).
 *
 * <p>Lane {@code l} reads packed floats {@code 4 l + 128 j} (columns {@code 8 l + 256 j} to {@code + 7}) of
 * its output's row: a warp instruction moves 512 consecutive bytes. Needs {@code in % 8 == 0}. Grid and
 * reduction as {@link GemvWarpKernel}: ({@code ceil(out / (WARPS / split)) * GROUP}, {@code ceil(rows / ROWS)}).
 */
public final class GemvBf16PackedKernel {
    private GemvBf16PackedKernel() {
    }

    /** Warps per work-group. */
    public static final int WARPS = GemvWarpKernel.WARPS;
    /** Work-items per work-group. */
    public static final int GROUP = WARPS * KernelContext.WARP_SIZE;
    /** Rows per work-group. */
    public static final int ROWS = GemvWarpKernel.ROWS;
    /** 16-byte W loads per lane issued together (a 768-wide row is 3 per lane). */
    public static final int UNROLL = 4;
    /** Packed floats one warp instruction covers (256 bf16 columns). */
    public static final int CHUNK = 4 * KernelContext.WARP_SIZE;

    /** See the class comment; {@code split} warps share an output ({@code WARPS % split == 0}). */
    public static void gemv(KernelContext ctx, FloatArray x, FloatArray wPacked, FloatArray bias, FloatArray y,
                            int rows, int in, int out, boolean hasBias, @Specialize int split) {
        float[] sums = ctx.allocateFloatLocalArray(ROWS * WARPS);
        float[] wv = new float[4 * UNROLL];
        float[] xv = new float[8 * UNROLL];
        float[] acc = new float[ROWS];
        int lid = ctx.localIdx;
        int lane = lid % KernelContext.WARP_SIZE;
        int warp = lid / KernelContext.WARP_SIZE;
        int perGroup = WARPS / split;
        int o = ctx.groupIdx * perGroup + warp / split;
        int vlane = (warp % split) * KernelContext.WARP_SIZE + lane;
        int r0 = ctx.groupIdy * ROWS;
        int nr = Math.min(ROWS, rows - r0);
        int inP = in / 2;
        for (int r = 0; r < ROWS; r++) {
            acc[r] = 0f;
        }
        // programmatic dependent launch on CUDA: the work-groups become resident while the previous kernel drains
        ctx.gridDependencyWait();
        ctx.launchDependents();
        if (o < out) {
            long wRow = (long) o * inP;
            int stride = CHUNK * split;
            for (int k = 4 * vlane; k + 4 <= inP; k += UNROLL * stride) {
                for (int u = 0; u < UNROLL; u++) {
                    int ku = k + u * stride;
                    if (ku + 4 <= inP) {
                        wPacked.get4(wRow + ku, wv, 4 * u);
                    }
                }
                for (int r = 0; r < ROWS; r++) {
                    if (r < nr) {
                        long xRow = (long) (r0 + r) * in;
                        for (int u = 0; u < UNROLL; u++) {
                            int ku = k + u * stride;
                            if (ku + 4 <= inP) {
                                x.get4(xRow + 2L * ku, xv, 8 * u);
                                x.get4(xRow + 2L * ku + 4, xv, 8 * u + 4);
                            }
                        }
                        float a = acc[r];
                        for (int u = 0; u < UNROLL; u++) {
                            if (k + u * stride + 4 <= inP) {
                                for (int e = 0; e < 4; e++) {
                                    int bits = Float.floatToRawIntBits(wv[4 * u + e]);
                                    a = KernelMath.fma(xv[8 * u + 2 * e], Float.intBitsToFloat(bits << 16), a);
                                    a = KernelMath.fma(xv[8 * u + 2 * e + 1], Float.intBitsToFloat(bits & 0xffff0000), a);
                                }
                            }
                        }
                        acc[r] = a;
                    }
                }
            }
        }
        GemvWarpKernel.reduceAndStore(ctx, acc, sums, bias, y, r0, nr, out, hasBias, split, lid, lane, warp, perGroup);
    }
}
