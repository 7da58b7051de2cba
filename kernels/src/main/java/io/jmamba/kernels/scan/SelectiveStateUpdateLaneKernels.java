package io.jmamba.kernels.scan;

import io.jmamba.kernels.support.Activations;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.KernelMath;
import io.jmamba.runtime.api.Specialize;

import static io.jmamba.kernels.scan.SelectiveStateUpdateKernels.DT_SOFTPLUS;
import static io.jmamba.kernels.scan.SelectiveStateUpdateKernels.D_PER_CHANNEL;
import static io.jmamba.kernels.scan.SelectiveStateUpdateKernels.HAS_D;
import static io.jmamba.kernels.scan.SelectiveStateUpdateKernels.HAS_DT_BIAS;
import static io.jmamba.kernels.scan.SelectiveStateUpdateKernels.HAS_DT_LIMIT;
import static io.jmamba.kernels.scan.SelectiveStateUpdateKernels.HAS_Z;

/**
 * The decode step of {@link SelectiveStateUpdateKernels} with the dstate loop spread over lanes: each
 * state row (Mamba-1: (batch, channel); Mamba-2: (batch, head, channel)) gets {@code lanesPerRow}
 * consecutive work-items (a power of two up to 32, so a row never straddles a warp), lane {@code l}
 * owning entries {@code n = l, l + lanesPerRow, ...}. Consecutive work-items therefore touch
 * consecutive state floats (coalesced), every entry is read and written by one work-item (the state is
 * updated in place), and there are {@code rows * lanesPerRow} work-items instead of {@code rows}: the
 * row kernel gave the H100 six blocks for a batch-1 Mamba-2 130M layer. A lane first loads all of its
 * entries (several loads in flight), then updates them, and the row's {@code y = sum_n h[n] * C[n]}
 * is a butterfly of {@link KernelContext#shuffleXor} within the row's lanes.
 *
 * <p>Launch: 1D, global size a multiple of {@link #LOCAL} covering {@code rows * lanesPerRow}, local size
 * {@link #LOCAL}. Items past the last row work on the last row but store nothing (they must still reach the
 * shuffles, which are work-group barriers on OpenCL and the JVM).
 */
public final class SelectiveStateUpdateLaneKernels {
    /** Work-group size: a multiple of the warp. */
    public static final int LOCAL = 128;

    private SelectiveStateUpdateLaneKernels() {
    }

    /** Lanes per state row for {@code dstate}: the next power of two, at most 32. */
    public static int lanesPerRow(int dstate) {
        int lanes = 1;
        while (lanes < dstate && lanes < KernelContext.WARP_SIZE) {
            lanes *= 2;
        }
        return lanes;
    }

    /** Global work size for {@code rows} state rows: {@code rows * lanesPerRow} rounded up to {@link #LOCAL}. */
    public static long globalSize(long rows, int lanesPerRow) {
        long items = rows * lanesPerRow;
        return (items + LOCAL - 1) / LOCAL * LOCAL;
    }

