package io.jmamba.kernels.scan;

import io.jmamba.kernels.support.Tensor;
import io.jmamba.runtime.api.BFloat16Array;

import java.util.Arrays;
import java.util.Objects;

/**
 * A bf16 tensor of the selective scan's bf16 path: an off-heap {@link BFloat16Array} in row-major order
 * and its shape, as {@link Tensor} is for fp32 (the host API checks shapes and names the argument that
 * is wrong). The element count of the shape must equal the array's size.
 *
 * @param data  the elements
 * @param shape the extent of each dimension, outermost first
 */
public record Bf16Tensor(BFloat16Array data, long[] shape) {
    public Bf16Tensor {
        Objects.requireNonNull(data, "data");
        shape = shape.clone();
        if (Tensor.numel(shape) != data.getSize()) {
            throw new IllegalArgumentException("bf16 tensor shape " + Arrays.toString(shape) + " holds " + Tensor.numel(shape)
                    + " elements but the array has " + data.getSize());
        }
    }

    /** A view of {@code data} with this shape. */
    public static Bf16Tensor of(BFloat16Array data, long... shape) {
        return new Bf16Tensor(data, shape);
    }

    /** A new zero-filled tensor. */
    public static Bf16Tensor zeros(long... shape) {
        return new Bf16Tensor(new BFloat16Array(Tensor.numel(shape)), shape);
    }

    /** {@code t}'s values rounded to bf16 (nearest, ties to even). */
    public static Bf16Tensor rounded(Tensor t) {
        BFloat16Array a = new BFloat16Array(t.numel());
        for (long i = 0; i < t.numel(); i++) {
            a.set(i, t.data().get(i));
        }
        return new Bf16Tensor(a, t.shape());
    }

    /** The values widened to fp32 (exactly), in a new tensor of the same shape. */
    public Tensor widened() {
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

    /** The shape written as {@code [2, 64, 100]}. */
    public String shapeString() {
        return Arrays.toString(shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Bf16Tensor t && t.data == data && Arrays.equals(t.shape, shape);
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(data) * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return "Bf16Tensor" + shapeString();
    }
}
