package io.jmamba.runtime.backend.jvm;

import io.jmamba.runtime.api.KernelContext;

/**
 * Warp operations on the JVM, with the contract of {@link KernelContext#WARP_SIZE}: every work-item of
 * the group publishes its value in the group's scratch slot at a barrier, then reads its warp's slots
 * and computes exactly what the CUDA butterfly / Hillis-Steele network computes (the OpenCL emulation
 * does the same), so results agree bit for bit across backends.
 */
final class JvmWarp {
    static final int W = KernelContext.WARP_SIZE;

    private JvmWarp() {
    }

    /** Publishes {@code bits} and returns a copy of this warp's 32 published values. */
    static int[] exchange(JvmKernelContext ctx, int[] scratch, int bits) {
        if (scratch == null) {
            throw new IllegalStateException("warp operation in a work-group that runs its items one at a time");
        }
        int lid = ctx.localIdx + ctx.localGroupSizeX * (ctx.localIdy + ctx.localGroupSizeY * ctx.localIdz);
        ctx.localBarrier(); // the previous exchange's reads are done before anyone overwrites a slot
        scratch[lid] = bits;
        ctx.localBarrier(); // every slot is written (the barrier orders the plain writes before these reads)
        int[] warp = new int[W];
        System.arraycopy(scratch, lid & ~(W - 1), warp, 0, W);
        return warp;
    }

    static int shuffle(int[] warp, int lane, int own, String mode, int arg) {
        int j = switch (mode) {
            case "idx" -> arg & (W - 1);
            case "xor" -> lane ^ (arg & (W - 1));
            case "up" -> lane - (arg & (W - 1));
            case "down" -> lane + (arg & (W - 1));
            default -> throw new IllegalArgumentException(mode);
        };
        return j >= 0 && j < W ? warp[j] : own; // out of range (up/down only): the caller's own value
    }

    static float sumFloat(int[] warp) {
        float[] x = floats(warp);
        for (int o = W / 2; o > 0; o >>= 1) {
            for (int j = 0; j < o; j++) {
                x[j] = x[j] + x[j + o];
            }
        }
        return x[0];
    }

    static int sumInt(int[] x) {
        for (int o = W / 2; o > 0; o >>= 1) {
            for (int j = 0; j < o; j++) {
                x[j] = x[j] + x[j + o];
            }
        }
        return x[0];
    }

    static float maxFloat(int[] warp, boolean max) {
        float[] x = floats(warp);
        for (int o = W / 2; o > 0; o >>= 1) {
            for (int j = 0; j < o; j++) {
                x[j] = max ? Math.max(x[j], x[j + o]) : Math.min(x[j], x[j + o]);
            }
        }
        return x[0];
    }

    static int maxInt(int[] x, boolean max) {
        for (int o = W / 2; o > 0; o >>= 1) {
            for (int j = 0; j < o; j++) {
                x[j] = max ? Math.max(x[j], x[j + o]) : Math.min(x[j], x[j + o]);
            }
        }
        return x[0];
    }

    static float scanFloat(int[] warp, int lane) {
        float[] x = floats(warp);
        for (int d = 1; d < W; d <<= 1) {
            for (int j = W - 1; j >= d; j--) {
                x[j] = x[j] + x[j - d];
            }
        }
        return x[lane];
    }

    static int scanInt(int[] x, int lane) {
        for (int d = 1; d < W; d <<= 1) {
            for (int j = W - 1; j >= d; j--) {
                x[j] = x[j] + x[j - d];
            }
        }
        return x[lane];
    }

    private static float[] floats(int[] bits) {
        float[] f = new float[bits.length];
        for (int i = 0; i < bits.length; i++) {
            f[i] = Float.intBitsToFloat(bits[i]);
        }
        return f;
    }
}
