package io.jmamba.runtime.jit;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.KernelContext;

import java.util.List;
import java.util.function.IntUnaryOperator;

/** Kernels the JIT must reject, one construct each. */
@SuppressWarnings("unused")
final class RejectedKernels {
    static int counter;
    static int mutable = 3;
    static final float[] TABLE = {1f, 2f};

    private RejectedKernels() {
    }

    static void allocatesObject(FloatArray a) {
        StringBuilder sb = new StringBuilder();
        a.set(0, sb.length());
    }

    static void callsVirtual(FloatArray a, List<Float> list) {
        a.set(0, list.size());
    }

    static void throwsNull(FloatArray a) {
        if (a.get(0) < 0) {
            throw null;
        }
    }

    static void catches(FloatArray a) {
        try {
            a.set(0, 1f);
        } catch (RuntimeException e) {
            a.set(0, 2f);
        }
    }

    static void synchronizes(FloatArray a) {
        synchronized (a) {
            a.set(0, 1f);
        }
    }

    static void usesString(FloatArray a) {
        String s = "kernel";
        a.set(0, s.length());
    }

    static void usesLambda(IntArray a) {
        IntUnaryOperator f = x -> x + 1;
        a.set(0, f.applyAsInt(1));
    }

    static int ping(int n) {
        return n <= 0 ? 0 : pong(n - 1);
    }

    static int pong(int n) {
        return ping(n) + 1;
    }

    static void recurses(IntArray a) {
        a.set(0, ping(a.get(0)));
    }

    static void privateArrayOfParamSize(FloatArray a, int n) {
        float[] t = new float[n];
        t[0] = 1f;
        a.set(0, t[0]);
    }

    static void writesField(IntArray a) {
        counter = a.get(0);
    }

    static void readsMutableStatic(IntArray a) {
        a.set(0, mutable);
    }

    static void readsStaticArray(FloatArray a) {
        a.set(0, TABLE[0]);
    }

    void instanceKernel(FloatArray a) {
        a.set(0, 1f);
    }

    static int returnsValue(IntArray a) {
        return a.get(0);
    }

    static void localArrayOfParamSize(KernelContext ctx, FloatArray a, int n) {
        float[] t = ctx.allocateFloatLocalArray(n);
        t[0] = 1f;
        a.set(0, t[0]);
    }

    static void fill(KernelContext ctx, FloatArray a) {
        float[] t = ctx.allocateFloatLocalArray(4);
        a.set(0, t[0]);
    }

    static void localArrayInHelper(KernelContext ctx, FloatArray a) {
        fill(ctx, a);
    }

    static void callsJdkWithoutEquivalent(IntArray a) {
        a.set(0, (int) System.nanoTime());
    }

    static void choosesArray(FloatArray a, FloatArray b, int c) {
        (c > 0 ? a : b).set(0, 1f);
    }

    static void choosesArrayThroughLocal(FloatArray a, FloatArray b, int c) {
        FloatArray t = a;
        if (c > 0) {
            t = b;
        }
        t.set(0, 1f);
    }

    static void multiDimensional(FloatArray a) {
        float[][] m = new float[2][2];
        a.set(0, m[1][1]);
    }

    static void takesString(FloatArray a, String s) {
        a.set(0, 1f);
    }

    static void takesHeapArray(float[] a) {
        a[0] = 1f;
    }

    static void takesArrays(FloatArray a, FloatArray b) {
        b.set(0, a.get(0));
    }

    static void usesNull(FloatArray a) {
        takesArrays(a, null);
    }

    static void checksType(FloatArray a, Object o) {
        if (o instanceof Integer) {
            a.set(0, 1f);
        }
    }

    static void parallelCountingDown(FloatArray a, int n) {
        for (@io.jmamba.runtime.api.Parallel int i = n - 1; i >= 0; i--) {
            a.set(i, 1f);
        }
    }

    static int factorial(int n) {
        return n <= 1 ? 1 : n * factorial(n - 1);
    }

    static void recursesDirectly(IntArray a) {
        a.set(0, factorial(a.get(0)));
    }

    static void parallelLongCounter(FloatArray a) {
        for (@io.jmamba.runtime.api.Parallel long i = 0; i < a.getSize(); i++) {
            a.set(i, 1f);
        }
    }

    /** A grid-stride loop runs a different number of times per work-item: a warp's lanes would diverge. */
    static void warpInParallelLoop(KernelContext ctx, FloatArray a) {
        for (@io.jmamba.runtime.api.Parallel int i = 0; i < a.getSize(); i++) {
            a.set(i, ctx.warpReduceSum(a.get(i)));
        }
    }

    /** The accumulator of an MMA belongs to one lane: a work-group local array cannot be it. */
    static void mmaIntoLocalMemory(KernelContext ctx, io.jmamba.runtime.api.BFloat16Array a, FloatArray c) {
        float[] acc = ctx.allocateFloatLocalArray(128);
        ctx.mmaBf16(a, 0, 16, a, 256, 8, acc, 4 * ctx.laneId());
        c.set(ctx.globalIdx, acc[ctx.localIdx]);
    }

    /** A register-fragment MMA's accumulator is per lane too. */
    static void fragMmaIntoLocalMemory(KernelContext ctx, FloatArray c) {
        float[] acc = ctx.allocateFloatLocalArray(128);
        ctx.mmaBf16Frag(1, 2, 3, 4, 5, 6, acc, 4 * ctx.laneId());
        c.set(ctx.globalIdx, acc[ctx.localIdx]);
    }

    /** A grid-stride loop runs different trip counts per lane: a warp-collective MMA cannot sit in one. */
    static void fragMmaInParallelLoop(KernelContext ctx, FloatArray c, int n) {
        float[] acc = new float[4];
        for (@io.jmamba.runtime.api.Parallel int i = 0; i < n; i++) {
            ctx.mmaTf32Frag(1f, 2f, 3f, 4f, 5f, 6f, acc, 0);
        }
        c.set(ctx.globalIdx, acc[0]);
    }

    /** An asynchronous copy lands in work-group local (shared) memory, never in a private array. */
    static void asyncCopyIntoPrivateArray(KernelContext ctx, io.jmamba.runtime.api.IntArray a) {
        int[] p = new int[4];
        ctx.asyncCopy16(p, 0, a, 4L * ctx.globalIdx);
        a.set(ctx.globalIdx, p[0]);
    }

    /** cp.async.wait_group takes its count as an immediate: a run-time count cannot be compiled. */
    static void asyncCopyWaitOfRuntimeCount(KernelContext ctx, io.jmamba.runtime.api.IntArray a, int n) {
        int[] buf = ctx.allocateIntLocalArray(256);
        ctx.asyncCopy16(buf, 4 * ctx.localIdx, a, 4L * ctx.globalIdx);
        ctx.asyncCopyCommit();
        ctx.asyncCopyWait(n);
        ctx.localBarrier();
        a.set(ctx.globalIdx, buf[0]);
    }

    /** ldmatrix fills one lane's registers: the destination must be a private int[]. */
    static void ldmatrixIntoLocalMemory(KernelContext ctx, io.jmamba.runtime.api.IntArray a) {
        int[] tile = ctx.allocateIntLocalArray(256);
        int[] regs = ctx.allocateIntLocalArray(128);
        ctx.ldmatrixX4(tile, 0, 8, regs, 4 * ctx.laneId());
        a.set(ctx.globalIdx, regs[ctx.localIdx]);
    }
}
