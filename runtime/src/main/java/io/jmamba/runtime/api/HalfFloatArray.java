package io.jmamba.runtime.api;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Off-heap array of IEEE 754 binary16 values. Storage is 16-bit; {@code get} and {@code set} work in
 * float (round to nearest even on the way in), which is how kernels compute on half-precision data.
 */
public final class HalfFloatArray extends NativeArray {
    private static final ValueLayout.OfShort LAYOUT = ValueLayout.JAVA_SHORT;

    public HalfFloatArray(long size) {
        super(size, LAYOUT);
    }

    private HalfFloatArray(MemorySegment segment) {
        super(segment, LAYOUT);
    }

    public static HalfFloatArray fromSegment(MemorySegment segment) {
        return new HalfFloatArray(segment);
    }

    public static HalfFloatArray fromFloats(float... values) {
        HalfFloatArray a = new HalfFloatArray(values.length);
        for (int i = 0; i < values.length; i++) {
            a.set(i, values[i]);
        }
        return a;
    }

    public float get(int index) {
        return get((long) index);
    }

    public float get(long index) {
        checkIndex(index);
        return Float.float16ToFloat(segment.getAtIndex(LAYOUT, index));
    }

    public void set(int index, float value) {
        set((long) index, value);
    }

    public void set(long index, float value) {
        checkIndex(index);
        segment.setAtIndex(LAYOUT, index, Float.floatToFloat16(value));
    }

    /** The raw 16-bit pattern of element {@code index}. */
    public short getBits(long index) {
        checkIndex(index);
        return segment.getAtIndex(LAYOUT, index);
    }

    @Override
    public int elementBytes() {
        return 2;
    }

    @Override
    public String elementTypeName() {
        return "half";
    }
}
