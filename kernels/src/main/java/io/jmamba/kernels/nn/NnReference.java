package io.jmamba.kernels.nn;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.IntArray;

/** The specification of the nn kernels as plain loops (double accumulation). */
public final class NnReference {
    private NnReference() {
    }

    /** y (rows, out) = x (rows, in) . W (out, in)^T + bias (out) when bias is not null. */
    public static void linear(FloatArray x, FloatArray w, FloatArray bias, FloatArray y, int rows, int in, int out) {
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                double acc = bias == null ? 0.0 : bias.get(o);
                for (int k = 0; k < in; k++) {
                    acc += (double) x.get((long) r * in + k) * w.get((long) o * in + k);
                }
                y.set((long) r * out + o, (float) acc);
            }
        }
    }

    /** out[t, :] = table[ids[t], :]. */
    public static void gather(IntArray ids, FloatArray table, FloatArray out, int tokens, int dim) {
        for (int t = 0; t < tokens; t++) {
            for (int c = 0; c < dim; c++) {
                out.set((long) t * dim + c, table.get((long) ids.get(t) * dim + c));
            }
        }
    }

    /** Index of the first maximum of each row. */
    public static void argmax(FloatArray logits, IntArray out, int rows, int vocab) {
        for (int r = 0; r < rows; r++) {
            int best = 0;
            for (int i = 1; i < vocab; i++) {
                if (logits.get((long) r * vocab + i) > logits.get((long) r * vocab + best)) {
                    best = i;
                }
            }
            out.set(r, best);
        }
    }

    public static double softplus(double v) {
        return v <= 20.0 ? Math.log1p(Math.exp(v)) : v;
    }

    public static double silu(double v) {
        return v / (1.0 + Math.exp(-v));
    }

    /** The elementwise ops of {@link Elementwise} on (rows, cols); {@code b} as there. */
    public static void elementwise(Elementwise.Op op, FloatArray a, FloatArray b, FloatArray out, int rows, int cols) {
        for (long i = 0; i < (long) rows * cols; i++) {
            double v = a.get(i);
            double r = switch (op) {
                case SOFTPLUS -> softplus(v + (b == null ? 0.0 : b.get(i % cols)));
                case SILU -> silu(v);
                case GATE -> v * silu(b.get(i));
                case ADD -> v + b.get(i);
            };
            out.set(i, (float) r);
        }
    }
}
