package io.jmamba.kernels.nn;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceMatrix;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/** Column-block copies and transposes move exactly the elements they should, on every device. */
class LayoutTest {
    static FloatArray iota(int n) {
        FloatArray a = new FloatArray(n);
        for (int i = 0; i < n; i++) {
            a.set(i, i);
        }
        return a;
    }

    @TestFactory
    Stream<DynamicTest> layoutKernels() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ComputeDevice d : DeviceMatrix.devices()) {
            tests.add(dynamicTest("copyColumns on " + d.id(), () -> {
                // src (3, 7): take columns [2, 5) into dst (3, 4) at column 1; the rest of dst keeps -1
                FloatArray src = iota(21), dst = new FloatArray(12);
                dst.init(-1f);
                Layout.runCopyColumns(d, 3, 3, src, 7, 2, dst, 4, 1);
                assertArrayEquals(new float[] {-1, 2, 3, 4, -1, 9, 10, 11, -1, 16, 17, 18}, dst.toHeapArray());
            }));
            tests.add(dynamicTest("transpose on " + d.id(), () -> {
                FloatArray src = iota(2 * 3 * 5), dst = new FloatArray(30);
                Layout.runTranspose(d, 2, 3, 5, src, dst);
                for (int b = 0; b < 2; b++) {
                    for (int r = 0; r < 3; r++) {
                        for (int c = 0; c < 5; c++) {
                            assertTrue(dst.get((b * 5 + c) * 3 + r) == src.get((b * 3 + r) * 5 + c), "b " + b + " r " + r + " c " + c);
                        }
                    }
                }
            }));
        }
        return tests.stream();
    }

    @Test
    void columnsOutsideTheMatrixAreRefused() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> Layout.checkColumns(3, 3, new FloatArray(21), 7, 5, new FloatArray(12), 4, 0));
        assertTrue(e.getMessage().contains("src columns [5, 8)") && e.getMessage().contains("[0, 7)"), e.getMessage());
    }
}
