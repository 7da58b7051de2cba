package io.jmamba.runtime.backend.cuda;

import io.jmamba.runtime.api.DeviceOutOfMemoryException;
import io.jmamba.runtime.api.KernelCompilationException;
import io.jmamba.runtime.backend.Devices;
import io.jmamba.runtime.backend.GraphCaptureSession;
import io.jmamba.runtime.backend.LaunchGrid;
import io.jmamba.runtime.jit.Dialect;
import io.jmamba.runtime.jit.GeneratedKernel;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Random;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CUDA session on a real GPU: memory, copies, NVRTC kernels, launches, graphs, errors. */
@Tag("gpu")
class CudaSessionGpuTest {
    private final Random random = new Random();

    @Test
    void discoveryDescribesTheDevice() {
        CudaDevice d = CudaTestSupport.device();
        assertEquals("cuda:0", d.id());
        assertTrue(d.computeCapabilityMajor() >= 5, d.description());
        assertTrue(d.multiprocessorCount() > 0, d.description());
        assertTrue(d.globalMemoryBytes() > (1L << 30), d.description());
        assertTrue(d.maxWorkGroupSize() >= 256, d.description());
        assertTrue(d.description().contains(d.name()), d.description());
        assertSame(d.getClass(), Devices.find("cuda").getClass(), "Devices finds the CUDA backend by class name");
        System.out.println("CUDA device: " + d.description());
    }

