package io.jmamba.runtime.conformance;

import io.jmamba.runtime.api.ByteArray;
import io.jmamba.runtime.api.DeviceOutOfMemoryException;
import io.jmamba.runtime.api.Parallel;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceMatrix;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Real 64-bit indexing: an array of more than 2^31 elements, written and read past index 2^31 on
 * every device. It needs over 2 GiB on the host and as much on the device, so it is tagged slow
 * (the fast suite's 64-bit cases only compute long offsets into small arrays).
 */
@Tag("slow")
class BigIndexTest {
    static final long SIZE = (1L << 31) + 4096;
    static final long BASE = (1L << 31) + 17;
    static final int N = 2048;

    public static void farCopy(ByteArray big, long base, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            long j = base + i;
            big.set(j, (byte) (big.get(j - base + 100) * 3 + i));
        }
    }

    @TestFactory
    List<DynamicTest> beyondTwoToTheThirtyOne() {
        return DeviceMatrix.devices().stream().map(d -> DynamicTest.dynamicTest("farCopy on " + d.id(), () -> check(d))).toList();
    }

    private static void check(ComputeDevice d) {
        ByteArray big = new ByteArray(SIZE);
        for (int i = 0; i < 100 + N; i++) {
            big.set(i, (byte) (i * 13));
        }
        ConformanceCase c = ConformanceCase.of(BigIndexTest.class, "farCopy", () -> new Object[] {big, BASE, N});
        try {
            CaseRunner.runWith(c, d, c.args().get());
        } catch (DeviceOutOfMemoryException e) {
            // PoCL, for one, caps a single buffer at 2 GiB (CL_DEVICE_MAX_MEM_ALLOC_SIZE)
            Assumptions.abort("device " + d.id() + " cannot hold a " + SIZE + "-byte buffer: " + e.getMessage());
        }
        for (int i = 0; i < N; i++) {
            assertEquals((byte) ((byte) ((100 + i) * 13) * 3 + i), big.get(BASE + i), "element " + (BASE + i) + " on " + d.id());
        }
        assertEquals((byte) 0, big.get(BASE - 1), "untouched element below the range");
    }
}