    /** Mamba-1 form; arguments as {@link SelectiveStateUpdateKernels#mamba1}. */
    public static void mamba1(KernelContext ctx, FloatArray state, FloatArray x, FloatArray dt, FloatArray a, FloatArray b,
                              FloatArray c, FloatArray dSkip, FloatArray z, FloatArray dtBias, FloatArray out,
                              int batch, int dim, int groups, @Specialize int dstate, @Specialize int lanesPerRow,
                              int flags) {
        int rows = batch * dim;
        int item = ctx.globalIdx;
        int asked = item / lanesPerRow;
        int lane = item - asked * lanesPerRow;
        boolean owner = asked < rows;
        int row = Math.min(asked, rows - 1);
        int bi = row / dim;
        int d = row - bi * dim;
        float dtv = SelectiveStateUpdateKernels.stepDt(dt, dtBias, row, d, flags);
        float xv = x.get(row);
        float dtx = dtv * xv;
        long bcBase = ((long) bi * groups + d / (dim / groups)) * dstate;
        long stateBase = (long) row * dstate;
        long aBase = (long) d * dstate;
        int slots = (dstate + lanesPerRow - 1) / lanesPerRow;
        float[] sv = new float[slots];
        float[] av = new float[slots];
        float[] bv = new float[slots];
        float[] cv = new float[slots];
        for (int k = 0; k < slots; k++) {
            int n = lane + k * lanesPerRow;
            if (n < dstate) {
                sv[k] = state.get(stateBase + n);
                av[k] = a.get(aBase + n);
                bv[k] = b.get(bcBase + n);
                cv[k] = c.get(bcBase + n);
            }
        }
        float y = 0f;
        for (int k = 0; k < slots; k++) {
            int n = lane + k * lanesPerRow;
            if (n < dstate) {
                float s = KernelMath.fma(sv[k], KernelMath.exp(dtv * av[k]), dtx * bv[k]);
                if (owner) {
                    state.set(stateBase + n, s);
                }
                y = KernelMath.fma(s, cv[k], y);
            }
        }
        for (int offset = lanesPerRow / 2; offset > 0; offset = offset / 2) {
            y += ctx.shuffleXor(y, offset);
        }
        if (owner && lane == 0) {
            if ((flags & HAS_D) != 0) {
                y = KernelMath.fma(dSkip.get(d), xv, y);
            }
            if ((flags & HAS_Z) != 0) {
                y *= Activations.silu(z.get(row));
            }
            out.set(row, y);
        }
    }

    /** Mamba-2 form; arguments as {@link SelectiveStateUpdateKernels#mamba2}. */
    public static void mamba2(KernelContext ctx, FloatArray state, FloatArray x, FloatArray dt, FloatArray a, FloatArray b,
                              FloatArray c, FloatArray dSkip, FloatArray z, FloatArray dtBias, FloatArray out,
                              int batch, int heads, int headdim, int groups, float dtMin, float dtMax,
                              @Specialize int dstate, @Specialize int lanesPerRow, int flags) {
        int rows = batch * heads * headdim;
        int item = ctx.globalIdx;
        int asked = item / lanesPerRow;
        int lane = item - asked * lanesPerRow;
        boolean owner = asked < rows;
        int row = Math.min(asked, rows - 1);
        int bh = row / headdim;
        int p = row - bh * headdim;
        int bi = bh / heads;
        int h = bh - bi * heads;
        float dtv = SelectiveStateUpdateKernels.stepDt(dt, dtBias, bh, h, flags);
        if ((flags & HAS_DT_LIMIT) != 0) {
            dtv = Math.min(Math.max(dtv, dtMin), dtMax);
        }
        float decay = KernelMath.exp(dtv * a.get(h));
        float xv = x.get(row);
        float dtx = dtv * xv;
        long bcBase = ((long) bi * groups + h / (heads / groups)) * dstate;
        long stateBase = (long) row * dstate;
        int slots = (dstate + lanesPerRow - 1) / lanesPerRow;
        float[] sv = new float[slots];
        float[] bv = new float[slots];
        float[] cv = new float[slots];
        for (int k = 0; k < slots; k++) {
            int n = lane + k * lanesPerRow;
            if (n < dstate) {
                sv[k] = state.get(stateBase + n);
                bv[k] = b.get(bcBase + n);
                cv[k] = c.get(bcBase + n);
            }
        }
        float y = 0f;
        for (int k = 0; k < slots; k++) {
            int n = lane + k * lanesPerRow;
            if (n < dstate) {
                float s = KernelMath.fma(sv[k], decay, dtx * bv[k]);
                if (owner) {
                    state.set(stateBase + n, s);
                }
                y = KernelMath.fma(s, cv[k], y);
            }
        }
        for (int offset = lanesPerRow / 2; offset > 0; offset = offset / 2) {
            y += ctx.shuffleXor(y, offset);
        }
        if (owner && lane == 0) {
            if ((flags & HAS_D) != 0) {
                y = KernelMath.fma(dSkip.get((flags & D_PER_CHANNEL) != 0 ? h * headdim + p : h), xv, y);
            }
            if ((flags & HAS_Z) != 0) {
                y *= Activations.silu(z.get(row));
            }
            out.set(row, y);
        }
    }
}
