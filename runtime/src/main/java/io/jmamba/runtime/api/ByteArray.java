package io.jmamba.runtime.api;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Off-heap array of byte (TornadoVM's ByteArray shape). In a kernel, {@code get}, {@code set} and
 * {@code getSize} compile to plain pointer arithmetic on a device buffer.
 */
public final class ByteArray extends NativeArray {
    private static final ValueLayout.OfByte LAYOUT = ValueLayout.JAVA_BYTE;

    public ByteArray(long size) {
        super(size, LAYOUT);
    }

    private ByteArray(MemorySegment segment) {
        super(segment, LAYOUT);
    }

    /** Wraps memory owned elsewhere (a memory-mapped file, say) without copying. */
    public static ByteArray fromSegment(MemorySegment segment) {
        return new ByteArray(segment);
    }

    public static ByteArray fromArray(byte... values) {
        ByteArray a = new ByteArray(values.length);
        MemorySegment.copy(values, 0, a.segment, LAYOUT, 0, values.length);
        return a;
    }

    public byte get(int index) {
        return get((long) index);
    }

    public byte get(long index) {
        checkIndex(index);
        return segment.getAtIndex(LAYOUT, index);
    }

    public void set(int index, byte value) {
        set((long) index, value);
    }

    public void set(long index, byte value) {
        checkIndex(index);
        segment.setAtIndex(LAYOUT, index, value);
    }

    /** Sets every element to {@code value}. */
    public void init(byte value) {
        for (long i = 0; i < size; i++) {
            segment.setAtIndex(LAYOUT, i, value);
        }
    }

    /** Copies all elements of {@code other}, which must have the same size. */
    public void copyFrom(ByteArray other) {
        if (other.size != size) {
            throw new IllegalArgumentException("copyFrom: sizes differ, " + size + " vs " + other.size);
        }
        MemorySegment.copy(other.segment, 0, segment, 0, byteSize());
    }

    /** A heap copy; only for arrays of fewer than 2^31 elements. */
    public byte[] toHeapArray() {
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("array of " + size + " elements does not fit a Java array");
        }
        byte[] out = new byte[(int) size];
        MemorySegment.copy(segment, LAYOUT, 0, out, 0, out.length);
        return out;
    }

    @Override
    public int elementBytes() {
        return (int) LAYOUT.byteSize();
    }

    @Override
    public String elementTypeName() {
        return "byte";
    }
}
