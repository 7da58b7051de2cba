package io.jmamba.runtime.backend.jvm;

import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.HalfFloatArray;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.KernelContext;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The KernelContext of one work-item on the JVM. Local arrays belong to the work-group: the k-th
 * allocation call of every item of a group returns the same array, as {@code __local} memory would.
 */
final class JvmKernelContext extends KernelContext {
    private static final VarHandle INT_AT = ValueLayout.JAVA_INT.varHandle();
    private static final VarHandle LOCAL_INT = MethodHandles.arrayElementVarHandle(int[].class);
    /** A barrier nobody reaches within this time means a kernel whose items diverge around it. */
    private static final long BARRIER_TIMEOUT_SECONDS = 120;

    private final WorkGroup group;
    private int allocations;

    JvmKernelContext(WorkGroup group) {
        this.group = group;
    }

    /** Called before the item runs: the item's allocation calls start again at the first array. */
    void resetAllocations() {
        allocations = 0;
    }

    @Override
    public void localBarrier() {
        CyclicBarrier barrier = group.barrier();
        if (barrier == null) {
            return; // a group of one item, or items run one at a time: nothing to wait for
        }
        try {
            barrier.await(BARRIER_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("work-item interrupted at a barrier", e);
        } catch (BrokenBarrierException | TimeoutException e) {
            throw new IllegalStateException("work-group barrier broken: not every work-item of group ("
                    + groupIdx + ", " + groupIdy + ", " + groupIdz + ") reached it (a barrier inside divergent control flow?)", e);
        }
    }

    @Override
    public void globalBarrier() {
        localBarrier();
    }

    @Override
    public void gridBarrier(IntArray counter) {
        GridSync grid = group.grid();
        if (grid == null) {
            // only when the kernel's class bytes could not be scanned for the call (see BarrierScan)
            throw new IllegalStateException("gridBarrier called in a launch that does not run every work-group at once "
                    + "(the JVM backend could not read the kernel's class bytes to see that it calls gridBarrier)");
        }
        grid.await(this, counter, BARRIER_TIMEOUT_SECONDS);
    }

    @Override
    public float[] allocateFloatLocalArray(int size) {
        return (float[]) group.local(allocations++, () -> new float[size]);
    }

    @Override
    public int[] allocateIntLocalArray(int size) {
        return (int[]) group.local(allocations++, () -> new int[size]);
    }

    @Override
    public long[] allocateLongLocalArray(int size) {
        return (long[]) group.local(allocations++, () -> new long[size]);
    }

    @Override
    public double[] allocateDoubleLocalArray(int size) {
        return (double[]) group.local(allocations++, () -> new double[size]);
    }

    @Override
    public int atomicAdd(IntArray array, int index, int value) {
        if (index < 0 || index >= array.getSize()) {
            throw new IndexOutOfBoundsException("atomicAdd index " + index + " out of bounds for " + array);
        }
        return (int) INT_AT.getAndAdd(array.getSegment(), (long) index * 4, value);
    }

    @Override
    public long globalTimer() {
        return System.nanoTime();
    }

    @Override
    public void atomicAdd2(FloatArray array, int index, float v0, float v1) {
        if ((index & 1) != 0) {
            throw new IllegalArgumentException("atomicAdd2 index " + index + " is odd: the pair must be 8-byte aligned");
        }
        atomicAdd(array, index, v0);
        atomicAdd(array, index + 1, v1);
    }

    @Override
    public float atomicAdd(FloatArray array, int index, float value) {
        if (index < 0 || index >= array.getSize()) {
            throw new IndexOutOfBoundsException("atomicAdd index " + index + " out of bounds for " + array);
        }
        MemorySegment s = array.getSegment();
        long offset = (long) index * 4;
        while (true) {
            int oldBits = (int) INT_AT.getVolatile(s, offset);
            float old = Float.intBitsToFloat(oldBits);
            if (INT_AT.compareAndSet(s, offset, oldBits, Float.floatToRawIntBits(old + value))) {
                return old;
            }
        }
    }

    // ---------------------------------------------------------------- warps (see JvmWarp)

    private int[] exchange(int bits) {
        return JvmWarp.exchange(this, group.warpScratch(), bits);
    }

    private static int bits(float v) {
        return Float.floatToRawIntBits(v);
    }

    private float shuffleFloat(float v, String mode, int arg) {
        return Float.intBitsToFloat(JvmWarp.shuffle(exchange(bits(v)), laneId(), bits(v), mode, arg));
    }

    @Override
    public float shuffle(float v, int srcLane) {
        return shuffleFloat(v, "idx", srcLane);
    }

    @Override
    public int shuffle(int v, int srcLane) {
        return JvmWarp.shuffle(exchange(v), laneId(), v, "idx", srcLane);
    }

    @Override
    public float shuffleXor(float v, int laneMask) {
        return shuffleFloat(v, "xor", laneMask);
    }

    @Override
    public int shuffleXor(int v, int laneMask) {
        return JvmWarp.shuffle(exchange(v), laneId(), v, "xor", laneMask);
    }

    @Override
    public float shuffleUp(float v, int delta) {
        return shuffleFloat(v, "up", delta);
    }

    @Override
    public int shuffleUp(int v, int delta) {
        return JvmWarp.shuffle(exchange(v), laneId(), v, "up", delta);
    }

    @Override
    public float shuffleDown(float v, int delta) {
        return shuffleFloat(v, "down", delta);
    }

    @Override
    public int shuffleDown(int v, int delta) {
        return JvmWarp.shuffle(exchange(v), laneId(), v, "down", delta);
    }

    @Override
    public float warpReduceSum(float v) {
        return JvmWarp.sumFloat(exchange(bits(v)));
    }

    @Override
    public int warpReduceSum(int v) {
        return JvmWarp.sumInt(exchange(v));
    }

    @Override
    public float warpReduceMax(float v) {
        return JvmWarp.maxFloat(exchange(bits(v)), true);
    }

    @Override
    public int warpReduceMax(int v) {
        return JvmWarp.maxInt(exchange(v), true);
    }

    @Override
    public float warpReduceMin(float v) {
        return JvmWarp.maxFloat(exchange(bits(v)), false);
    }

    @Override
    public int warpReduceMin(int v) {
        return JvmWarp.maxInt(exchange(v), false);
    }

    @Override
    public float warpInclusiveScanSum(float v) {
        return JvmWarp.scanFloat(exchange(bits(v)), laneId());
    }

    @Override
    public int warpInclusiveScanSum(int v) {
        return JvmWarp.scanInt(exchange(v), laneId());
    }

    @Override
    public void mmaBf16(BFloat16Array a, long aIndex, int lda, BFloat16Array b, long bIndex, int ldb, float[] acc, int accOffset) {
        JvmMma.mma(a::get, aIndex, lda, b::get, bIndex, ldb, acc, accOffset, laneId());
    }

    @Override
    public void mmaF16(HalfFloatArray a, long aIndex, int lda, HalfFloatArray b, long bIndex, int ldb, float[] acc, int accOffset) {
        JvmMma.mma(a::get, aIndex, lda, b::get, bIndex, ldb, acc, accOffset, laneId());
    }

    @Override
    public void mmaBf16Frag(int a0, int a1, int a2, int a3, int b0, int b1, float[] acc, int accOffset) {
        fragMma(JvmMma.Operand.BF16, a0, a1, a2, a3, b0, b1, acc, accOffset);
    }

    @Override
    public void mmaF16Frag(int a0, int a1, int a2, int a3, int b0, int b1, float[] acc, int accOffset) {
        fragMma(JvmMma.Operand.F16, a0, a1, a2, a3, b0, b1, acc, accOffset);
    }

    @Override
    public void mmaTf32Frag(float a0, float a1, float a2, float a3, float b0, float b1, float[] acc, int accOffset) {
        fragMma(JvmMma.Operand.TF32, bits(a0), bits(a1), bits(a2), bits(a3), bits(b0), bits(b1), acc, accOffset);
    }

    /** Six exchanges (as OpenCL's emulation: one per register, each at barriers), then this lane's four sums. */
    private void fragMma(JvmMma.Operand type, int a0, int a1, int a2, int a3, int b0, int b1, float[] acc, int accOffset) {
        int[][] a = {exchange(a0), exchange(a1), exchange(a2), exchange(a3)};
        int[][] b = {exchange(b0), exchange(b1)};
        JvmMma.frag(type, a, b, acc, accOffset, laneId());
    }

    @Override
    public int atomicAdd(int[] localArray, int index, int value) {
        return (int) LOCAL_INT.getAndAdd(localArray, index, value);
    }
}
