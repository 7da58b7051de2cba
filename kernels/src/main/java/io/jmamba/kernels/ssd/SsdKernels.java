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
 * dimension 0, so that neighbouring work-items write neighbouring elements ({@link #chunkCumsum}, whose
 * work-items each write a run of Q, orders them for contiguous dt reads instead). Offsets into token-sized tensors are long: a million tokens times thousands
 * of channels passes 2^31.
 *
 * <p>Sizes and flags are plain arguments, not {@code @Specialize}d: one compiled kernel then serves
 * every model, sequence length and option set (each specialised value costs a device compile, seconds
 * on PoCL), and the flags only guard cheap, group-uniform branches.
 */
public final class SsdKernels {
    private SsdKernels() {
    }

    /** Tokens (chunkCumsum) or chunks (statePassing) whose loads a work-item issues together before using them. */
    public static final int LOAD_BATCH = 8;

    /**
     * Phase 1: dt + bias, softplus, clamp; prefix sum of dt * A within each chunk. One work-item per
     * (b, chunk, h) with h fastest, so a warp's dt reads (layout (batch, seqlen, heads)) are contiguous;
     * each work-item loads {@link #LOAD_BATCH} tokens' dt before using them, so its sequential walk
     * waits for memory once per batch rather than once per token.
     */
    public static void chunkCumsum(FloatArray dt, FloatArray dtBias, FloatArray A, FloatArray dtOut, FloatArray dACumsum,
                                   int batch, int seqlen, int heads, int chunk, int nchunks,
                                   boolean hasDtBias, boolean dtSoftplus, boolean clampDt,
                                   float dtMin, float dtMax) {
        float[] raw = new float[LOAD_BATCH];
        int work = batch * heads * nchunks;
        for (@Parallel int i = 0; i < work; i++) {
            int h = i % heads;
            int c = (i / heads) % nchunks;
            int b = i / (heads * nchunks);
            float a = A.get(h);
            float bias = 0f;
            if (hasDtBias) {
                bias = dtBias.get(h);
            }
            long base = (((long) b * heads + h) * nchunks + c) * chunk;
            float acc = 0f;
            for (int l0 = 0; l0 < chunk; l0 += LOAD_BATCH) {
                for (int k = 0; k < LOAD_BATCH; k++) {
                    int t = c * chunk + l0 + k;
                    float v = 0f;
                    if (l0 + k < chunk && t < seqlen) {
                        v = dt.get(((long) b * seqlen + t) * heads + h);
                    }
                    raw[k] = v;
                }
                for (int k = 0; k < LOAD_BATCH; k++) {
                    int l = l0 + k;
                    int t = c * chunk + l;
                    if (l < chunk) {
                        float d = 0f;
                        if (t < seqlen) {
                            d = raw[k] + bias;
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
     * sequential over chunks; it loads {@link #LOAD_BATCH} chunks' states and decays before the
     * sequential updates (each chunk is read before it is overwritten), so the walk waits for memory
     * once per batch of chunks rather than once per chunk.
     */
    public static void statePassing(FloatArray states, FloatArray dACumsum, FloatArray initialStates, FloatArray finalStates,
                                    int batch, int seqlen, int heads, int headdim, int dstate,
                                    int chunk, int nchunks, boolean hasInitialStates) {
        float[] own = new float[LOAD_BATCH];
        float[] lastDa = new float[LOAD_BATCH];
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
                for (int c0 = 0; c0 < nchunks; c0 += LOAD_BATCH) {
                    for (int k = 0; k < LOAD_BATCH; k++) {
                        int c = c0 + k;
                        float o = 0f;
                        float da = 0f;
                        if (c < nchunks) {
                            o = states.get((((long) b * nchunks + c) * heads + h) * pn + j);
                            int len = Math.min(chunk, seqlen - c * chunk);
                            da = dACumsum.get((((long) b * heads + h) * nchunks + c) * chunk + len - 1);
                        }
                        own[k] = o;
                        lastDa[k] = da;
                    }
                    for (int k = 0; k < LOAD_BATCH; k++) {
                        int c = c0 + k;
                        if (c < nchunks) {
                            states.set((((long) b * nchunks + c) * heads + h) * pn + j, s);
                            s = KernelMath.exp(lastDa[k]) * s + own[k];
                        }
                    }
                }
                finalStates.set((long) i * pn + j, s);
            }
        }
    }

    /**
     * {@link #statePassing} with four neighbouring (p, n) elements per work-item (needs {@code headdim * dstate} a
     * multiple of 4): one 16-byte load and store per chunk instead of four 4-byte ones, and a quarter of the work-items.
     * Why: the scalar form's 196,608 work-items at the Mamba-2 130M shapes (70 registers) need two waves on an H100,
     * each paying the whole sequential walk's latency: ncu timed it at 379 us at 64K tokens, against 87 us for the bf16
     * pipeline's pair form (session 7). Same arithmetic per element as the scalar form (fma of the decay).
     */
    public static void statePassing4(FloatArray states, FloatArray dACumsum, FloatArray initialStates, FloatArray finalStates,
                                     int batch, int seqlen, int heads, int headdim, int dstate,
                                     int chunk, int nchunks, boolean hasInitialStates) {
        float[] own = new float[4 * LOAD_BATCH];
        float[] decay = new float[LOAD_BATCH];
        float[] s = new float[4];
        int bh = batch * heads;
        int pn = headdim * dstate;
        int quads = pn / 4;
        for (@Parallel int q = 0; q < quads; q++) {
            for (@Parallel int i = 0; i < bh; i++) {
                int h = i % heads;
                int b = i / heads;
                int j = 4 * q;
                if (hasInitialStates) {
                    initialStates.get4((long) i * pn + j, s, 0);
                } else {
                    for (int e = 0; e < 4; e++) {
                        s[e] = 0f;
                    }
                }
                for (int c0 = 0; c0 < nchunks; c0 += LOAD_BATCH) {
                    for (int k = 0; k < LOAD_BATCH; k++) {
                        int c = c0 + k;
                        float da = 0f;
                        if (c < nchunks) {
                            states.get4((((long) b * nchunks + c) * heads + h) * pn + j, own, 4 * k);
                            int len = Math.min(chunk, seqlen - c * chunk);
                            da = dACumsum.get((((long) b * heads + h) * nchunks + c) * chunk + len - 1);
                        }
                        decay[k] = KernelMath.exp(da);
                    }
                    for (int k = 0; k < LOAD_BATCH; k++) {
                        int c = c0 + k;
                        if (c < nchunks) {
                            states.set4((((long) b * nchunks + c) * heads + h) * pn + j, s, 0);
                            for (int e = 0; e < 4; e++) {
                                s[e] = KernelMath.fma(decay[k], s[e], own[4 * k + e]);
                            }
                        }
                    }
                }
                finalStates.set4((long) i * pn + j, s, 0);
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
