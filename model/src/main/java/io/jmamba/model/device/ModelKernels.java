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
 */
public final class ModelKernels {
    private ModelKernels() {
    }

    /** out[t, i] = table[ids[t], i]. */
    public static void embed(IntArray ids, FloatArray table, FloatArray out, int tokens, int dModel) {
        for (@Parallel int t = 0; t < tokens; t++) {
            for (@Parallel int i = 0; i < dModel; i++) {
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

    /** dst[t, j] = src[b, c0 + j, l]: channels [c0, c0 + n) of a channel-major tensor, token-major. */
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
        for (@Parallel int b = 0; b < batch; b++) {
            for (@Parallel int i = 0; i < width; i++) {
                dst.set((long) b * width + i, src.get(((long) b * seqlen + seqlen - 1) * width + i));
            }
        }
    }
}
