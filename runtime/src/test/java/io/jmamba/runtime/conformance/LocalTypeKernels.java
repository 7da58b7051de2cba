package io.jmamba.runtime.conformance;

import io.jmamba.runtime.api.ByteArray;
import io.jmamba.runtime.api.DoubleArray;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.LongArray;
import io.jmamba.runtime.api.Parallel;

import java.util.List;

/**
 * Locals of the small primitive types. The JVM computes on them as int and narrows on every store
 * (i2b, i2s, i2c), so compound assignments wrap at 8 or 16 bits and char is unsigned.
 */
public final class LocalTypeKernels {
    static final int N = 64;

    private LocalTypeKernels() {
    }

    public static void byteLocals(ByteArray a, ByteArray out, IntArray iout, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            byte b = a.get(i);
            byte c = (byte) (b * 3);
            c += 100;
            c >>= 1;
            byte d = (byte) (c ^ 0x5a);
            out.set(i, d);
            iout.set(i, b + c + (d & 0xff) + (b >>> 4));
        }
    }

    public static void shortLocals(IntArray a, IntArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            short s = (short) a.get(i);
            short t = s;
            t *= 7;
            t += 30000;
            short u = (short) -s;
            out.set(2 * i, t);
            out.set(2 * i + 1, u - (s >> 2) + (s >>> 20));
        }
    }

    /** char is an unsigned 16-bit type: 0 - 1 wraps to 65535. */
    public static void charLocals(IntArray a, IntArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            char c = (char) a.get(i);
            char d = c;
            d -= 1;
            d *= 3;
            char e = (char) (c + 'A');
            out.set(2 * i, d);
            out.set(2 * i + 1, e > 'z' ? e - 'z' : e);
        }
    }

    public static void booleanLocals(IntArray a, IntArray b, IntArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            int x = a.get(i);
            int y = b.get(i);
            boolean p = x > y;
            boolean q = (x & 1) == 0;
            boolean r = p ^ q;
            boolean s = !p & q | r;
            boolean t = s;
            t &= p || q;
            t |= x == y;
            out.set(i, (p ? 1 : 0) | (q ? 2 : 0) | (r ? 4 : 0) | (s ? 8 : 0) | (t ? 16 : 0));
        }
    }

    /** byte, short, char and int mixed in one expression, promoted to int as Java does. */
    public static void mixedSmallTypes(IntArray a, IntArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            int v = a.get(i);
            byte b = (byte) v;
            short s = (short) (v >> 8);
            char c = (char) (v >>> 12);
            long l = b * s + c;
            out.set(2 * i, (int) l + (b < s ? 1 : 0) + (c > 40000 ? 2 : 0));
            byte[] small = new byte[4];
            small[v & 3] = (byte) (b + 200);
            out.set(2 * i + 1, small[0] + small[1] + small[2] + small[3]);
        }
    }

    /** Scalar parameters of every primitive type, none specialised: each is passed as a kernel argument. */
    public static void scalarParams(IntArray a, LongArray lout, DoubleArray dout, int n, byte b, short s, char c,
                                    boolean z, long l, float f, double d) {
        for (@Parallel int i = 0; i < n; i++) {
            int v = a.get(i);
            lout.set(i, v * b + s * (long) c + (z ? l : -l));
            dout.set(i, v * f + d + (z ? 1 : 0) + c);
        }
    }

    static List<ConformanceCase> cases() {
        ConformanceCase scalars = ConformanceCase.of(LocalTypeKernels.class, "scalarParams",
                () -> new Object[] {Inputs.edgeInts(N, 107), new LongArray(N), new DoubleArray(N), N,
                        (byte) -7, (short) -30000, (char) 65000, true, Long.MIN_VALUE + 5, -1.25f, 1e300});
        return List.of(
                ConformanceCase.of(LocalTypeKernels.class, "byteLocals",
                        () -> new Object[] {Inputs.bytes(N, 101), new ByteArray(N), new IntArray(N), N}),
                ConformanceCase.of(LocalTypeKernels.class, "shortLocals",
                        () -> new Object[] {Inputs.edgeInts(N, 102), new IntArray(2 * N), N}),
                ConformanceCase.of(LocalTypeKernels.class, "charLocals",
                        () -> new Object[] {Inputs.edgeInts(N, 103), new IntArray(2 * N), N}),
                ConformanceCase.of(LocalTypeKernels.class, "booleanLocals",
                        () -> new Object[] {Inputs.edgeInts(N, 104), Inputs.ints(N, 105, -4, 4), new IntArray(N), N}),
                ConformanceCase.of(LocalTypeKernels.class, "mixedSmallTypes",
                        () -> new Object[] {Inputs.edgeInts(N, 106), new IntArray(2 * N), N}),
                scalars,
                scalars.named("false", () -> new Object[] {Inputs.edgeInts(N, 108), new LongArray(N), new DoubleArray(N), N,
                                (byte) 127, (short) 1, (char) 0, false, 123456789012L, 3.5f, -0.0}));
    }
}
