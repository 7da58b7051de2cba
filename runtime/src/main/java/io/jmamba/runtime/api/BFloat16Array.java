package io.jmamba.runtime.api;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Off-heap array of bfloat16 values: the top 16 bits of an IEEE binary32 (sign, 8 exponent bits, 7
 * mantissa bits), so it has float's range with 8 bits of precision. Storage is 16-bit; {@code get} and
 * {@code set} work in float, which is how kernels compute on bf16 data.
 *
 * <p>Conversions are exactly specified, and compiled kernels perform the same integer operations:
 * a load widens exactly (the bits shifted left by 16); a store rounds to nearest, ties to even, on the
 * float's bit pattern, so values past the largest finite bf16 round to infinity and float subnormals
 * round to bf16 subnormals (never flushed). A NaN stays a NaN: it keeps its sign and top payload bits
 * and gets the quiet bit, so that truncating a payload can never turn it into an infinity.
 */
public final class BFloat16Array extends NativeArray {
    private static final ValueLayout.OfShort LAYOUT = ValueLayout.JAVA_SHORT;

    public BFloat16Array(long size) {
        super(size, LAYOUT);
    }

    private BFloat16Array(MemorySegment segment) {
        super(segment, LAYOUT);
    }

    /** Wraps memory owned elsewhere (a memory-mapped checkpoint, say) without copying. */
    public static BFloat16Array fromSegment(MemorySegment segment) {
        return new BFloat16Array(segment);
    }

    /** A new array holding {@code values}, each rounded to bf16. */
    public static BFloat16Array fromFloats(float... values) {
        BFloat16Array a = new BFloat16Array(values.length);
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
        return toFloat(segment.getAtIndex(LAYOUT, index));
    }

    public void set(int index, float value) {
        set((long) index, value);
    }

    public void set(long index, float value) {
        checkIndex(index);
        segment.setAtIndex(LAYOUT, index, fromFloat(value));
    }

    /** The raw 16-bit pattern of element {@code index}. */
    public short getBits(long index) {
        checkIndex(index);
        return segment.getAtIndex(LAYOUT, index);
    }

    /** Stores a raw 16-bit pattern (no rounding). */
    public void setBits(long index, short bits) {
        checkIndex(index);
        segment.setAtIndex(LAYOUT, index, bits);
    }

    /**
     * The raw bits of elements {@code index} (bits 0-15) and {@code index + 1} (bits 16-31) in one int, the
     * packing of {@link KernelMath#packBf16x2} and of the tensor-core operands; {@code index} must be even.
     * In a kernel one 32-bit load (the array's storage is 4-byte aligned, so an even index is).
     */
    public int getPair(long index) {
        checkPairIndex(index);
        return (segment.getAtIndex(LAYOUT, index) & 0xffff) | (segment.getAtIndex(LAYOUT, index + 1) << 16);
    }

    /** {@link #getPair(long)} with an int index. */
    public int getPair(int index) {
        return getPair((long) index);
    }

    /** Stores the two raw bf16 patterns of {@code bits} (see {@link #getPair}) at even {@code index} and {@code index + 1}; one 32-bit store in a kernel. */
    public void setPair(long index, int bits) {
        checkPairIndex(index);
        segment.setAtIndex(LAYOUT, index, (short) bits);
        segment.setAtIndex(LAYOUT, index + 1, (short) (bits >>> 16));
    }

    /** {@link #setPair(long, int)} with an int index. */
    public void setPair(int index, int bits) {
        setPair((long) index, bits);
    }

    private void checkPairIndex(long index) {
        if ((index & 1) != 0) {
            throw new IllegalArgumentException("BFloat16Array pair index " + index + " is odd (pairs start at even indices)");
        }
        checkIndex(index);
        checkIndex(index + 1);
    }

    /**
     * Widens elements {@code index} to {@code index + 3} into {@code dst[offset]} to {@code dst[offset + 3]};
     * in a kernel one 8-byte vector load where the address allows it (see {@link FloatArray#get4}).
     */
    public void get4(long index, float[] dst, int offset) {
        checkIndex(index);
        checkIndex(index + 3);
        for (int k = 0; k < 4; k++) {
            dst[offset + k] = toFloat(segment.getAtIndex(LAYOUT, index + k));
        }
    }

    /** Rounds {@code src[offset]} to {@code src[offset + 3]} into elements {@code index} to {@code index + 3}; one vector store in kernels. */
    public void set4(long index, float[] src, int offset) {
        checkIndex(index);
        checkIndex(index + 3);
        short[] bits = new short[4];
        for (int k = 0; k < 4; k++) {
            bits[k] = fromFloat(src[offset + k]); // all four read before any is written, like the vector store
        }
        for (int k = 0; k < 4; k++) {
            segment.setAtIndex(LAYOUT, index + k, bits[k]);
        }
    }

    /** Rounds every element of {@code values} into this array, which must have the same size. */
    public void copyFrom(float[] values) {
        if (values.length != size) {
            throw new IllegalArgumentException("copyFrom: sizes differ, " + size + " vs float[" + values.length + "]");
        }
        for (int i = 0; i < values.length; i++) {
            segment.setAtIndex(LAYOUT, i, fromFloat(values[i]));
        }
    }

    /** The elements widened to float in a heap array; only for arrays of fewer than 2^31 elements. */
    public float[] toHeapArray() {
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("array of " + size + " elements does not fit a Java array");
        }
        float[] out = new float[(int) size];
        for (int i = 0; i < out.length; i++) {
            out[i] = toFloat(segment.getAtIndex(LAYOUT, i));
        }
        return out;
    }

    /** Widens bf16 bits to the float they denote (exact). */
    public static float toFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    /** Rounds a float to bf16 bits: nearest, ties to even; a NaN stays a quiet NaN of the same sign. */
    public static short fromFloat(float value) {
        int u = Float.floatToRawIntBits(value);
        if ((u & 0x7fffffff) > 0x7f800000) {
            return (short) ((u >>> 16) | 0x0040);
        }
        // adding 0x7fff rounds up exactly the values above the halfway point; the kept bit breaks ties to even
        return (short) ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16);
    }

    @Override
    public int elementBytes() {
        return 2;
    }

    @Override
    public String elementTypeName() {
        return "bf16";
    }
}
