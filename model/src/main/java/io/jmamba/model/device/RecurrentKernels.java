package io.jmamba.model.device;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelMath;
import io.jmamba.runtime.api.Parallel;

/**
 * Mixer kernels that walk the sequence one token at a time per channel, with the recurrent state
 * updated in place in device memory. They serve prefill and decode alike (decode is seqlen 1) and
 * need nothing but plain loops, so the model runs on any backend the JIT supports; the parallel
 * scan kernels of the kernels module are the fast path for long prefills.
 */
public final class RecurrentKernels {
    private RecurrentKernels() {
    }

    static float silu(float v) {
        return v / (1f + KernelMath.exp(-v));
    }

    static float softplus(float v) {
        return v > 20f ? v : KernelMath.log1p(KernelMath.exp(v));
    }

    /**
     * Depthwise causal conv1d + SiLU over x [batch, channels, seqlen] with the last width-1 inputs
     * of each row in state [batch, channels, width-1] (oldest first), which rolls forward in place.
     */
    public static void convSilu(FloatArray x, FloatArray state, FloatArray weight, FloatArray bias, FloatArray out,
                                int batch, int channels, int seqlen, int width, int hasBias) {
        int rows = batch * channels;
        int hist = width - 1;
        for (@Parallel int row = 0; row < rows; row++) {
            int c = row % channels;
            long sb = (long) row * hist;
            long xb = (long) row * seqlen;
            long wb = (long) c * width;
            for (int t = 0; t < seqlen; t++) {
                float v = x.get(xb + t);
                float acc = hasBias != 0 ? bias.get(c) : 0f;
                for (int k = 0; k < hist; k++) {
                    acc += weight.get(wb + k) * state.get(sb + k);
                }
                acc += weight.get(wb + hist) * v;
                out.set(xb + t, silu(acc));
                for (int k = 0; k + 1 < hist; k++) {
                    state.set(sb + k, state.get(sb + k + 1));
                }
                if (hist > 0) {
                    state.set(sb + hist - 1, v);
                }
            }
        }
    }

    /**
     * Mamba-1 selective scan, one (sequence, channel) row per work-item, channel-major:
     * u, delta, z, out [batch, dim, seqlen]; A [dim, dstate]; B, C [batch, dstate, seqlen];
     * state [batch, dim, dstate] in place. delta = softplus(delta + deltaBias);
     * h = exp(delta A) h + delta B u; y = (C h + D u) * silu(z).
     */
    public static void selectiveScan(FloatArray u, FloatArray delta, FloatArray a, FloatArray bm, FloatArray cm,
                                     FloatArray d, FloatArray z, FloatArray deltaBias, FloatArray state, FloatArray out,
                                     int batch, int dim, int seqlen, int dstate) {
        int rows = batch * dim;
        for (@Parallel int row = 0; row < rows; row++) {
            int b = row / dim;
            int ch = row - b * dim;
            long xb = (long) row * seqlen;
            long sb = (long) row * dstate;
            long bb = (long) b * dstate * seqlen;
            for (int t = 0; t < seqlen; t++) {
                float uv = u.get(xb + t);
                float dl = softplus(delta.get(xb + t) + deltaBias.get(ch));
                float y = 0f;
                for (int s = 0; s < dstate; s++) {
                    float h = KernelMath.exp(dl * a.get((long) ch * dstate + s)) * state.get(sb + s)
                            + dl * bm.get(bb + (long) s * seqlen + t) * uv;
                    state.set(sb + s, h);
                    y += h * cm.get(bb + (long) s * seqlen + t);
                }
                y += d.get(ch) * uv;
                out.set(xb + t, y * silu(z.get(xb + t)));
            }
        }
    }

    /**
     * Mamba-2 SSM as its recurrence, one (sequence, head, channel) row per work-item, token-major
     * as the SSD kernels take it: x, out [batch, seqlen, heads, headdim]; dt [batch, seqlen, heads];
     * A, D, dtBias [heads]; B, C [batch, seqlen, groups, dstate]; state [batch, heads, headdim, dstate]
     * in place. dt = clamp(softplus(dt + dtBias)) when {@code clamp} is 1.
     */
    public static void ssdRecurrent(FloatArray x, FloatArray dt, FloatArray a, FloatArray bm, FloatArray cm,
                                    FloatArray d, FloatArray dtBias, FloatArray state, FloatArray out,
                                    int batch, int seqlen, int heads, int headdim, int groups, int dstate,
                                    int clamp, float dtMin, float dtMax) {
        int rows = batch * heads * headdim;
        int headsPerGroup = heads / groups;
        for (@Parallel int row = 0; row < rows; row++) {
            int b = row / (heads * headdim);
            int rem = row - b * heads * headdim;
            int h = rem / headdim;
            int p = rem - h * headdim;
            int g = h / headsPerGroup;
            long sb = (long) row * dstate;
            for (int t = 0; t < seqlen; t++) {
                long tok = (long) b * seqlen + t;
                float dl = softplus(dt.get(tok * heads + h) + dtBias.get(h));
                if (clamp != 0) {
                    dl = KernelMath.min(KernelMath.max(dl, dtMin), dtMax);
                }
                float dA = KernelMath.exp(dl * a.get(h));
                float xv = x.get((tok * heads + h) * headdim + p);
                long bcb = (tok * groups + g) * dstate;
                float y = 0f;
                for (int s = 0; s < dstate; s++) {
                    float hs = dA * state.get(sb + s) + dl * bm.get(bcb + s) * xv;
                    state.set(sb + s, hs);
                    y += hs * cm.get(bcb + s);
                }
                out.set((tok * heads + h) * headdim + p, y + d.get(h) * xv);
            }
        }
    }

    /**
     * Mamba-2's grouped gated RMSNorm over x, z [tokens, dim]: v = x * silu(z), normalised per group
     * of groupSize columns, times weight (or normalise x first and gate after, normBeforeGate = 1).
     */
    public static void gatedRmsNorm(FloatArray x, FloatArray z, FloatArray weight, FloatArray out, int tokens, int dim,
                                    int groupSize, float eps, int normBeforeGate) {
        int groups = dim / groupSize;
        for (@Parallel int t = 0; t < tokens; t++) {
            for (@Parallel int g = 0; g < groups; g++) {
                long base = (long) t * dim + (long) g * groupSize;
                float ss = 0f;
                for (int i = 0; i < groupSize; i++) {
                    float v = x.get(base + i);
                    if (normBeforeGate == 0) {
                        v = v * silu(z.get(base + i));
                    }
                    ss += v * v;
                }
                float inv = KernelMath.rsqrt(ss / groupSize + eps);
                for (int i = 0; i < groupSize; i++) {
                    float v = x.get(base + i);
                    float gate = silu(z.get(base + i));
                    int col = g * groupSize + i;
                    if (normBeforeGate == 0) {
                        out.set(base + i, v * gate * inv * weight.get(col));
                    } else {
                        out.set(base + i, v * inv * weight.get(col) * gate);
                    }
                }
            }
        }
    }
}
