package io.jmamba.runtime.api;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Off-heap array of float (TornadoVM's FloatArray shape). In a kernel, {@code get}, {@code set} and
 * {@code getSize} compile to plain pointer arithmetic on a device buffer.
 */
public final class FloatArray extends NativeArray {
    private static final ValueLayout.OfFloat LAYOUT = ValueLayout.JAVA_FLOAT;

    public FloatArray(long size) {
        super(size, LAYOUT);
    }

    private FloatArray(MemorySegment segment) {
        super(segment, LAYOUT);
    }

    /** Wraps memory owned elsewhere (a memory-mapped file, say) without copying. */
    public static FloatArray fromSegment(MemorySegment segment) {
        return new FloatArray(segment);
    }

    public static FloatArray fromArray(float... values) {
        FloatArray a = new FloatArray(values.length);
        MemorySegment.copy(values, 0, a.segment, LAYOUT, 0, values.length);
        return a;
    }

    public float get(int index) {
        return get((long) index);
    }

    public float get(long index) {
        checkIndex(index);
        return segment.getAtIndex(LAYOUT, index);
    }

    public void set(int index, float value) {
        set((long) index, value);
    }

    public void set(long index, float value) {
        checkIndex(index);
        segment.setAtIndex(LAYOUT, index, value);
    }

    /**
     * Copies elements {@code index} to {@code index + 3} into {@code dst[offset]} to {@code dst[offset + 3]}.
     * In a kernel ({@code dst} a private or local array) this is one 16-byte vector load where the
     * address allows it: CUDA checks the alignment at run time and falls back to four loads, OpenCL uses
     * {@code vload4}, which needs none. The result is the same as four {@code get} calls.
     */
    public void get4(long index, float[] dst, int offset) {
        checkIndex(index);
        checkIndex(index + 3);
        MemorySegment.copy(segment, LAYOUT, index * 4, dst, offset, 4);
    }

    /** Stores {@code src[offset]} to {@code src[offset + 3]} at {@code index} to {@code index + 3}: one vector store in kernels. */
    public void set4(long index, float[] src, int offset) {
        checkIndex(index);
        checkIndex(index + 3);
        MemorySegment.copy(src, offset, segment, LAYOUT, index * 4, 4);
    }

    /** Sets every element to {@code value}. */
    public void init(float value) {
        for (long i = 0; i < size; i++) {
            segment.setAtIndex(LAYOUT, i, value);
        }
    }

    /** Copies all elements of {@code other}, which must have the same size. */
    public void copyFrom(FloatArray other) {
        if (other.size != size) {
            throw new IllegalArgumentException("copyFrom: sizes differ, " + size + " vs " + other.size);
        }
        MemorySegment.copy(other.segment, 0, segment, 0, byteSize());
    }

    /** A heap copy; only for arrays of fewer than 2^31 elements. */
    public float[] toHeapArray() {
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("array of " + size + " elements does not fit a Java array");
        }
        float[] out = new float[(int) size];
        MemorySegment.copy(segment, LAYOUT, 0, out, 0, out.length);
        return out;
    }

    @Override
    public int elementBytes() {
        return (int) LAYOUT.byteSize();
    }

    @Override
    public String elementTypeName() {
        return "float";
    }
}
