package io.jmamba.runtime.conformance;

import io.jmamba.runtime.api.DoubleArray;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.LongArray;
import io.jmamba.runtime.api.Parallel;

import java.util.List;

/**
 * Primitive conversions. Java's float/double to int/long casts truncate, saturate at the limits and
 * send NaN to 0 (C leaves out-of-range conversions undefined); narrowing int casts keep the low bits
 * and sign-extend; int/long to float round to nearest even. All exact.
 */
public final class ConversionKernels {
    static final int N = 64;

    private ConversionKernels() {
    }

    public static void floatToIntSaturating(FloatArray a, IntArray out, LongArray lout, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            float x = a.get(i);
            out.set(i, (int) x);
            lout.set(i, (long) x);
        }
    }

    public static void doubleToIntSaturating(DoubleArray a, IntArray out, LongArray lout, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            double x = a.get(i);
            out.set(i, (int) x);
            lout.set(i, (long) x);
        }
    }

    /** Large ints and longs round to nearest even when they become float or double. */
    public static void integerToFloat(IntArray a, LongArray b, FloatArray fout, DoubleArray dout, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            int x = a.get(i);
            long y = b.get(i);
            fout.set(2 * i, (float) x);
            fout.set(2 * i + 1, (float) y);
            dout.set(2 * i, (double) x);
            dout.set(2 * i + 1, (double) y);
        }
    }

    /** (byte), (short), (char) and (int) of a long keep the low bits; byte and short sign-extend, char does not. */
    public static void narrowing(IntArray a, LongArray b, IntArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            int x = a.get(i);
            long y = b.get(i);
            out.set(5 * i, (byte) x);
            out.set(5 * i + 1, (short) x);
            out.set(5 * i + 2, (char) x);
            out.set(5 * i + 3, (int) y);
            out.set(5 * i + 4, (byte) (y >> 3) + (char) (y >>> 40));
        }
    }

    /** double to float rounds to nearest even (and overflows to infinity); float to double is exact. */
    public static void floatDouble(DoubleArray a, FloatArray b, FloatArray fout, DoubleArray dout, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            double x = a.get(i);
            float y = b.get(i);
            fout.set(i, (float) (x * 1.000000001));
            dout.set(i, (double) y * 0.1);
        }
    }

    /** float to int via a double, and int through float and back: two roundings that must each be right. */
    public static void roundTrips(IntArray a, FloatArray b, IntArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            int x = a.get(i);
            float y = b.get(i);
            out.set(3 * i, (int) (float) x);
            out.set(3 * i + 1, (int) (double) y + (int) (y * 1e9f));
            out.set(3 * i + 2, (short) (int) (y * 1000f));
        }
    }

    static List<ConformanceCase> cases() {
        return List.of(
                ConformanceCase.of(ConversionKernels.class, "floatToIntSaturating",
                        () -> new Object[] {Inputs.edgeFloats(N, 61), new IntArray(N), new LongArray(N), N}),
                ConformanceCase.of(ConversionKernels.class, "doubleToIntSaturating",
                        () -> new Object[] {Inputs.edgeDoubles(N, 62), new IntArray(N), new LongArray(N), N}),
                ConformanceCase.of(ConversionKernels.class, "integerToFloat",
                        () -> new Object[] {Inputs.edgeInts(N, 63), Inputs.edgeLongs(N, 64), new FloatArray(2 * N), new DoubleArray(2 * N), N}),
                ConformanceCase.of(ConversionKernels.class, "narrowing",
                        () -> new Object[] {Inputs.edgeInts(N, 65), Inputs.edgeLongs(N, 66), new IntArray(5 * N), N}),
                ConformanceCase.of(ConversionKernels.class, "floatDouble",
                        () -> new Object[] {Inputs.edgeDoubles(N, 67), Inputs.edgeFloats(N, 68), new FloatArray(N), new DoubleArray(N), N}),
                ConformanceCase.of(ConversionKernels.class, "roundTrips",
                        () -> new Object[] {Inputs.edgeInts(N, 69), Inputs.edgeFloats(N, 70), new IntArray(3 * N), N}));
    }
}
