package io.jmamba.model.device;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.KernelMath;
import io.jmamba.runtime.api.Parallel;

/**
 * The glue kernels of the model's task graphs: embedding lookup, the linear layers, residual add +
 * RMSNorm, and the layout moves between the token-major activations ([tokens, channels], what the
 * linear layers produce) and the channel-major ones ([batch, channels, seqlen], what conv1d and the
 * Mamba-1 scan take). Tokens are numbered {@code t = b * seqlen + l}.
 *
 * <p>The outer {@code @Parallel} loop is launch dimension 0, whose consecutive work-items run together
 * in a warp; where a kernel walks a row-major tensor that loop is the contiguous (column) index, so a
 * warp's loads and stores are coalesced.
 */
public final class ModelKernels {
    private ModelKernels() {
    }

    /** out[t, i] = table[ids[t], i]. */
    public static void embed(IntArray ids, FloatArray table, FloatArray out, int tokens, int dModel) {
        for (@Parallel int i = 0; i < dModel; i++) {
            for (@Parallel int t = 0; t < tokens; t++) {
                long row = (long) ids.get(t) * dModel;
                out.set((long) t * dModel + i, table.get(row + i));
            }
        }
    }

    /**
     * A linear layer over rows {@code [wRow0, wRow0 + n)} of {@code w} ([*, k], row-major, as PyTorch
     * stores nn.Linear): y = x W^T (+ bias). Input row t is {@code x[t * xStride + xOff, + k)}, so a
     * column range of a wider activation can be read in place. The output is token-major
     * {@code y[t, n]}, or channel-major {@code y[b, n, l]} when {@code channelMajor} is 1.
     */
    public static void linear(FloatArray x, FloatArray w, FloatArray bias, FloatArray y, int tokens, int k, int n,
                              int xStride, int xOff, int wRow0, int hasBias, int seqlen, int channelMajor) {
        for (@Parallel int t = 0; t < tokens; t++) {
            for (@Parallel int j = 0; j < n; j++) {
                long xb = (long) t * xStride + xOff;
                long wb = (long) (wRow0 + j) * k;
                float acc = 0f;
                for (int c = 0; c < k; c++) {
                    acc += x.get(xb + c) * w.get(wb + c);
                }
                if (hasBias != 0) {
                    acc += bias.get(wRow0 + j);
                }
                if (channelMajor != 0) {
                    int b = t / seqlen;
                    int l = t - b * seqlen;
                    y.set(((long) b * n + j) * seqlen + l, acc);
                } else {
                    y.set((long) t * n + j, acc);
                }
            }
        }
    }

    /**
     * The pre-norm of a block: residual = hidden + residual (just hidden in the first block, where
     * there is no residual yet), out = residual * rsqrt(mean(residual^2) + eps) * weight. The
     * residual stream stays float32.
     */
    public static void residualRmsNorm(FloatArray hidden, FloatArray residual, FloatArray weight, FloatArray out,
                                       int tokens, int dModel, float eps, int first) {
        for (@Parallel int t = 0; t < tokens; t++) {
            long base = (long) t * dModel;
            float ss = 0f;
            for (int i = 0; i < dModel; i++) {
                float r = hidden.get(base + i);
                if (first == 0) {
                    r += residual.get(base + i);
                }
                residual.set(base + i, r);
                ss += r * r;
            }
            float inv = KernelMath.rsqrt(ss / dModel + eps);
            for (int i = 0; i < dModel; i++) {
                out.set(base + i, residual.get(base + i) * inv * weight.get(i));
            }
        }
    }

    /**
     * dst[t, j] = src[b, c0 + j, l]: channels [c0, c0 + n) of a channel-major tensor, token-major. The
     * plain form (reads strided); {@link io.jmamba.kernels.nn.LayoutKernels#transposeTiled} tiles it.
     */
    public static void channelsToTokens(FloatArray src, FloatArray dst, int batch, int channels, int seqlen, int c0, int n) {
        int tokens = batch * seqlen;
        for (@Parallel int t = 0; t < tokens; t++) {
            for (@Parallel int j = 0; j < n; j++) {
                int b = t / seqlen;
                int l = t - b * seqlen;
                dst.set((long) t * n + j, src.get(((long) b * channels + c0 + j) * seqlen + l));
            }
        }
    }

    /** dst[b, i] = src[b * seqlen + seqlen - 1, i]: each sequence's last position. */
    public static void lastPositions(FloatArray src, FloatArray dst, int batch, int seqlen, int width) {
        for (@Parallel int i = 0; i < width; i++) {
            for (@Parallel int b = 0; b < batch; b++) {
                dst.set((long) b * width + i, src.get(((long) b * seqlen + seqlen - 1) * width + i));
            }
        }
    }

    /**
     * dst[b, j, l] = src[t, c0 + j] with t = b * seqlen + l: a column range of a token-major tensor,
     * channel-major. The plain form (writes strided); {@link io.jmamba.kernels.nn.LayoutKernels#transposeTiled} tiles it.
     */
    public static void tokensToChannels(FloatArray src, FloatArray dst, int batch, int seqlen, int srcCols, int c0, int n) {
        int tokens = batch * seqlen;
        for (@Parallel int t = 0; t < tokens; t++) {
            for (@Parallel int j = 0; j < n; j++) {
                int b = t / seqlen;
                int l = t - b * seqlen;
                dst.set(((long) b * n + j) * seqlen + l, src.get((long) t * srcCols + c0 + j));
            }
        }
    }

    /** dst[t, j] = src[t, c0 + j]: a column range of a token-major tensor. */
    public static void columns(FloatArray src, FloatArray dst, int tokens, int srcCols, int c0, int n) {
        for (@Parallel int j = 0; j < n; j++) {
            for (@Parallel int t = 0; t < tokens; t++) {
                dst.set((long) t * n + j, src.get((long) t * srcCols + c0 + j));
            }
        }
    }

    /** dst[i] = src[i] for i < n. */
    public static void copy(FloatArray src, FloatArray dst, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            dst.set(i, src.get(i));
        }
    }

    /** ids[r] = the first index of the largest of logits[r, 0 : vocab] (torch.argmax). */
    public static void argmax(FloatArray logits, IntArray ids, int rows, int vocab) {
        for (@Parallel int r = 0; r < rows; r++) {
            long base = (long) r * vocab;
            int best = 0;
            float bestValue = logits.get(base);
            for (int v = 1; v < vocab; v++) {
                float x = logits.get(base + v);
                if (x > bestValue) {
                    bestValue = x;
                    best = v;
                }
            }
            ids.set(r, best);
        }
    }

    /**
     * Three column ranges of a token-major tensor in one launch (a decode step splits in_proj's and
     * x_proj's outputs this way): dstK[t, j] = src[t, offK + j] for j < nK.
     */
    public static void columns3(FloatArray src, int tokens, int srcCols, FloatArray dst0, int off0, int n0,
                                FloatArray dst1, int off1, int n1, FloatArray dst2, int off2, int n2) {
        int width = n0 + n1 + n2;
        for (@Parallel int j = 0; j < width; j++) {
            for (@Parallel int t = 0; t < tokens; t++) {
                long row = (long) t * srcCols;
                if (j < n0) {
                    dst0.set((long) t * n0 + j, src.get(row + off0 + j));
                } else if (j < n0 + n1) {
                    dst1.set((long) t * n1 + j - n0, src.get(row + off1 + j - n0));
                } else {
                    dst2.set((long) t * n2 + j - n0 - n1, src.get(row + off2 + j - n0 - n1));
                }
            }
        }
    }
}
