package io.jmamba.kernels.support;

import io.jmamba.runtime.api.FloatArray;

import java.util.Arrays;
import java.util.Objects;

/**
 * A float32 tensor: an off-heap {@link FloatArray} holding the elements in row-major (C) order, and
 * the shape that gives them meaning. Kernels take the {@code FloatArray}; host APIs take tensors so
 * that they can check shapes and name the argument that is wrong.
 *
 * <p>The record is immutable (the shape is copied in and out); the data it points to is not: two
 * tensors may share one array, and a kernel writing into {@code data} changes what every view sees.
 * The element count of the shape must equal the array's size exactly, so a tensor is never a slice.
 *
 * @param data  the elements, {@code data.getSize() == numel()}
 * @param shape the extent of each dimension, outermost first; every extent {@code >= 0}
 */
public record Tensor(FloatArray data, long[] shape) {

    public Tensor {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(shape, "shape");
        shape = checkedShape(shape, data.getSize());
    }

    /** A view of {@code data} with this shape. */
    public static Tensor of(FloatArray data, long... shape) {
        return new Tensor(data, shape);
    }

    /** A new zero-filled tensor. */
    public static Tensor zeros(long... shape) {
        return new Tensor(new FloatArray(numel(shape)), shape);
    }

    /** A new tensor holding a copy of {@code values}. */
    public static Tensor fromArray(float[] values, long... shape) {
        return new Tensor(FloatArray.fromArray(values), shape);
    }

    /**
     * A copy of {@code shape} after checking that no extent is negative and that it holds exactly {@code size}
     * elements (the rule of {@link Tensor} and {@link Bf16Tensor}); the message names the shape and both counts.
     */
    static long[] checkedShape(long[] shape, long size) {
        long[] copy = shape.clone();
        long n = 1;
        for (long s : copy) {
            if (s < 0) {
                throw new IllegalArgumentException("tensor shape " + Arrays.toString(copy) + " has a negative extent");
            }
            n = Math.multiplyExact(n, s);
        }
        if (n != size) {
            throw new IllegalArgumentException("tensor shape " + Arrays.toString(copy) + " holds " + n
                    + " elements but the array has " + size);
        }
        return copy;
    }

    /** Product of the extents of {@code shape}. */
    public static long numel(long... shape) {
        long n = 1;
        for (long s : shape) {
            n = Math.multiplyExact(n, s);
        }
        return n;
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    /** Extent of dimension {@code i}; negative {@code i} counts from the end ({@code -1} is the last). */
    public long dim(int i) {
        return shape[i < 0 ? shape.length + i : i];
    }

    public long numel() {
        return data.getSize();
    }

    /** The same elements seen with another shape of the same element count. */
    public Tensor reshape(long... newShape) {
        return new Tensor(data, newShape);
    }

    /** The shape written as {@code [2, 64, 100]}, as error messages show it. */
    public String shapeString() {
        return Arrays.toString(shape);
    }

    /** Element at a multi-index (slow; for tests and references). */
    public float get(long... index) {
        return data.get(offset(index));
    }

    public void set(float value, long... index) {
        data.set(offset(index), value);
    }

    private long offset(long[] index) {
        if (index.length != shape.length) {
            throw new IllegalArgumentException("index of rank " + index.length + " for a tensor of shape " + shapeString());
        }
        long off = 0;
        for (int i = 0; i < shape.length; i++) {
            if (index[i] < 0 || index[i] >= shape[i]) {
                throw new IndexOutOfBoundsException("index " + Arrays.toString(index) + " out of bounds for shape " + shapeString());
            }
            off = off * shape[i] + index[i];
        }
        return off;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tensor t && t.data == data && Arrays.equals(t.shape, shape);
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(data) * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return "Tensor" + shapeString();
    }
}
