package io.jmamba.kernels.ssd;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelMath;
import io.jmamba.runtime.api.Parallel;

/**
 * The SSD chunked scan as five kernels, in the decomposition of the Mamba-2 paper and mamba_ssm's
 * Triton implementation. With Q = chunk and T = nchunks = ceil(seqlen / Q), the intermediates are
 * <ul>
 *   <li>{@code dtOut}, {@code dACumsum} (batch, heads, T, Q): processed dt and the inclusive prefix
 *       sum of dt * A inside each chunk (zero past the end of the sequence);</li>
 *   <li>{@code states} (batch, T, heads, headdim, dstate): first each chunk's own final state from a
 *       zero start, then, after {@link #statePassing}, the state entering each chunk;</li>
 *   <li>{@code cb} (batch, T, groups, Q, Q): C_l . B_s inside each chunk, lower triangle.</li>
 * </ul>
 * Kernel order: {@link #chunkCumsum}, {@link #chunkState}, {@link #statePassing}, {@link #chunkCb},
 * {@link #chunkScan}. Each is a nest of {@link Parallel} loops (no work-group cooperation), so the
 * grid can be any size. The innermost index of the tensor written is the outermost loop, i.e. launch
 * dimension 0, so that neighbouring work-items write neighbouring elements. Offsets into token-sized tensors are long: a million tokens times thousands
 * of channels passes 2^31.
 *
 * <p>Sizes and flags are plain arguments, not {@code @Specialize}d: one compiled kernel then serves
 * every model, sequence length and option set (each specialised value costs a device compile, seconds
 * on PoCL), and the flags only guard cheap, group-uniform branches.
 */
public final class SsdKernels {
    private SsdKernels() {
    }

    /** Phase 1: dt + bias, softplus, clamp; prefix sum of dt * A within each chunk. One work-item per (b, h, chunk). */
    public static void chunkCumsum(FloatArray dt, FloatArray dtBias, FloatArray A, FloatArray dtOut, FloatArray dACumsum,
                                   int batch, int seqlen, int heads, int chunk, int nchunks,
                                   boolean hasDtBias, boolean dtSoftplus, boolean clampDt,
                                   float dtMin, float dtMax) {
        int work = batch * heads * nchunks;
        for (@Parallel int i = 0; i < work; i++) {
            int c = i % nchunks;
            int h = (i / nchunks) % heads;
            int b = i / (nchunks * heads);
            float a = A.get(h);
            float bias = 0f;
            if (hasDtBias) {
                bias = dtBias.get(h);
            }
            long base = (long) i * chunk;
            float acc = 0f;
            for (int l = 0; l < chunk; l++) {
                int t = c * chunk + l;
                float d = 0f;
                if (t < seqlen) {
                    d = dt.get(((long) b * seqlen + t) * heads + h) + bias;
                    if (dtSoftplus) {
                        d = softplus(d);
                    }
                    if (clampDt) {
                        d = Math.min(Math.max(d, dtMin), dtMax);
                    }
                    acc += d * a;
                }
                dtOut.set(base + l, d);
                dACumsum.set(base + l, acc);
            }
        }
    }

    /**
     * Phase 2: each chunk's final state from a zero start,
     * states[b,c,h,p,n] = sum_l exp(dA_cs[last] - dA_cs[l]) * dt[l] * B[l,n] * x[l,p].
     */
    public static void chunkState(FloatArray x, FloatArray B, FloatArray dtOut, FloatArray dACumsum, FloatArray states,
                                  int batch, int seqlen, int heads, int headdim, int groups,
                                  int dstate, int chunk, int nchunks) {
        int work = batch * nchunks * heads;
        for (@Parallel int n = 0; n < dstate; n++) {
            for (@Parallel int p = 0; p < headdim; p++) {
                for (@Parallel int i = 0; i < work; i++) {
                    int h = i % heads;
                    int c = (i / heads) % nchunks;
                    int b = i / (heads * nchunks);
                    int g = h / (heads / groups);
                    int len = Math.min(chunk, seqlen - c * chunk);
                    long cs = (((long) b * heads + h) * nchunks + c) * chunk;
                    float last = dACumsum.get(cs + len - 1);
                    long row0 = (long) b * seqlen + (long) c * chunk;
                    float acc = 0f;
                    for (int l = 0; l < len; l++) {
                        long row = row0 + l;
                        float w = KernelMath.exp(last - dACumsum.get(cs + l)) * dtOut.get(cs + l);
                        acc += B.get((row * groups + g) * dstate + n) * w * x.get((row * heads + h) * headdim + p);
                    }
                    states.set(((long) i * headdim + p) * dstate + n, acc);
                }
            }
        }
    }

