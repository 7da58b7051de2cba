package io.jmamba.runtime.conformance;

import io.jmamba.runtime.api.DoubleArray;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.LongArray;
import io.jmamba.runtime.api.Parallel;

import java.util.List;

/** Private (per work-item) arrays of constant size: zero-initialised, indexed by constants and by data. */
public final class PrivateArrayKernels {
    static final int N = 48;

    private PrivateArrayKernels() {
    }

    public static void privateIntReverse(IntArray a, IntArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            int[] buf = new int[8];
            for (int k = 0; k < 8; k++) {
                buf[k] = a.get(i) * (k + 1);
            }
            int acc = 0;
            for (int k = 7; k >= 0; k--) {
                acc = acc * 3 + buf[k];
            }
            out.set(i, acc + buf.length);
        }
    }

    /** A data-dependent index into a private array, and elements left at their zero default. */
    public static void privateHistogram(IntArray a, IntArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            int[] hist = new int[16];
            int v = a.get(i);
            for (int k = 0; k < 8; k++) {
                hist[(v >>> (4 * k)) & 15]++;
            }
            int code = 0;
            for (int k = 0; k < 16; k++) {
                code = code * 5 + hist[k];
            }
            out.set(i, code);
        }
    }

    /** A sliding window kept in a private float array. */
    public static void privateFloatWindow(FloatArray a, FloatArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            float[] w = new float[4];
            float acc = 0f;
            for (int t = 0; t < 12; t++) {
                w[t & 3] = a.get((i + t) % n);
                acc += w[0] * 0.5f + w[1] - w[2] * w[3];
            }
            out.set(i, acc);
        }
    }

    public static void privateLongDouble(LongArray a, DoubleArray d, LongArray lout, DoubleArray dout, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            long[] l = new long[3];
            double[] x = new double[3];
            l[0] = a.get(i);
            l[1] = l[0] * 3 + 1;
            l[2] = l[1] ^ (l[0] >>> 7);
            x[0] = d.get(i);
            x[1] = x[0] * x[0];
            x[2] = x[1] - x[0] / 3.0;
            lout.set(i, l[0] + l[1] + l[2]);
            dout.set(i, x[2] + x[1]);
        }
    }

    static List<ConformanceCase> cases() {
        return List.of(
                ConformanceCase.of(PrivateArrayKernels.class, "privateIntReverse",
                        () -> new Object[] {Inputs.edgeInts(N, 111), new IntArray(N), N}),
                ConformanceCase.of(PrivateArrayKernels.class, "privateHistogram",
                        () -> new Object[] {Inputs.edgeInts(N, 112), new IntArray(N), N}),
                ConformanceCase.of(PrivateArrayKernels.class, "privateFloatWindow",
                        () -> new Object[] {Inputs.floats(N, 113, -2, 2), new FloatArray(N), N}),
                ConformanceCase.of(PrivateArrayKernels.class, "privateLongDouble",
                        () -> new Object[] {Inputs.edgeLongs(N, 114), Inputs.doubles(N, 115, -10, 10), new LongArray(N), new DoubleArray(N), N}));
    }
}
