package io.jmamba.runtime.backend.opencl;

import io.jmamba.runtime.api.KernelCompilationException;
import io.jmamba.runtime.backend.DeviceBuffer;
import io.jmamba.runtime.backend.LaunchGrid;
import io.jmamba.runtime.jit.GeneratedKernel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Random;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class OpenClKernelTest {
    static List<OpenClDevice> devices() {
        return OpenClTestDevices.all();
    }

    private static MemorySegment floats(Arena arena, float[] values) {
        return arena.allocateFrom(JAVA_FLOAT, values);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void axpyMatchesJavaBitForBit(OpenClDevice device) {
        int n = 1000; // not a multiple of any work-group size: the kernel's bound check matters
        Random r = new Random(1);
        float[] x = new float[n];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = r.nextFloat() * 100 - 50;
            y[i] = r.nextFloat() * 100 - 50;
        }
        float a = 1.7f;
        try (OpenClSession s = device.openSession(); Arena arena = Arena.ofConfined()) {
            DeviceBuffer dx = s.allocate(4L * n);
            DeviceBuffer dy = s.allocate(4L * n);
            s.write(dx, 0, floats(arena, x));
            s.write(dy, 0, floats(arena, y));
            OpenClKernel k = s.compileGenerated(HandWrittenKernels.axpy());
            assertTrue(k.compileNanos() > 0);
            assertTrue(k.source().startsWith(ProgramBuilder.NO_CONTRACTION + "\n"), k.source());
            long ns = s.launch(k, new LaunchGrid(new long[]{1024}, null), new Object[]{dx, dy, a}, true);
            assertTrue(ns >= 0, "profiled time " + ns);
            MemorySegment out = arena.allocate(JAVA_FLOAT, n);
            s.read(dy, 0, out);
            for (int i = 0; i < n; i++) {
                float expected = a * x[i] + y[i];
                assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(out.getAtIndex(JAVA_FLOAT, i)),
                        "y[" + i + "]: expected " + expected + " got " + out.getAtIndex(JAVA_FLOAT, i));
            }
            // unprofiled launches return -1 and run too: a second axpy doubles the a*x term
            assertEquals(-1, s.launch(k, new LaunchGrid(new long[]{1000}, new long[]{8}), new Object[]{dx, dy, a}, false));
            s.synchronize();
            s.read(dy, 0, out);
            assertEquals((a * x[5] + y[5]) + a * x[5], out.getAtIndex(JAVA_FLOAT, 5));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void barrierAndLocalMemoryReduceEachGroup(OpenClDevice device) {
        int group = 64;
        int groups = 37;
        int n = group * groups;
        int[] in = new int[n];
        for (int i = 0; i < n; i++) {
            in[i] = i * 31 % 1009 - 500;
        }
        try (OpenClSession s = device.openSession(); Arena arena = Arena.ofConfined()) {
            DeviceBuffer din = s.allocate(4L * n);
            DeviceBuffer dout = s.allocate(4L * groups);
            s.write(din, 0, arena.allocateFrom(JAVA_INT, in));
            OpenClKernel k = s.compileGenerated(HandWrittenKernels.groupSum(group));
            s.launch(k, new LaunchGrid(new long[]{n}, new long[]{group}), new Object[]{null, din, dout}, false);
            MemorySegment out = arena.allocate(JAVA_INT, groups);
            s.read(dout, 0, out);
            for (int g = 0; g < groups; g++) {
                int expected = 0;
                for (int i = g * group; i < (g + 1) * group; i++) {
                    expected += in[i];
                }
                assertEquals(expected, out.getAtIndex(JAVA_INT, g), "group " + g);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void longDoubleAndBooleanParametersArriveIntact(OpenClDevice device) {
        assumeTrue(device.supportsFp64(), device + " has no fp64");
        int n = 300;
        long base = (1L << 40) + 3;
        double scale = 0.1;
        try (OpenClSession s = device.openSession(); Arena arena = Arena.ofConfined()) {
            DeviceBuffer out = s.allocate(8L * n);
            DeviceBuffer ids = s.allocate(8L * n);
            OpenClKernel k = s.compileGenerated(HandWrittenKernels.longDouble());
            // args: out, ids, base, width (specialised: ignored), scale, flag
            s.launch(k, new LaunchGrid(new long[]{n}, null), new Object[]{out, ids, base, 7, scale, true}, false);
            MemorySegment o = arena.allocate(JAVA_DOUBLE, n);
            MemorySegment id = arena.allocate(JAVA_LONG, n);
            s.read(out, 0, o);
            s.read(ids, 0, id);
            for (int i = 0; i < n; i++) {
                assertEquals(base + i, id.getAtIndex(JAVA_LONG, i), "ids[" + i + "]");
                assertEquals((double) (base + i) * scale + 1.0, o.getAtIndex(JAVA_DOUBLE, i), 0.0, "out[" + i + "]");
            }
            IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class,
                    () -> s.launch(k, new LaunchGrid(new long[]{n}, null), new Object[]{out, ids, 1.5f, 7, scale, true}, false));
            assertTrue(wrong.getMessage().contains("base") && wrong.getMessage().contains("long"), wrong.getMessage());
            IllegalArgumentException notBuffer = assertThrows(IllegalArgumentException.class,
                    () -> s.launch(k, new LaunchGrid(new long[]{n}, null), new Object[]{null, ids, base, 7, scale, true}, false));
            assertTrue(notBuffer.getMessage().contains("out"), notBuffer.getMessage());
            assertThrows(IllegalArgumentException.class,
                    () -> s.launch(k, new LaunchGrid(new long[]{n}, null), new Object[]{out, ids, base}, false));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void twoDimensionalGridWithLocalSize(OpenClDevice device) {
        int w = 48;
        int h = 20;
        try (OpenClSession s = device.openSession(); Arena arena = Arena.ofConfined()) {
            DeviceBuffer out = s.allocate(4L * w * h);
            OpenClKernel k = s.compileGenerated(HandWrittenKernels.grid2d());
            s.launch(k, new LaunchGrid(new long[]{w, h}, new long[]{16, 4}), new Object[]{out, w}, false);
            MemorySegment o = arena.allocate(JAVA_INT, (long) w * h);
            s.read(out, 0, o);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    assertEquals(y * 1000 + x, o.getAtIndex(JAVA_INT, (long) y * w + x), "(" + x + "," + y + ")");
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void buildFailureCarriesTheLogAndTheNumberedSource(OpenClDevice device) {
        try (OpenClSession s = device.openSession()) {
            KernelCompilationException e = assertThrows(KernelCompilationException.class,
                    () -> s.compileGenerated(HandWrittenKernels.broken()));
            String m = e.getMessage();
            assertTrue(m.contains("\"broken\"") && m.contains(device.id()), m);
            assertTrue(m.contains("CL_BUILD_PROGRAM_FAILURE"), m);
            assertTrue(m.contains("--- build log ---") && m.contains("undeclared_thing_42"), m);
            // the backend's FP_CONTRACT line comes first, so the bad line is line 4 of what was compiled,
            // and the numbered source agrees with the compiler's log
            assertTrue(m.contains("--- generated OpenCL C ---\n1| #pragma OPENCL FP_CONTRACT OFF\n"), m);
            assertTrue(m.contains("4|     x[i] = undeclared_thing_42 * 2.0f;"), m);
            String log = m.substring(m.indexOf("--- build log ---"), m.indexOf("--- generated OpenCL C ---"));
            assertTrue(log.contains(":4:"), "the log points at line 4: " + log);
            // the session is still usable after a failed build
            assertTrue(s.compileGenerated(HandWrittenKernels.axpy()).compileNanos() > 0);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void moreLocalMemoryThanTheDeviceHasIsRefusedBeforeBuilding(OpenClDevice device) {
        GeneratedKernel axpy = HandWrittenKernels.axpy();
        long tooMuch = device.info().localMemoryBytes() + 1;
        GeneratedKernel greedy = HandWrittenKernels.of("axpy", axpy.source(), axpy.params(), true, tooMuch);
        try (OpenClSession s = device.openSession()) {
            KernelCompilationException e = assertThrows(KernelCompilationException.class, () -> s.compileGenerated(greedy));
            assertTrue(e.getMessage().contains(tooMuch + " bytes of local memory")
                    && e.getMessage().contains(String.valueOf(device.info().localMemoryBytes())), e.getMessage());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void missingEntryPointIsACompilationError(OpenClDevice device) {
        GeneratedKernel axpy = HandWrittenKernels.axpy();
        GeneratedKernel wrongName = HandWrittenKernels.of("notThere", axpy.source(), axpy.params(), false, 0);
        try (OpenClSession s = device.openSession()) {
            KernelCompilationException e = assertThrows(KernelCompilationException.class, () -> s.compileGenerated(wrongName));
            assertTrue(e.getMessage().contains("notThere") && e.getMessage().contains("CL_INVALID_KERNEL_NAME"), e.getMessage());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void localSizeThatDoesNotDivideIsRejectedWithTheSizes(OpenClDevice device) {
        try (OpenClSession s = device.openSession()) {
            DeviceBuffer x = s.allocate(400);
            OpenClKernel k = s.compileGenerated(HandWrittenKernels.axpy());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> s.launch(k, new LaunchGrid(new long[]{100}, new long[]{16}), new Object[]{x, x, 1f}, false));
            assertTrue(e.getMessage().contains("[16]") && e.getMessage().contains("[100]")
                    && e.getMessage().contains("does not divide"), e.getMessage());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void workGroupAboveTheDeviceMaximumNamesTheSizes(OpenClDevice device) {
        long max = device.maxWorkGroupSize();
        long[] local = {64, 2 * max / 64};
        try (OpenClSession s = device.openSession()) {
            DeviceBuffer out = s.allocate(4L * local[0] * local[1]);
            OpenClKernel k = s.compileGenerated(HandWrittenKernels.grid2d());
            OpenClException e = assertThrows(OpenClException.class,
                    () -> s.launch(k, new LaunchGrid(local.clone(), local), new Object[]{out, (int) local[0]}, false));
            assertEquals("CL_INVALID_WORK_GROUP_SIZE", e.errorName(), e.getMessage());
            assertTrue(e.getMessage().contains("maximum work-group size is " + max) && e.getMessage().contains("[64, "),
                    e.getMessage());
            // and the session still launches afterwards
            s.launch(k, new LaunchGrid(new long[]{64, 2}, new long[]{64, 1}), new Object[]{out, 64}, false);
            s.synchronize();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void kernelsAreCachedInTheSessionAndBinariesAcrossSessions(OpenClDevice device) {
        GeneratedKernel axpy = HandWrittenKernels.axpy();
        OpenClKernel first;
        try (OpenClSession s = device.openSession()) {
            first = s.compileGenerated(axpy);
            OpenClKernel again = s.compileGenerated(axpy);
            assertEquals(0, again.compileNanos(), "second compile comes from the session cache");
            assertSame(first.built(), again.built());
            assertTrue(device.binaries().size() > 0, "the device keeps the built binary");
        }
        long loadsBefore = device.binaries().loads();
        try (OpenClSession s2 = device.openSession(); Arena arena = Arena.ofConfined()) {
            OpenClKernel k = s2.compileGenerated(axpy);
            assertEquals(loadsBefore + 1, device.binaries().loads(), "the second session loads the cached binary");
            IllegalArgumentException foreign = assertThrows(IllegalArgumentException.class,
                    () -> s2.launch(first, new LaunchGrid(new long[]{1}, null), new Object[]{null, null, 1f}, false));
            assertTrue(foreign.getMessage().contains("not compiled in this"), foreign.getMessage());
            // the kernel loaded from the cached binary computes
            DeviceBuffer x = s2.allocate(8);
            DeviceBuffer y = s2.allocate(8);
            s2.write(x, 0, floats(arena, new float[]{1f, 2f}));
            s2.write(y, 0, floats(arena, new float[]{10f, 20f}));
            s2.launch(k, new LaunchGrid(new long[]{2}, null), new Object[]{x, y, 3f}, false);
            MemorySegment out = arena.allocate(JAVA_FLOAT, 2);
            s2.read(y, 0, out);
            assertEquals(13f, out.getAtIndex(JAVA_FLOAT, 0));
            assertEquals(26f, out.getAtIndex(JAVA_FLOAT, 1));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void emptyGridRunsNothingAndClosedSessionRefusesLaunches(OpenClDevice device) {
        OpenClSession s = device.openSession();
        DeviceBuffer x = s.allocate(0);
        OpenClKernel k = s.compileGenerated(HandWrittenKernels.axpy());
        assertEquals(0, s.launch(k, new LaunchGrid(new long[]{0}, null), new Object[]{x, x, 1f}, true));
        // a zero-byte buffer is a NULL pointer with size 0: the bound check keeps the kernel off it
        s.launch(k, new LaunchGrid(new long[]{4}, null), new Object[]{x, x, 1f}, false);
        s.synchronize();
        s.close();
        assertThrows(IllegalStateException.class,
                () -> s.launch(k, new LaunchGrid(new long[]{1}, null), new Object[]{x, x, 1f}, false));
        assertThrows(IllegalStateException.class, () -> s.compileGenerated(HandWrittenKernels.axpy()));
    }
}
