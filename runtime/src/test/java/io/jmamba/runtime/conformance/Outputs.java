package io.jmamba.runtime.conformance;

import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.ByteArray;
import io.jmamba.runtime.api.DoubleArray;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.HalfFloatArray;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.LongArray;
import io.jmamba.runtime.api.NativeArray;

import java.util.ArrayList;
import java.util.List;

/**
 * Heap copies of every off-heap array argument of a kernel after a run, in argument order, and the
 * comparison of two such lists. Half-precision and bf16 arrays are kept as raw 16-bit patterns and compared
 * exactly (rounding float to half is exactly specified: round to nearest even).
 */
public final class Outputs {
    private final List<String> names;
    private final List<Object> values;

    private Outputs(List<String> names, List<Object> values) {
        this.names = names;
        this.values = values;
    }

    /** Snapshot of the arrays among {@code args}; {@code paramNames} names them in messages. */
    public static Outputs of(Object[] args, String[] paramNames) {
        List<String> names = new ArrayList<>();
        List<Object> values = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i] instanceof NativeArray a) {
                names.add(paramNames[i]);
                values.add(copy(a));
            }
        }
        return new Outputs(names, values);
    }

    private static Object copy(NativeArray a) {
        return switch (a) {
            case FloatArray f -> f.toHeapArray();
            case DoubleArray d -> d.toHeapArray();
            case IntArray i -> i.toHeapArray();
            case LongArray l -> l.toHeapArray();
            case ByteArray b -> b.toHeapArray();
            case HalfFloatArray h -> {
                short[] bits = new short[Math.toIntExact(h.getSize())];
                for (int i = 0; i < bits.length; i++) {
                    bits[i] = h.getBits(i);
                }
                yield bits;
            }
            case BFloat16Array b -> {
                char[] bits = new char[Math.toIntExact(b.getSize())];
                for (int i = 0; i < bits.length; i++) {
                    bits[i] = (char) b.getBits(i);
                }
                yield bits;
            }
        };
    }

    /**
     * Compares {@code actual} with this (the reference); returns null when they agree, else a message
     * naming the array, the first differing index, both values and how many elements differ.
     */
    public String compare(Outputs actual, Tolerance tol) {
        if (actual.values.size() != values.size()) {
            return "different number of arrays: " + values.size() + " vs " + actual.values.size();
        }
        StringBuilder msg = new StringBuilder();
        for (int k = 0; k < values.size(); k++) {
            String m = compareArray(names.get(k), values.get(k), actual.values.get(k), tol);
            if (m != null) {
                msg.append(m).append('\n');
            }
        }
        return msg.isEmpty() ? null : msg.toString().strip();
    }

    private static String compareArray(String name, Object ref, Object act, Tolerance tol) {
        int n = java.lang.reflect.Array.getLength(ref);
        if (java.lang.reflect.Array.getLength(act) != n) {
            return name + ": length " + n + " vs " + java.lang.reflect.Array.getLength(act);
        }
        int bad = 0;
        String first = null;
        for (int i = 0; i < n; i++) {
            String d = differs(ref, act, i, tol);
            if (d != null) {
                if (first == null) {
                    first = name + "[" + i + "]: " + d;
                }
                bad++;
            }
        }
        if (bad == 0) {
            return null;
        }
        return first + " (" + bad + " of " + n + " elements differ; tolerance " + tol.ulps() + " ulp: " + tol.reason() + ")";
    }

    private static String differs(Object ref, Object act, int i, Tolerance tol) {
        return switch (ref) {
            case float[] r -> {
                float a = ((float[]) act)[i];
                yield FloatUlps.within(r[i], a, tol.ulps()) ? null
                        : "expected " + r[i] + " (0x" + Integer.toHexString(Float.floatToRawIntBits(r[i])) + ") got " + a
                        + " (0x" + Integer.toHexString(Float.floatToRawIntBits(a)) + "), " + FloatUlps.distance(r[i], a) + " ulp";
            }
            case double[] r -> {
                double a = ((double[]) act)[i];
                yield FloatUlps.within(r[i], a, tol.ulps()) ? null
                        : "expected " + r[i] + " (0x" + Long.toHexString(Double.doubleToRawLongBits(r[i])) + ") got " + a
                        + " (0x" + Long.toHexString(Double.doubleToRawLongBits(a)) + "), " + FloatUlps.distance(r[i], a) + " ulp";
            }
            case int[] r -> r[i] == ((int[]) act)[i] ? null : "expected " + r[i] + " got " + ((int[]) act)[i];
            case long[] r -> r[i] == ((long[]) act)[i] ? null : "expected " + r[i] + " got " + ((long[]) act)[i];
            case byte[] r -> r[i] == ((byte[]) act)[i] ? null : "expected " + r[i] + " got " + ((byte[]) act)[i];
            // Halves follow the float rule above: bits must match, except that any NaN equals any NaN. A NaN
            // that arithmetic produces carries the hardware's payload (x86 0x7fc00000, NVIDIA 0x7fffffff) and
            // Java does not fix it; the JIT keeps whatever payload the float had when it stores the half.
            case short[] r -> r[i] == ((short[]) act)[i] || (isHalfNaN(r[i]) && isHalfNaN(((short[]) act)[i])) ? null
                    : "expected half 0x" + Integer.toHexString(r[i] & 0xffff) + " (" + Float.float16ToFloat(r[i])
                    + ") got 0x" + Integer.toHexString(((short[]) act)[i] & 0xffff) + " (" + Float.float16ToFloat(((short[]) act)[i]) + ")";
            // bf16 (kept as char[] to tell it from half): the same rule, bits exact and any NaN equal to any NaN
            case char[] r -> r[i] == ((char[]) act)[i] || (isBf16NaN(r[i]) && isBf16NaN(((char[]) act)[i])) ? null
                    : "expected bf16 0x" + Integer.toHexString(r[i]) + " (" + BFloat16Array.toFloat((short) r[i])
                    + ") got 0x" + Integer.toHexString(((char[]) act)[i]) + " (" + BFloat16Array.toFloat((short) ((char[]) act)[i]) + ")";
            default -> throw new IllegalStateException("unexpected array " + ref.getClass());
        };
    }

    private static boolean isBf16NaN(char b) {
        return (b & 0x7f80) == 0x7f80 && (b & 0x007f) != 0;
    }

    private static boolean isHalfNaN(short h) {
        return (h & 0x7c00) == 0x7c00 && (h & 0x03ff) != 0;
    }
}
