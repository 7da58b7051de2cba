package io.jmamba.model.reference;

import io.jmamba.runtime.api.FloatArray;

/** The plain loops the reference forward is made of; sums run in double. */
final class ReferenceOps {
    private ReferenceOps() {
    }

    /** y = W x (+ bias) for W [rows, cols] row-major, starting at row {@code rowOffset} of W. */
    static float[] matvec(FloatArray w, FloatArray bias, float[] x, int rows, int cols) {
        float[] y = new float[rows];
        for (int r = 0; r < rows; r++) {
            long base = (long) r * cols;
            double acc = bias == null ? 0 : bias.get(r);
            for (int c = 0; c < cols; c++) {
                acc += (double) w.get(base + c) * x[c];
            }
            y[r] = (float) acc;
        }
        return y;
    }

    /** x * rsqrt(mean(x^2) + eps) * weight over x[from, from + n). */
    static void rmsNormInPlace(float[] x, int from, int n, FloatArray weight, int weightOffset, float eps) {
        double ss = 0;
        for (int i = 0; i < n; i++) {
            ss += (double) x[from + i] * x[from + i];
        }
        double inv = 1.0 / Math.sqrt(ss / n + eps);
        for (int i = 0; i < n; i++) {
            x[from + i] = (float) (x[from + i] * inv * weight.get(weightOffset + i));
        }
    }

    static float[] rmsNorm(float[] x, FloatArray weight, float eps) {
        float[] out = x.clone();
        rmsNormInPlace(out, 0, out.length, weight, 0, eps);
        return out;
    }

    static double silu(double v) {
        return v / (1 + Math.exp(-v));
    }

    /** log(1 + e^x), computed without overflow (PyTorch's threshold: x above 20 gives x). */
    static double softplus(double v) {
        return v > 20 ? v : Math.log1p(Math.exp(v));
    }

    /**
     * One step of the depthwise causal conv1d over {@code channels}: out[c] = bias[c] +
     * sum_k w[c, k] * in[t - (W-1) + k], where the W-1 older inputs come from {@code state} [c, W-1]
     * (oldest first), then SiLU; the state shifts by one and takes {@code in}.
     */
    static float[] convStepSilu(float[] in, float[] state, FloatArray weight, FloatArray bias, int channels, int width) {
        float[] out = new float[channels];
        int hist = width - 1;
        for (int c = 0; c < channels; c++) {
            double acc = bias == null ? 0 : bias.get(c);
            long wb = (long) c * width;
            for (int k = 0; k < hist; k++) {
                acc += (double) weight.get(wb + k) * state[c * hist + k];
            }
            acc += (double) weight.get(wb + hist) * in[c];
            out[c] = (float) silu(acc);
            if (hist > 0) {
                System.arraycopy(state, c * hist + 1, state, c * hist, hist - 1);
                state[c * hist + hist - 1] = in[c];
            }
        }
        return out;
    }
}
