package io.jmamba.runtime.backend.opencl;

import io.jmamba.runtime.api.DeviceOutOfMemoryException;
import io.jmamba.runtime.backend.DeviceBuffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OpenClMemoryTest {
    static List<OpenClDevice> devices() {
        return OpenClTestDevices.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void roundTripsFloats(OpenClDevice device) {
        try (OpenClSession s = device.openSession(); Arena arena = Arena.ofConfined()) {
            int n = 1000;
            MemorySegment src = arena.allocate(JAVA_FLOAT, n);
            for (int i = 0; i < n; i++) {
                src.setAtIndex(JAVA_FLOAT, i, i * 0.5f - 7f);
            }
            DeviceBuffer b = s.allocate(src.byteSize());
            assertEquals(4000, b.byteSize());
            s.write(b, 0, src);
            MemorySegment back = arena.allocate(JAVA_FLOAT, n);
            s.read(b, 0, back);
            assertArrayEquals(src.toArray(JAVA_FLOAT), back.toArray(JAVA_FLOAT));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void writesAndReadsAtOffsets(OpenClDevice device) {
        try (OpenClSession s = device.openSession(); Arena arena = Arena.ofConfined()) {
            DeviceBuffer b = s.allocate(64);
            MemorySegment zeros = arena.allocate(64);
            s.write(b, 0, zeros);
            MemorySegment part = arena.allocate(JAVA_INT, 3);
            part.setAtIndex(JAVA_INT, 0, 11);
            part.setAtIndex(JAVA_INT, 1, 22);
            part.setAtIndex(JAVA_INT, 2, 33);
            s.write(b, 20, part);
            MemorySegment all = arena.allocate(64);
            s.read(b, 0, all);
            int[] ints = all.toArray(JAVA_INT);
            assertArrayEquals(new int[]{0, 0, 0, 0, 0, 11, 22, 33, 0, 0, 0, 0, 0, 0, 0, 0}, ints);
            MemorySegment one = arena.allocate(JAVA_INT);
            s.read(b, 24, one);
            assertEquals(22, one.get(JAVA_INT, 0));
            // the last bytes of the buffer, exactly up to its end
            s.read(b, 60, one);
            assertEquals(0, one.get(JAVA_INT, 0));
            assertThrows(IndexOutOfBoundsException.class, () -> s.read(b, 61, one));
            assertThrows(IndexOutOfBoundsException.class, () -> s.write(b, -1, one));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void zeroByteBuffersWork(OpenClDevice device) {
        try (OpenClSession s = device.openSession(); Arena arena = Arena.ofConfined()) {
            DeviceBuffer b = s.allocate(0);
            assertEquals(0, b.byteSize());
            s.write(b, 0, arena.allocate(0));
            s.read(b, 0, arena.allocate(0));
            assertThrows(IndexOutOfBoundsException.class, () -> s.write(b, 0, arena.allocate(1)));
            b.free();
            b.free();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void roundTripsTensOfMegabytesAndHeapSegments(OpenClDevice device) {
        long bytes = Math.min(64L << 20, device.maxAllocationBytes());
        try (OpenClSession s = device.openSession(); Arena arena = Arena.ofConfined()) {
            MemorySegment src = arena.allocate(bytes, 64);
            long longs = bytes / 8;
            for (long i = 0; i < longs; i++) {
                src.setAtIndex(JAVA_LONG, i, i * 0x9E3779B97F4A7C15L);
            }
            DeviceBuffer b = s.allocate(bytes);
            s.write(b, 0, src);
            MemorySegment back = arena.allocate(bytes, 64);
            s.read(b, 0, back);
            assertEquals(-1L, src.mismatch(back), "first differing byte");

            // heap (non-native) segments are copied through native memory
            byte[] heap = new byte[1000];
            for (int i = 0; i < heap.length; i++) {
                heap[i] = (byte) (i * 7);
            }
            s.write(b, 8, MemorySegment.ofArray(heap));
            byte[] heapBack = new byte[1000];
            s.read(b, 8, MemorySegment.ofArray(heapBack));
            assertArrayEquals(heap, heapBack);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void absurdAllocationIsOutOfMemoryAndTheSessionGoesOn(OpenClDevice device) {
        try (OpenClSession s = device.openSession(); Arena arena = Arena.ofConfined()) {
            long pib = 1L << 50;
            DeviceOutOfMemoryException e = assertThrows(DeviceOutOfMemoryException.class, () -> s.allocate(pib));
            assertEquals(pib, e.requestedBytes());
            assertTrue(e.getMessage().contains(String.valueOf(pib)) && e.getMessage().contains(device.id())
                    && e.getMessage().contains("largest single allocation " + device.maxAllocationBytes()), e.getMessage());
            // one byte over the single-allocation limit is refused too
            assertThrows(DeviceOutOfMemoryException.class, () -> s.allocate(device.maxAllocationBytes() + 1));

            DeviceBuffer b = s.allocate(16);
            MemorySegment v = arena.allocate(JAVA_LONG, 2);
            v.setAtIndex(JAVA_LONG, 1, 42L);
            s.write(b, 0, v);
            MemorySegment back = arena.allocate(JAVA_LONG, 2);
            s.read(b, 0, back);
            assertEquals(42L, back.getAtIndex(JAVA_LONG, 1));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void sessionsTogetherCannotHoldMoreThanTheGlobalMemory(OpenClDevice device) {
        long chunk = device.maxAllocationBytes();
        long before = device.bytesReserved();
        try (OpenClSession a = device.openSession(); OpenClSession b = device.openSession()) {
            List<DeviceBuffer> held = new java.util.ArrayList<>();
            DeviceOutOfMemoryException oom = null;
            for (int i = 0; i < 256 && oom == null; i++) {
                try {
                    held.add((i % 2 == 0 ? a : b).allocate(chunk));
                } catch (DeviceOutOfMemoryException e) {
                    oom = e;
                }
            }
            assertTrue(oom != null, "no out-of-memory after " + held.size() + " allocations of " + chunk + " bytes");
            assertTrue(device.bytesReserved() <= device.globalMemoryBytes(), device.bytesReserved() + " bytes held");
            assertTrue(oom.getMessage().contains("global memory " + device.globalMemoryBytes()), oom.getMessage());
            assertTrue(oom.freeBytes() >= 0 && oom.freeBytes() < chunk, "free " + oom.freeBytes());
            held.getFirst().free();
            assertEquals(chunk, a.allocate(chunk).byteSize(), "freeing makes room again");
        }
        assertEquals(before, device.bytesReserved(), "closing the sessions gives their memory back");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void freeingAndClosingReleaseBuffersAndLaterUseThrows(OpenClDevice device) {
        OpenClSession s = device.openSession();
        MemorySegment one = Arena.ofAuto().allocate(JAVA_BYTE);
        DeviceBuffer kept = s.allocate(1024);
        DeviceBuffer freed = s.allocate(2048);
        assertEquals(3072, s.bytesAllocated());
        freed.free();
        assertEquals(1024, s.bytesAllocated());
        freed.free(); // harmless
        IllegalStateException afterFree = assertThrows(IllegalStateException.class, () -> s.write(freed, 0, one));
        assertTrue(afterFree.getMessage().contains("freed"), afterFree.getMessage());

        s.close();
        assertEquals(0, s.bytesAllocated());
        assertThrows(IllegalStateException.class, () -> s.write(kept, 0, one));
        assertThrows(IllegalStateException.class, () -> s.read(kept, 0, one));
        assertThrows(IllegalStateException.class, () -> s.allocate(8));
        assertThrows(IllegalStateException.class, s::synchronize);
        assertDoesNotThrow(kept::free);
        assertDoesNotThrow(s::close);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void buffersOfAnotherSessionAreRefused(OpenClDevice device) {
        try (OpenClSession a = device.openSession(); OpenClSession b = device.openSession()) {
            DeviceBuffer inA = a.allocate(8);
            MemorySegment one = Arena.ofAuto().allocate(8);
            assertThrows(IllegalArgumentException.class, () -> b.write(inA, 0, one));
        }
    }
}
