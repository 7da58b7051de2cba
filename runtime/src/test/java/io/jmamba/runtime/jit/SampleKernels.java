package io.jmamba.runtime.jit;

import io.jmamba.runtime.api.ByteArray;
import io.jmamba.runtime.api.DoubleArray;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.HalfFloatArray;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.KernelMath;
import io.jmamba.runtime.api.LongArray;
import io.jmamba.runtime.api.Parallel;
import io.jmamba.runtime.api.Specialize;

/** Kernels the JIT tests compile: each exercises a construct of the compiler. */
final class SampleKernels {
    private SampleKernels() {
    }

    static void saxpy(float alpha, FloatArray x, FloatArray y) {
        for (@Parallel int i = 0; i < x.getSize(); i++) {
            y.set(i, alpha * x.get(i) + y.get(i));
        }
    }

    static void scaleN(FloatArray a, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            a.set(i, a.get(i) * 2f);
        }
    }

    static void grid2d(FloatArray out, int rows, int cols) {
        for (@Parallel int r = 0; r < rows; r++) {
            for (@Parallel int c = 0; c < cols; c++) {
                out.set(r * cols + c, r * 1000 + c);
            }
        }
    }

    static void stride2(IntArray out) {
        for (@Parallel int i = 1; i < 64; i += 2) {
            out.set(i, i * 3);
        }
    }

    static void contextAdd(KernelContext ctx, IntArray a, IntArray b, IntArray c) {
        int i = ctx.globalIdx;
        c.set(i, a.get(i) + b.get(i));
    }

    /** Java int semantics: wrapping, division, remainder and masked shifts, one result slot each. */
    static void intOps(IntArray in, IntArray out) {
        for (@Parallel int i = 0; i < in.getSize() / 2; i++) {
            int a = in.get(2 * i);
            int b = in.get(2 * i + 1);
            int o = 16 * i;
            out.set(o, a + b);
            out.set(o + 1, a - b);
            out.set(o + 2, a * b);
            out.set(o + 3, a / b);
            out.set(o + 4, a % b);
            out.set(o + 5, a << b);
            out.set(o + 6, a >> b);
            out.set(o + 7, a >>> b);
            out.set(o + 8, -a);
            out.set(o + 9, (byte) a);
            out.set(o + 10, (short) a);
            out.set(o + 11, (char) a);
            out.set(o + 12, Math.abs(a));
            out.set(o + 13, Math.min(a, b) ^ Math.max(a, b));
            out.set(o + 14, Integer.bitCount(a) + Integer.numberOfLeadingZeros(b) * 64 + Integer.numberOfTrailingZeros(a) * 4096);
            out.set(o + 15, a < b ? 1 : (a == b ? 2 : 3));
        }
    }

    static void longOps(LongArray in, LongArray out) {
        for (@Parallel int i = 0; i < in.getSize() / 2; i++) {
            long a = in.get(2 * i);
            long b = in.get(2 * i + 1);
            int o = 12 * i;
            out.set(o, a + b);
            out.set(o + 1, a - b);
            out.set(o + 2, a * b);
            out.set(o + 3, a / b);
            out.set(o + 4, a % b);
            out.set(o + 5, a << b);
            out.set(o + 6, a >> b);
            out.set(o + 7, a >>> b);
            out.set(o + 8, -a);
            out.set(o + 9, (int) a);
            out.set(o + 10, a < b ? -1 : a > b ? 1 : 0);
            out.set(o + 11, Long.bitCount(a) + Long.numberOfLeadingZeros(b) * 100L);
        }
    }

    /** Float semantics: NaN-aware compares, saturating casts, fmod, min/max with NaN and -0.0. */
    static void floatOps(FloatArray in, FloatArray out, IntArray iout) {
        for (@Parallel int i = 0; i < in.getSize() / 2; i++) {
            float a = in.get(2 * i);
            float b = in.get(2 * i + 1);
            int o = 8 * i;
            out.set(o, a % b);
            out.set(o + 1, Math.min(a, b));
            out.set(o + 2, Math.max(a, b));
            out.set(o + 3, KernelMath.sqrt(Math.abs(a)));
            out.set(o + 4, (float) Math.round(a));
            out.set(o + 5, Float.intBitsToFloat(Float.floatToRawIntBits(a) ^ 0x80000000));
            out.set(o + 6, (float) (long) a);
            out.set(o + 7, a / b);
            iout.set(o, (int) a);
            iout.set(o + 1, a < b ? 1 : 0);
            iout.set(o + 2, a > b ? 1 : 0);
            iout.set(o + 3, a <= b ? 1 : 0);
            iout.set(o + 4, a >= b ? 1 : 0);
            iout.set(o + 5, a == b ? 1 : 0);
            iout.set(o + 6, a != b ? 1 : 0);
            iout.set(o + 7, Float.isNaN(a) ? 1 : Float.compare(a, b) == 0 ? 2 : 3);
        }
    }

    static void doubleOps(DoubleArray in, DoubleArray out, LongArray lout) {
        for (@Parallel int i = 0; i < in.getSize() / 2; i++) {
            double a = in.get(2 * i);
            double b = in.get(2 * i + 1);
            int o = 6 * i;
            out.set(o, a % b);
            out.set(o + 1, Math.min(a, b));
            out.set(o + 2, Math.max(a, b));
            out.set(o + 3, Math.floor(a) + Math.ceil(b));
            out.set(o + 4, a < b ? a : b);
            out.set(o + 5, Math.fma(a, b, 1.0));
            lout.set(o, (long) a);
            lout.set(o + 1, (int) b);
            lout.set(o + 2, a < b ? 1 : 0);
            lout.set(o + 3, a >= b ? 1 : 0);
            lout.set(o + 4, Double.doubleToLongBits(a));
            lout.set(o + 5, Math.round(b));
        }
    }

    static int collatzSteps(int n) {
        int steps = 0;
        while (n != 1 && steps < 1000) {
            if ((n & 1) == 0) {
                n /= 2;
            } else {
                n = 3 * n + 1;
            }
            steps++;
        }
        return steps;
    }

    static int classify(int v) {
        switch (v) {
            case 0:
                return 10;
            case 1:
            case 2:
                return 20;
            case 7:
                return 30;
            default:
                break;
        }
        return switch (v * 1000) {
            case -5000 -> 40;
            case 100000 -> 50;
            case 2000000 -> 60;
            default -> v > 0 ? 70 : 80;
        };
    }

    /** Loops with break, continue and early return; a helper with a while loop; switches. */
    static void control(IntArray in, IntArray out) {
        for (@Parallel int i = 0; i < in.getSize(); i++) {
            int v = in.get(i);
            int acc = 0;
            outer:
            for (int a = 0; a < 10; a++) {
                for (int b = 0; b < 10; b++) {
                    if (b > a) {
                        continue outer;
                    }
                    if (a * b > v) {
                        break outer;
                    }
                    acc += a ^ b;
                }
            }
            out.set(3 * i, acc);
            out.set(3 * i + 1, collatzSteps(Math.max(1, v)));
            out.set(3 * i + 2, classify(v));
        }
    }

    static void earlyReturn(KernelContext ctx, FloatArray a, int n) {
        int i = ctx.globalIdx;
        if (i >= n) {
            return;
        }
        a.set(i, a.get(i) + 1f);
    }

    static float dot(float[] v, float[] w, int n) {
        float s = 0f;
        for (int i = 0; i < n; i++) {
            s += v[i] * w[i];
        }
        return s;
    }

    /** A private array of a specialised size, a helper taking private arrays, and constant loops. */
    static void privateState(FloatArray x, FloatArray out, @Specialize int dstate) {
        for (@Parallel int i = 0; i < out.getSize(); i++) {
            float[] h = new float[dstate];
            float[] w = new float[2 * dstate];
            for (int s = 0; s < dstate; s++) {
                h[s] = x.get((i * dstate + s) % (int) x.getSize());
                w[s] = s;
            }
            out.set(i, dot(h, w, dstate) + w.length);
        }
    }

    /** Work-group reduction in local memory with barriers and an atomic. */
    static void reduce(KernelContext ctx, FloatArray in, FloatArray partial, IntArray count) {
        float[] tile = ctx.allocateFloatLocalArray(64);
        int lid = ctx.localIdx;
        tile[lid] = in.get(ctx.globalIdx);
        ctx.localBarrier();
        for (int s = ctx.localGroupSizeX / 2; s > 0; s >>= 1) {
            if (lid < s) {
                tile[lid] += tile[lid + s];
            }
            ctx.localBarrier();
        }
        if (lid == 0) {
            partial.set(ctx.groupIdx, tile[0]);
            ctx.atomicAdd(count, 0, 1);
        }
    }

    static void atomics(KernelContext ctx, FloatArray sum, IntArray hist, IntArray out) {
        int[] local = ctx.allocateIntLocalArray(4);
        if (ctx.localIdx < 4) {
            local[ctx.localIdx] = 0;
        }
        ctx.localBarrier();
        ctx.atomicAdd(local, ctx.globalIdx & 3, 1);
        ctx.atomicAdd(sum, 0, 0.5f);
        ctx.localBarrier();
        if (ctx.localIdx < 4) {
            ctx.atomicAdd(hist, ctx.localIdx, local[ctx.localIdx]);
        }
        out.set(ctx.globalIdx, ctx.atomicAdd(hist, 4, 1) >= 0 ? 1 : 0);
    }

    static void halves(HalfFloatArray h, FloatArray f, ByteArray b) {
        for (@Parallel int i = 0; i < h.getSize(); i++) {
            float v = h.get(i);
            f.set(i, v * 2f);
            h.set(i, v + 1f);
            b.set(i, (byte) (b.get(i) + 1));
        }
    }

    static void mathFns(FloatArray in, FloatArray out, DoubleArray dout) {
        for (@Parallel int i = 0; i < in.getSize(); i++) {
            float x = in.get(i);
            out.set(5 * i, KernelMath.exp(x) + KernelMath.log(x + 2f) + KernelMath.tanh(x));
            out.set(5 * i + 1, KernelMath.rsqrt(x + 2f) + KernelMath.pow(x + 2f, 0.5f) + KernelMath.log1p(x + 1f));
            out.set(5 * i + 2, KernelMath.sin(x) + KernelMath.cos(x) + KernelMath.expm1(x));
            out.set(5 * i + 3, KernelMath.floor(x) + KernelMath.ceil(x) + KernelMath.fma(x, x, 1f));
            out.set(5 * i + 4, KernelMath.max(x, 0f) + KernelMath.min(x, 0f) + KernelMath.abs(x));
            dout.set(i, Math.exp(x) + Math.sqrt(Math.abs((double) x)) + Math.tanh(x) + Math.pow(2.0, x));
        }
    }

    static void sharedTile(KernelContext ctx, FloatArray a, @Specialize int n) {
        float[] tile = ctx.allocateFloatLocalArray(2 * n);
        tile[ctx.localIdx] = a.get(ctx.globalIdx);
        ctx.localBarrier();
        a.set(ctx.globalIdx, tile[(ctx.localIdx + 1) % (2 * n)]);
    }

    static void computedBound(FloatArray a, int n) {
        for (@Parallel int i = 0; i < n * 2; i++) {
            a.set(i, 0f);
        }
    }

    static void boundInLocals(FloatArray a, int batch, int seqlen, int n) {
        int tokens = batch * seqlen;
        int half = Math.min(tokens, n) / 2;
        for (@Parallel int t = 0; t < tokens; t++) {
            for (@Parallel int j = 0; j < half - 1; j++) {
                a.set((long) t * n + j, 1f);
            }
        }
    }

    static void boundReassigned(FloatArray a, int n) {
        int m = n;
        if (a.get(0) > 0f) {
            m = n + 1;
        }
        for (@Parallel int i = 0; i < m; i++) {
            a.set(i, 0f);
        }
    }

    static void unknownBound(FloatArray a) {
        for (@Parallel int i = 0; i < (int) a.get(0); i++) {
            a.set(i + 1, 0f);
        }
    }

    static void specialisedFlags(FloatArray a, @Specialize boolean relu, @Specialize float scale, @Specialize long bias) {
        for (@Parallel int i = 0; i < a.getSize(); i++) {
            float v = a.get(i) * scale + bias;
            a.set(i, relu && v < 0 ? 0f : v);
        }
    }

    static boolean isOdd(int v) {
        return (v & 1) != 0;
    }

    static long mix(long[] state, int n, char c, short s, byte b) {
        long h = 1469598103934665603L;
        for (int k = 0; k < n; k++) {
            h = (h ^ state[k]) * 1099511628211L;
            if (h < 0) {
                return h + c + s + b;
            }
        }
        return h - c;
    }

    /** Post/pre increments, compound array updates (dup2, dup_x), ternaries across blocks, loops of every shape. */
    static void tricky(IntArray in, IntArray out, LongArray lout, FloatArray fout) {
        for (@Parallel int i = 0; i < in.getSize(); i++) {
            int v = in.get(i);
            int o = 16 * i;
            int x = v;
            int y = x++ + ++x;
            int z = x-- - --x;
            out.set(o, y);
            out.set(o + 1, z * 31 + x);
            int[] arr = new int[8];
            int p = 0;
            arr[p++] = v;
            arr[p++] += v * 2;
            arr[p] = arr[p - 1]++ + arr[--p];
            arr[3] <<= (v & 7);
            arr[4] = arr[5] = arr[6] = v ^ 0x5a5a;
            out.set(o + 2, arr[0] + arr[1] * 3 + arr[2] * 5 + arr[3] * 7 + arr[4] + arr[5] + arr[6] + p);
            long[] longs = new long[4];
            longs[v & 3] += v * 1000000007L;
            longs[(v + 1) & 3] -= longs[v & 3]--;
            long acc = longs[0] + longs[1] + longs[2] + longs[3];
            lout.set(4 * i, acc);
            boolean flag = v > 3;
            boolean other = isOdd(v) ^ flag;
            out.set(o + 3, (flag ? 1 : 0) + (other ? 2 : 0) + (!other && flag ? 4 : 0));
            int w = 0;
            do {
                w += 3;
                if (w % 7 == 0) {
                    continue;
                }
                w++;
            } while (w < Math.abs(v));
            out.set(o + 4, w);
            int q = 0;
            while (true) {
                if (++q > 5 || q * q > v) {
                    break;
                }
            }
            out.set(o + 5, q);
            long big = v < 0 ? (long) v * v * v : v > 10 ? v * 123456789L : -v;
            lout.set(4 * i + 1, big);
            lout.set(4 * i + 2, mix(longs, 4, (char) (v + 70000), (short) (v * 3000), (byte) v));
            lout.set(4 * i + 3, v > 0 ? (long) x << 40 : (long) v >>> 3);
            float f = v * 0.37f;
            f *= v < 0 ? -1.5f : 2f;
            f = f > 10f ? f / 3f : f < -10f ? -f : f * f;
            fout.set(4 * i, f);
            fout.set(4 * i + 1, (float) (double) f + (v % 3 == 0 ? 0.25f : 0.5f));
            fout.set(4 * i + 2, arr[v & 7] > 0 ? (float) arr[v & 7] : Float.NaN);
            float g = f;
            g += g++;
            fout.set(4 * i + 3, g);
            short sh = (short) (v * 1111);
            sh += 30000;
            char ch = (char) v;
            ch -= 5;
            byte by = (byte) (v * 5);
            by >>= 1;
            out.set(o + 6, sh);
            out.set(o + 7, ch);
            out.set(o + 8, by);
            int sw = 0;
            for (int k = -2; k < 4; k++) {
                switch ((v + k) & 7) {
                    case 0 -> sw += 1;
                    case 3 -> sw += 10;
                    case 5, 6 -> sw += 100;
                    default -> sw -= 1;
                }
            }
            out.set(o + 9, sw);
            int sparse = switch (v) {
                case -50 -> 1;
                case 0 -> 2;
                case 17 -> 3;
                case 1000 -> 4;
                default -> v > 0 ? 5 : 6;
            };
            out.set(o + 10, sparse);
            out.set(o + 11, v < 0 ? (v < -25 ? 1 : 2) : (v > 25 ? 3 : (v == 0 ? 4 : 5)));
            int tmp = out.get(o);
            out.set(o + 12, tmp + out.get(o + 1));
            out.set(o + 13, Integer.MAX_VALUE + v);
            out.set(o + 14, (int) (v * 3_000_000_000L));
            out.set(o + 15, 0);
        }
    }

    static void fillTile(KernelContext ctx, float[] tile, FloatArray a) {
        tile[ctx.localIdx] = a.get(ctx.globalIdx) * 2f;
        ctx.localBarrier();
    }

    static float neighbour(KernelContext ctx, float[] tile) {
        return tile[(ctx.localIdx + 1) % ctx.localGroupSizeX];
    }

    /** Device functions that take the context and a work-group local array. */
    static void helperContext(KernelContext ctx, FloatArray a, FloatArray out) {
        float[] tile = ctx.allocateFloatLocalArray(16);
        fillTile(ctx, tile, a);
        out.set(ctx.globalIdx, neighbour(ctx, tile));
    }

    static void floorOps(IntArray in, IntArray out, LongArray lout, FloatArray f) {
        for (@Parallel int i = 0; i < in.getSize() / 2; i++) {
            int a = in.get(2 * i);
            int b = in.get(2 * i + 1);
            out.set(2 * i, Math.floorDiv(a, b));
            out.set(2 * i + 1, Math.floorMod(a, b));
            lout.set(2 * i, Math.floorDiv((long) a * 3, (long) b));
            lout.set(2 * i + 1, Math.floorMod((long) a * 3, (long) b));
            f.set(i, Math.signum((float) a) + Math.signum((float) b) * 10f);
        }
    }

    /** Java names that are C, OpenCL or CUDA words, and a parameter named like another's size. */
    static void awkwardNames(FloatArray a, FloatArray a_size, @Specialize int n) {
        for (@Parallel int i = 0; i < a.getSize(); i++) {
            float half = a.get(i);
            float expf = half * 2f;
            int local = n;
            while (local > 1) {
                n--;
                local--;
            }
            a_size.set(i, expf + local + n);
        }
    }

    /** NaN through floor, max/min and exp (the fuzzer's find); the C compiler must not fold NaN away. */
    static void nanChain(FloatArray out, float s) {
        for (@Parallel int i = 0; i < out.getSize() / 4; i++) {
            float nan = s + Float.NaN;
            out.set(4 * i, (float) Math.floor(nan));
            out.set(4 * i + 1, Math.max(nan, -20f));
            out.set(4 * i + 2, Math.min(Math.max((float) Math.floor(nan), -20f), 20f));
            out.set(4 * i + 3, KernelMath.exp(Math.min(Math.max((float) Math.floor(s + Float.NaN), -20f), 20f)));
        }
    }

    static void inclusiveBound(FloatArray a, int n) {
        for (@Parallel int i = 0; i <= n; i++) {
            a.set(i, 1f);
        }
    }

    /** A device function with a private array sized by its parameter: constant arguments specialise it. */
    static float windowSum(FloatArray x, int start, int n) {
        float[] w = new float[n];
        for (int k = 0; k < n; k++) {
            w[k] = x.get((start + k) % (int) x.getSize());
        }
        float s = 0f;
        for (float v : w) {
            s += v;
        }
        return s;
    }

    static void specialisedHelper(FloatArray x, FloatArray out, @Specialize int width) {
        for (@Parallel int i = 0; i < out.getSize(); i++) {
            out.set(i, windowSum(x, i, width) + windowSum(x, i, 3) * 100f);
        }
    }

    static void crossClass(FloatArray in, FloatArray out) {
        for (@Parallel int i = 0; i < in.getSize(); i++) {
            OtherClassHelpers.storeTwice(out, i, in.get(i) + OtherClassHelpers.clampedSquare(in.get(i), 4f));
        }
    }

    /** Assertions are dropped on devices; a branch on a specialised flag keeps only the live path. */
    static void assertsAndFlags(FloatArray a, @Specialize int mode) {
        for (@Parallel int i = 0; i < a.getSize(); i++) {
            float v = a.get(i);
            assert v >= -1000f : "input out of range";
            if (mode == 1) {
                v = v * 2f;
            } else {
                v = v + 100f;
            }
            a.set(i, v);
        }
    }
}