    @Test
    void copiesRoundTripSmallLargeAndPinned() {
        CudaDevice d = CudaTestSupport.device();
        // a shared arena: its segments may be copied by several threads (the staging path splits large copies)
        try (CudaSession s = d.openCudaSession(); Arena arena = Arena.ofShared()) {
            // small ones go to the driver directly, large ones through the staging buffers, the last with
            // a final chunk that does not split evenly over the copying threads
            for (long bytes : new long[]{4, 4096, 3 * HostTransfers.CHUNK + 12_340, HostTransfers.CHUNK + (2 << 20) + 1}) {
                MemorySegment src = randomSegment(arena, bytes);
                MemorySegment back = arena.allocate(bytes);
                back.fill((byte) 0x5a);
                CudaBuffer b = s.allocate(bytes);
                s.write(b, 0, src);
                s.read(b, 0, back);
                assertEquals(-1, src.mismatch(back), "round trip of " + bytes + " bytes");
                b.free();
                b.free(); // harmless
            }
            // offsets, and a heap segment (which a native call cannot take directly)
            CudaBuffer b = s.allocate(1024);
            byte[] heap = new byte[100];
            random.nextBytes(heap);
            s.write(b, 200, MemorySegment.ofArray(heap));
            byte[] heapBack = new byte[100];
            s.read(b, 200, MemorySegment.ofArray(heapBack));
            assertArrayEquals(heap, heapBack);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.write(b, 1000, MemorySegment.ofArray(heap)));
            assertTrue(e.getMessage().contains("100 bytes at offset 1000 do not fit a device buffer of 1024 bytes"), e.getMessage());
            // page-locked memory and the asynchronous copies
            long n = 5L << 20;
            MemorySegment pinned = s.allocatePinned(n);
            MemorySegment ref = randomSegment(arena, n);
            pinned.copyFrom(ref);
            CudaBuffer big = s.allocate(n);
            CudaBuffer copy = s.allocate(n);
            s.writeAsync(big, 0, pinned);
            s.copy(copy, 0, big, 0, n);
            s.synchronize();
            pinned.fill((byte) 0);
            s.readAsync(copy, 0, pinned);
            s.synchronize();
            assertEquals(-1, ref.mismatch(pinned));
            assertThrows(IllegalArgumentException.class, () -> s.writeAsync(big, 0, ref), "ordinary memory is not pinned");
        }
    }

    @Test
    void handWrittenKernelComputesAxpy() {
        CudaDevice d = CudaTestSupport.device();
        int n = 1_000_003;
        float a = 1.75f;
        try (CudaSession s = d.openCudaSession(); Arena arena = Arena.ofConfined()) {
            MemorySegment x = randomFloats(arena, n);
            MemorySegment y = randomFloats(arena, n);
            CudaBuffer dx = s.allocate(4L * n);
            CudaBuffer dy = s.allocate(4L * n);
            s.write(dx, 0, x);
            s.write(dy, 0, y);
            CudaKernel k = s.compileGenerated(CudaTestSupport.axpy());
            assertTrue(k.compileNanos() >= 0);
            long ns = s.launch(k, new LaunchGrid(new long[]{n}, null), new Object[]{dx, dy, a}, true);
            assertTrue(ns > 0, "profiled launch returns the kernel time, got " + ns);
            MemorySegment out = arena.allocate(4L * n);
            s.read(dy, 0, out);
            assertAxpy(x, y, out, a, 1, n);
            assertTrue(k.ptx().contains(".entry axpy"), "PTX names the entry");
            assertTrue(s.ptx(k).contains(".target sm_" + d.architecture()), "PTX is for the device's architecture");
            CudaKernel hit = s.compileGenerated(CudaTestSupport.axpy());
            assertEquals(0, hit.compileNanos(), "a second compile in the session is a cache hit");
            assertSame(k.ptx(), hit.ptx(), "the same module is reused");
        }
    }

    @Test
    void scalarArgumentsOfEveryKindArrive() {
        CudaDevice d = CudaTestSupport.device();
        try (CudaSession s = d.openCudaSession(); Arena arena = Arena.ofConfined()) {
            CudaBuffer out = s.allocate(8 * 7);
            CudaKernel k = s.compileGenerated(CudaTestSupport.scalars());
            s.launch(k, new LaunchGrid(new long[]{1}, null),
                    new Object[]{out, -123456, 1L << 40, 2.25, true, null, 1.5f, 64, (byte) -7}, false);
            MemorySegment back = arena.allocate(8 * 7);
            s.read(out, 0, back);
            long[] v = back.toArray(JAVA_LONG);
            assertArrayEquals(new long[]{-123456, 1L << 40, 9, 1, 12, -7, 7}, v);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.launch(k,
                    new LaunchGrid(new long[]{1}, null), new Object[]{out, 1.0, 1L, 2.0, true, null, 1f, 64, (byte) 1}, false));
            assertTrue(e.getMessage().contains("argument 1 (i, scalar int) needs an Integer, got Double"), e.getMessage());
        }
    }

    @Test
    void contextKernelSeesATwoDimensionalGrid() {
        CudaDevice d = CudaTestSupport.device();
        int w = 96;
        int h = 40;
        try (CudaSession s = d.openCudaSession(); Arena arena = Arena.ofConfined()) {
            CudaBuffer out = s.allocate(4L * w * h);
            s.fill(out, (byte) 0xff);
            CudaKernel k = s.compileGenerated(CudaTestSupport.ids2d());
            s.launch(k, new LaunchGrid(new long[]{w, h}, new long[]{32, 4}), new Object[]{out}, false);
            MemorySegment back = arena.allocate(4L * w * h);
            s.read(out, 0, back);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    assertEquals(x * 1000 + y, back.getAtIndex(JAVA_INT, (long) y * w + x), "item " + x + "," + y);
                }
            }
            assertThrows(IllegalArgumentException.class,
                    () -> s.launch(k, new LaunchGrid(new long[]{w, h}, new long[]{64, 4}), new Object[]{out}, false));
        }
    }

    @Test
    void compileErrorCarriesNumberedSourceAndNvrtcLog() {
        CudaDevice d = CudaTestSupport.device();
        String src = """
                extern "C" __global__ void broken(float* x, long x_size) {
                    x[0] = undeclared_name + 1.0f;
                }
                """;
        GeneratedKernel g = new GeneratedKernel("broken", src, Dialect.CUDA,
                List.of(CudaTestSupport.array(0, "x", "float")), List.of(), false, false, 0);
        try (CudaSession s = d.openCudaSession()) {
            KernelCompilationException e = assertThrows(KernelCompilationException.class, () -> s.compileGenerated(g));
            String m = e.getMessage();
            assertTrue(m.contains("could not compile kernel broken for compute_" + d.architecture()), m);
            assertTrue(m.contains("undeclared_name"), m);
            assertTrue(m.contains("broken.cu(2)"), "NVRTC's log points at line 2: " + m);
            assertTrue(m.contains("2|     x[0] = undeclared_name + 1.0f;"), "the numbered source: " + m);
            // the session is still usable
            CudaKernel ok = s.compileGenerated(CudaTestSupport.axpy());
            assertEquals("axpy", ok.entryName());
        }
    }

    @Test
    void outOfMemoryNamesTheRequestAndLeavesTheSessionUsable() {
        CudaDevice d = CudaTestSupport.device();
        try (CudaSession s = d.openCudaSession(); Arena arena = Arena.ofConfined()) {
            long tooMuch = d.globalMemoryBytes() * 2;
            DeviceOutOfMemoryException e = assertThrows(DeviceOutOfMemoryException.class, () -> s.allocate(tooMuch));
            assertEquals(tooMuch, e.requestedBytes());
            assertTrue(e.freeBytes() > 0 && e.freeBytes() <= d.globalMemoryBytes(), "free bytes: " + e.freeBytes());
            assertTrue(e.getMessage().contains("asked for " + tooMuch + " bytes"), e.getMessage());
            assertTrue(e.getMessage().contains("cuda:0"), e.getMessage());
            MemorySegment x = randomFloats(arena, 1000);
            CudaBuffer b = s.allocate(4000);
            s.write(b, 0, x);
            MemorySegment back = arena.allocate(4000);
            s.read(b, 0, back);
            assertEquals(-1, x.mismatch(back));
        }
    }

    @Test
    void capturedGraphReplaysTheSameWork() {
        CudaDevice d = CudaTestSupport.device();
        int n = 300_000;
        float a = 0.5f;
        try (CudaSession s = d.openCudaSession(); Arena arena = Arena.ofConfined()) {
            MemorySegment x = randomFloats(arena, n);
            MemorySegment y = randomFloats(arena, n);
            CudaBuffer dx = s.allocate(4L * n);
            CudaBuffer dy = s.allocate(4L * n);
            s.write(dx, 0, x);
            s.write(dy, 0, y);
            CudaKernel k = s.compileGenerated(CudaTestSupport.axpy());
            LaunchGrid grid = new LaunchGrid(new long[]{n}, null);
            s.beginCapture();
            assertTrue(s.isCapturing());
            for (int i = 0; i < 3; i++) {
                assertEquals(-1, s.launch(k, grid, new Object[]{dx, dy, a}, true), "no timing while capturing");
            }
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> s.write(dx, 0, x));
            assertTrue(e.getMessage().contains("cannot be recorded in a CUDA graph"), e.getMessage());
            GraphCaptureSession.CapturedGraph g = s.endCapture();
            MemorySegment afterCapture = arena.allocate(4L * n);
            s.read(dy, 0, afterCapture);
            assertEquals(-1, y.mismatch(afterCapture), "capturing runs nothing");
            g.replay();
            g.replay();
            s.synchronize();
            MemorySegment out = arena.allocate(4L * n);
            s.read(dy, 0, out);
            // six applications of y += a x, done on the CPU in the same order
            MemorySegment expect = arena.allocate(4L * n);
            expect.copyFrom(y);
            for (int r = 0; r < 6; r++) {
                for (int i = 0; i < n; i++) {
                    float v = Math.fma(a, x.getAtIndex(JAVA_FLOAT, i), expect.getAtIndex(JAVA_FLOAT, i));
                    expect.setAtIndex(JAVA_FLOAT, i, v);
                }
            }
            assertClose(expect, out, n, 1e-5);
            g.close();
        }
    }

    @Test
    void closeFreesEverythingAndTheDeviceMemoryComesBack() {
        CudaDevice d = CudaTestSupport.device();
        long freeBefore;
        try (CudaSession probe = d.openCudaSession()) {
            freeBefore = probe.memoryInfo()[0];
            CudaSession s = d.openCudaSession();
            for (int i = 0; i < 4; i++) {
                s.allocate(256L << 20);
            }
            long during = probe.memoryInfo()[0];
            assertTrue(freeBefore - during >= (1L << 30), "1 GiB taken: " + freeBefore + " -> " + during);
            s.close();
            long after = probe.memoryInfo()[0];
            assertTrue(after >= freeBefore - (64L << 20), "freed on close: " + freeBefore + " -> " + after);
            assertThrows(IllegalStateException.class, () -> s.allocate(16));
            assertNotEquals(0, freeBefore);
        }
    }

    static void assertAxpy(MemorySegment x, MemorySegment y, MemorySegment out, float a, int times, int n) {
        for (int i = 0; i < n; i++) {
            float e = y.getAtIndex(JAVA_FLOAT, i);
            for (int r = 0; r < times; r++) {
                e = a * x.getAtIndex(JAVA_FLOAT, i) + e;
            }
            float got = out.getAtIndex(JAVA_FLOAT, i);
            if (Math.abs(got - e) > 1e-6f * Math.max(1f, Math.abs(e))) {
                throw new AssertionError("element " + i + ": expected " + e + ", got " + got);
            }
        }
    }

    static void assertClose(MemorySegment expect, MemorySegment got, int n, double relTol) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < n; i++) {
            double e = expect.getAtIndex(JAVA_FLOAT, i);
            double g = got.getAtIndex(JAVA_FLOAT, i);
            if (Double.isNaN(g)) {
                throw new AssertionError("NaN at " + i);
            }
            num += (g - e) * (g - e);
            den += e * e;
        }
        double rel = Math.sqrt(num / den);
        assertTrue(rel < relTol, "relative error " + rel + " >= " + relTol);
    }

    private MemorySegment randomSegment(Arena arena, long bytes) {
        MemorySegment m = arena.allocate(bytes);
        byte[] chunk = new byte[1 << 16];
        for (long off = 0; off < bytes; off += chunk.length) {
            random.nextBytes(chunk);
            MemorySegment.copy(MemorySegment.ofArray(chunk), 0, m, off, Math.min(chunk.length, bytes - off));
        }
        return m;
    }

    private MemorySegment randomFloats(Arena arena, int n) {
        MemorySegment m = arena.allocate(4L * n);
        for (int i = 0; i < n; i++) {
            m.setAtIndex(JAVA_FLOAT, i, random.nextFloat() * 2 - 1);
        }
        return m;
    }
}
