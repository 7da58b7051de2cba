package io.jmamba.runtime.api;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Off-heap array of int (TornadoVM's IntArray shape). In a kernel, {@code get}, {@code set} and
 * {@code getSize} compile to plain pointer arithmetic on a device buffer.
 */
public final class IntArray extends NativeArray {
    private static final ValueLayout.OfInt LAYOUT = ValueLayout.JAVA_INT;

    public IntArray(long size) {
        super(size, LAYOUT);
    }

    private IntArray(MemorySegment segment) {
        super(segment, LAYOUT);
    }

    /** Wraps memory owned elsewhere (a memory-mapped file, say) without copying. */
    public static IntArray fromSegment(MemorySegment segment) {
        return new IntArray(segment);
    }

    public static IntArray fromArray(int... values) {
        IntArray a = new IntArray(values.length);
        MemorySegment.copy(values, 0, a.segment, LAYOUT, 0, values.length);
        return a;
    }

    public int get(int index) {
        return get((long) index);
    }

    public int get(long index) {
        checkIndex(index);
        return segment.getAtIndex(LAYOUT, index);
    }

    public void set(int index, int value) {
        set((long) index, value);
    }

    public void set(long index, int value) {
        checkIndex(index);
        segment.setAtIndex(LAYOUT, index, value);
    }

    /** Sets every element to {@code value}. */
    public void init(int value) {
        for (long i = 0; i < size; i++) {
            segment.setAtIndex(LAYOUT, i, value);
        }
    }

    /** Copies all elements of {@code other}, which must have the same size. */
    public void copyFrom(IntArray other) {
        if (other.size != size) {
            throw new IllegalArgumentException("copyFrom: sizes differ, " + size + " vs " + other.size);
        }
        MemorySegment.copy(other.segment, 0, segment, 0, byteSize());
    }

    /** A heap copy; only for arrays of fewer than 2^31 elements. */
    public int[] toHeapArray() {
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("array of " + size + " elements does not fit a Java array");
        }
        int[] out = new int[(int) size];
        MemorySegment.copy(segment, LAYOUT, 0, out, 0, out.length);
        return out;
    }

    @Override
    public int elementBytes() {
        return (int) LAYOUT.byteSize();
    }

    @Override
    public String elementTypeName() {
        return "int";
    }
}
