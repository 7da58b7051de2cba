package io.jmamba.kernels.support;

import io.jmamba.runtime.api.FloatArray;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class TensorTest {

    @Test
    void shapeIsCopiedInAndOut() {
        long[] shape = {2, 3};
        Tensor t = Tensor.zeros(shape);
        shape[0] = 7;
        assertArrayEquals(new long[] {2, 3}, t.shape());
        t.shape()[1] = 9;
        assertArrayEquals(new long[] {2, 3}, t.shape());
        assertEquals("[2, 3]", t.shapeString());
        assertEquals(3, t.dim(-1));
        assertEquals(2, t.rank());
    }

    @Test
    void rowMajorIndexing() {
        Tensor t = Tensor.fromArray(new float[] {0, 1, 2, 3, 4, 5}, 2, 3);
        assertEquals(5f, t.get(1, 2));
        t.set(9f, 0, 1);
        assertEquals(9f, t.data().get(1));
        assertThrows(IndexOutOfBoundsException.class, () -> t.get(2, 0));
    }

    @Test
    void elementCountMustMatchTheArray() {
        var e = assertThrows(IllegalArgumentException.class, () -> Tensor.of(new FloatArray(5), 2, 3));
        assertEquals("tensor shape [2, 3] holds 6 elements but the array has 5", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tensor.of(new FloatArray(0), -1, 0));
    }

    @Test
    void reshapeSharesTheData() {
        Tensor t = Tensor.zeros(2, 3);
        Tensor r = t.reshape(3, 2);
        r.set(4f, 2, 1);
        assertEquals(4f, t.get(1, 2));
        assertNotEquals(t, r);
        assertEquals(t, Tensor.of(t.data(), 2, 3));
    }

    @Test
    void shapeChecksNameTheArgument() {
        Tensor t = Tensor.zeros(2, 64, 99);
        var e = assertThrows(IllegalArgumentException.class, () -> Shapes.require("delta", t, 2, 64, 100));
        assertEquals("delta: expected [2, 64, 100], got [2, 64, 99]", e.getMessage());
        var n = assertThrows(IllegalArgumentException.class, () -> Shapes.require("z", null, 1));
        assertEquals("z: missing (null)", n.getMessage());
    }
}
