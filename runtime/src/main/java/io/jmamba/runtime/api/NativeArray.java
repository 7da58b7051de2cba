package io.jmamba.runtime.api;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * An off-heap array of primitive elements backed by a {@link MemorySegment}, the unit of data a task
 * graph moves between the host and a device. Sizes and indices are {@code long}: one million tokens
 * by 5120 channels is 5.4 billion elements.
 *
 * <p>Arrays allocated here live in an automatic arena and are freed by the garbage collector;
 * {@code fromSegment} wraps memory someone else owns (a memory-mapped checkpoint, say) without copying.
 */
public abstract sealed class NativeArray
        permits FloatArray, IntArray, LongArray, ByteArray, DoubleArray, HalfFloatArray, BFloat16Array {
    /** Device buffers are aligned to this many bytes; host arrays are too, so copies are fast. */
    static final long ALIGNMENT = 64;

    protected final MemorySegment segment;
    protected final long size;

    protected NativeArray(long size, ValueLayout elementLayout) {
        if (size < 0) {
            throw new IllegalArgumentException("array size must be >= 0, got " + size);
        }
        this.size = size;
        this.segment = Arena.ofAuto().allocate(Math.max(1, size) * elementLayout.byteSize(), ALIGNMENT);
    }

    protected NativeArray(MemorySegment segment, ValueLayout elementLayout) {
        Objects.requireNonNull(segment, "segment");
        if (segment.byteSize() % elementLayout.byteSize() != 0) {
            throw new IllegalArgumentException("segment of " + segment.byteSize() + " bytes is not a whole number of "
                    + elementLayout.byteSize() + "-byte elements");
        }
        this.segment = segment;
        this.size = segment.byteSize() / elementLayout.byteSize();
    }

    /** Number of elements. */
    public final long getSize() {
        return size;
    }

    /** Bytes the elements take (the segment may be padded beyond this). */
    public final long byteSize() {
        return size * elementBytes();
    }

    /** The memory behind the array, exactly {@link #byteSize()} bytes long. */
    public final MemorySegment getSegment() {
        return segment.asSlice(0, byteSize());
    }

    /** Size in bytes of one element. */
    public abstract int elementBytes();

    /** The element type as the JIT and the backends name it: float, int, long, byte, double, half, bf16. */
    public abstract String elementTypeName();

    /** Fills every element with zero bits. */
    public final void clear() {
        getSegment().fill((byte) 0);
    }

    protected final void checkIndex(long index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException("index " + index + " out of bounds for " + getClass().getSimpleName()
                    + " of size " + size);
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + size + "]";
    }
}