    /**
     * Phase 3: carries the state across chunks, in place: states[c] becomes the state entering chunk
     * c; the state after the last chunk goes to {@code finalStates}. One work-item per (b, h, p, n),
     * sequential over chunks.
     */
    public static void statePassing(FloatArray states, FloatArray dACumsum, FloatArray initialStates, FloatArray finalStates,
                                    int batch, int seqlen, int heads, int headdim, int dstate,
                                    int chunk, int nchunks, boolean hasInitialStates) {
        int bh = batch * heads;
        int pn = headdim * dstate;
        for (@Parallel int j = 0; j < pn; j++) {
            for (@Parallel int i = 0; i < bh; i++) {
                int h = i % heads;
                int b = i / heads;
                float s = 0f;
                if (hasInitialStates) {
                    s = initialStates.get((long) i * pn + j);
                }
                for (int c = 0; c < nchunks; c++) {
                    long idx = (((long) b * nchunks + c) * heads + h) * pn + j;
                    float own = states.get(idx);
                    states.set(idx, s);
                    int len = Math.min(chunk, seqlen - c * chunk);
                    float decay = KernelMath.exp(dACumsum.get((((long) b * heads + h) * nchunks + c) * chunk + len - 1));
                    s = decay * s + own;
                }
                finalStates.set((long) i * pn + j, s);
            }
        }
    }

    /** Phase 4: cb[b,c,g,l,s] = C[l] . B[s] for s <= l inside each chunk (zero above the diagonal and past the end). */
    public static void chunkCb(FloatArray C, FloatArray B, FloatArray cb, int batch, int seqlen, int groups,
                               int dstate, int chunk, int nchunks) {
        int work = batch * nchunks * groups;
        for (@Parallel int s = 0; s < chunk; s++) {
            for (@Parallel int l = 0; l < chunk; l++) {
                for (@Parallel int i = 0; i < work; i++) {
                    int g = i % groups;
                    int c = (i / groups) % nchunks;
                    int b = i / (groups * nchunks);
                    int tl = c * chunk + l;
                    float acc = 0f;
                    if (s <= l && tl < seqlen) {
                        long rowL = (((long) b * seqlen + tl) * groups + g) * dstate;
                        long rowS = (((long) b * seqlen + c * chunk + s) * groups + g) * dstate;
                        for (int n = 0; n < dstate; n++) {
                            acc += C.get(rowL + n) * B.get(rowS + n);
                        }
                    }
                    cb.set(((long) i * chunk + l) * chunk + s, acc);
                }
            }
        }
    }

    /**
     * Phase 5: the output. For token t = c*Q + l:
     * y = exp(dA_cs[l]) * C[t] . state_in[c]  +  sum_{s<=l} cb[l,s] * exp(dA_cs[l] - dA_cs[s]) * dt[s] * x[s]
     *     + D * x[t], then y * silu(z[t]).
     *
     * @param dMode 0: no D, 1: D per head, 2: D per (head, channel)
     */
    public static void chunkScan(FloatArray x, FloatArray z, FloatArray D, FloatArray C, FloatArray cb, FloatArray dtOut,
                                 FloatArray dACumsum, FloatArray states, FloatArray out,
                                 int batch, int seqlen, int heads, int headdim, int groups,
                                 int dstate, int chunk, int nchunks,
                                 int dMode, boolean hasZ) {
        int work = batch * nchunks * heads;
        for (@Parallel int p = 0; p < headdim; p++) {
            for (@Parallel int l = 0; l < chunk; l++) {
                for (@Parallel int i = 0; i < work; i++) {
                    int h = i % heads;
                    int c = (i / heads) % nchunks;
                    int b = i / (heads * nchunks);
                    int g = h / (heads / groups);
                    int t = c * chunk + l;
                    if (t < seqlen) {
                        long cs = (((long) b * heads + h) * nchunks + c) * chunk;
                        float dAl = dACumsum.get(cs + l);
                        long row = (long) b * seqlen + t;
                        long cRow = (row * groups + g) * dstate;
                        long stateRow = ((long) i * headdim + p) * dstate;
                        float inter = 0f;
                        for (int n = 0; n < dstate; n++) {
                            inter += C.get(cRow + n) * states.get(stateRow + n);
                        }
                        float acc = inter * KernelMath.exp(dAl);
                        long cbRow = (((long) (b * nchunks + c) * groups + g) * chunk + l) * chunk;
                        long row0 = (long) b * seqlen + (long) c * chunk;
                        for (int s = 0; s <= l; s++) {
                            float w = cb.get(cbRow + s) * KernelMath.exp(dAl - dACumsum.get(cs + s)) * dtOut.get(cs + s);
                            acc += w * x.get(((row0 + s) * heads + h) * headdim + p);
                        }
                        long xi = (row * heads + h) * headdim + p;
                        float xv = x.get(xi);
                        if (dMode == 1) {
                            acc += D.get(h) * xv;
                        } else if (dMode == 2) {
                            acc += D.get((long) h * headdim + p) * xv;
                        }
                        if (hasZ) {
                            float zv = z.get(xi);
                            acc = acc * zv / (1f + KernelMath.exp(-zv));
                        }
                        out.set(xi, acc);
                    }
                }
            }
        }
    }

    /** log(1 + e^v), linear above 20 where the two agree in float (as mamba_ssm does), so e^v cannot overflow. */
    static float softplus(float v) {
        if (v <= 20f) {
            return KernelMath.log1p(KernelMath.exp(v));
        }
        return v;
    }
}
