package io.jmamba.runtime.api;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Off-heap array of long (TornadoVM's LongArray shape). In a kernel, {@code get}, {@code set} and
 * {@code getSize} compile to plain pointer arithmetic on a device buffer.
 */
public final class LongArray extends NativeArray {
    private static final ValueLayout.OfLong LAYOUT = ValueLayout.JAVA_LONG;

    public LongArray(long size) {
        super(size, LAYOUT);
    }

    private LongArray(MemorySegment segment) {
        super(segment, LAYOUT);
    }

    /** Wraps memory owned elsewhere (a memory-mapped file, say) without copying. */
    public static LongArray fromSegment(MemorySegment segment) {
        return new LongArray(segment);
    }

    public static LongArray fromArray(long... values) {
        LongArray a = new LongArray(values.length);
        MemorySegment.copy(values, 0, a.segment, LAYOUT, 0, values.length);
        return a;
    }

    public long get(int index) {
        return get((long) index);
    }

    public long get(long index) {
        checkIndex(index);
        return segment.getAtIndex(LAYOUT, index);
    }

    public void set(int index, long value) {
        set((long) index, value);
    }

    public void set(long index, long value) {
        checkIndex(index);
        segment.setAtIndex(LAYOUT, index, value);
    }

    /** Sets every element to {@code value}. */
    public void init(long value) {
        for (long i = 0; i < size; i++) {
            segment.setAtIndex(LAYOUT, i, value);
        }
    }

    /** Copies all elements of {@code other}, which must have the same size. */
    public void copyFrom(LongArray other) {
        if (other.size != size) {
            throw new IllegalArgumentException("copyFrom: sizes differ, " + size + " vs " + other.size);
        }
        MemorySegment.copy(other.segment, 0, segment, 0, byteSize());
    }

    /** A heap copy; only for arrays of fewer than 2^31 elements. */
    public long[] toHeapArray() {
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("array of " + size + " elements does not fit a Java array");
        }
        long[] out = new long[(int) size];
        MemorySegment.copy(segment, LAYOUT, 0, out, 0, out.length);
        return out;
    }

    @Override
    public int elementBytes() {
        return (int) LAYOUT.byteSize();
    }

    @Override
    public String elementTypeName() {
        return "long";
    }
}
