package io.jmamba.runtime.api;

/**
 * The thread-level view of a kernel launch, after TornadoVM's {@code KernelContext}: ids and sizes
 * of the work-item, its work-group and the grid; work-group local memory; barriers; atomics.
 *
 * <p>A kernel takes a {@code KernelContext} as a parameter and the task passes one in. In compiled
 * code every field read becomes the matching built-in ({@code get_global_id(0)} in OpenCL,
 * {@code blockIdx.x * blockDim.x + threadIdx.x} in CUDA) and every method an intrinsic. On the JVM
 * backend each work-item runs the Java method with its own context whose fields are set for it;
 * this base class only holds the fields, and calling its methods outside a launch is an error.
 *
 * <p>Fields are public and mutable so that the JVM backend can set them; kernels only read them.
 */
public class KernelContext {
    public int globalIdx, globalIdy, globalIdz;
    public int localIdx, localIdy, localIdz;
    public int groupIdx, groupIdy, groupIdz;
    /** Global work size (number of work-items) in each dimension. */
    public int globalGroupSizeX = 1, globalGroupSizeY = 1, globalGroupSizeZ = 1;
    /** Work-group (local) size in each dimension. */
    public int localGroupSizeX = 1, localGroupSizeY = 1, localGroupSizeZ = 1;

    /** Waits until every work-item of the work-group gets here; local memory writes are visible after it. */
    public void localBarrier() {
        throw outsideLaunch("localBarrier");
    }

    /**
     * Like {@link #localBarrier()} but also orders global-memory writes within the work-group. It does
     * not synchronise different work-groups (no GPU language offers that inside one launch).
     */
    public void globalBarrier() {
        throw outsideLaunch("globalBarrier");
    }

    /** Work-group local memory of {@code size} floats; {@code size} must be a compile-time constant. */
    public float[] allocateFloatLocalArray(int size) {
        throw outsideLaunch("allocateFloatLocalArray");
    }

    public int[] allocateIntLocalArray(int size) {
        throw outsideLaunch("allocateIntLocalArray");
    }

    public long[] allocateLongLocalArray(int size) {
        throw outsideLaunch("allocateLongLocalArray");
    }

    public double[] allocateDoubleLocalArray(int size) {
        throw outsideLaunch("allocateDoubleLocalArray");
    }

    /** Atomically adds {@code value} to {@code array[index]}; returns the old value. */
    public int atomicAdd(IntArray array, int index, int value) {
        throw outsideLaunch("atomicAdd");
    }

    /** Atomically adds {@code value} to {@code array[index]}; returns the old value. */
    public float atomicAdd(FloatArray array, int index, float value) {
        throw outsideLaunch("atomicAdd");
    }

    /** Atomically adds to an element of local memory; returns the old value. */
    public int atomicAdd(int[] localArray, int index, int value) {
        throw outsideLaunch("atomicAdd");
    }

    private static IllegalStateException outsideLaunch(String what) {
        return new IllegalStateException("KernelContext." + what + " is only valid inside a kernel launch");
    }
}
