package io.jmamba.kernels.support;

import io.jmamba.runtime.api.BFloat16Array;

import java.util.Arrays;
import java.util.Objects;

/**
 * A bf16 tensor of the bf16 host APIs (conv1d, selective scan): an off-heap {@link BFloat16Array} in
 * row-major order and its shape, with the same rules as the float32 {@link Tensor} (the element count
 * equals the array's size; the shape is copied in and out).
 *
 * @param data  the elements, {@code data.getSize() == product of shape}
 * @param shape the extent of each dimension, outermost first
 */
public record Bf16Tensor(BFloat16Array data, long[] shape) {

    public Bf16Tensor {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(shape, "shape");
        shape = Tensor.checkedShape(shape, data.getSize());
    }

    /** A view of {@code data} with this shape. */
    public static Bf16Tensor of(BFloat16Array data, long... shape) {
        return new Bf16Tensor(data, shape);
    }

    /** A new zero-filled tensor. */
    public static Bf16Tensor zeros(long... shape) {
        return new Bf16Tensor(new BFloat16Array(Tensor.numel(shape)), shape);
    }

    /** {@code t}'s elements rounded to bf16 (nearest, ties to even), same shape. */
    public static Bf16Tensor rounded(Tensor t) {
        BFloat16Array a = new BFloat16Array(t.numel());
        for (long i = 0; i < t.numel(); i++) {
            a.set(i, t.data().get(i));
        }
        return new Bf16Tensor(a, t.shape());
    }

    /** The elements widened to float32 (exact), same shape. */
    public Tensor toFloat() {
        Tensor t = Tensor.zeros(shape);
        for (long i = 0; i < data.getSize(); i++) {
            t.data().set(i, data.get(i));
        }
        return t;
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** The shape as "[2, 3, 4]", for error messages. */
    public String shapeString() {
        return Arrays.toString(shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Bf16Tensor t && t.data == data && Arrays.equals(t.shape, shape);
    }

    @Override
    public int hashCode() {
        return 31 * System.identityHashCode(data) + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return "Bf16Tensor" + Arrays.toString(shape);
    }
}
