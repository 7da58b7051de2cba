package io.jmamba.runtime.backend.opencl;

import io.jmamba.runtime.api.DataTransferMode;
import io.jmamba.runtime.api.DoubleArray;
import io.jmamba.runtime.api.ExecutionPlan;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.api.WorkerGrid1D;
import io.jmamba.runtime.backend.CompiledKernel;
import io.jmamba.runtime.backend.DeviceBuffer;
import io.jmamba.runtime.backend.KernelRequest;
import io.jmamba.runtime.backend.LaunchGrid;
import io.jmamba.runtime.api.KernelContext;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.reflect.Method;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Annotated Java kernels compiled by the JIT (KernelJit, OpenCL dialect) and run on every OpenCL device,
 * checked against the same Java methods run on the host.
 */
class OpenClJitEndToEndTest {
    static List<OpenClDevice> devices() {
        return OpenClTestDevices.all();
    }

    private static Method method(String name, Class<?>... params) throws NoSuchMethodException {
        return JitKernels.class.getDeclaredMethod(name, params);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void saxpyCompiledByTheJitMatchesJavaBitForBit(OpenClDevice device) throws Exception {
        int n = 1001;
        Random r = new Random(7);
        FloatArray x = new FloatArray(n);
        FloatArray y = new FloatArray(n);
        FloatArray expected = new FloatArray(n);
        for (int i = 0; i < n; i++) {
            x.set(i, r.nextFloat() * 10 - 5);
            y.set(i, r.nextFloat() * 10 - 5);
            expected.set(i, y.get(i));
        }
        JitKernels.saxpy(x, expected, 0.75f);
        try (OpenClSession s = device.openSession()) {
            KernelRequest request = new KernelRequest(method("saxpy", FloatArray.class, FloatArray.class, float.class), Map.of());
            CompiledKernel k = s.compile(request);
            assertTrue(k.compileNanos() > 0 && k.source().contains("__kernel"), k.source());
            assertEquals(0, s.compile(request).compileNanos(), "the second compile of a request comes from the cache");
            DeviceBuffer dx = s.allocate(x.byteSize());
            DeviceBuffer dy = s.allocate(y.byteSize());
            s.write(dx, 0, x.getSegment());
            s.write(dy, 0, y.getSegment());
            s.launch(k, new LaunchGrid(new long[]{n}, null), new Object[]{dx, dy, 0.75f}, false);
            s.read(dy, 0, y.getSegment());
        }
        for (int i = 0; i < n; i++) {
            assertEquals(Float.floatToRawIntBits(expected.get(i)), Float.floatToRawIntBits(y.get(i)),
                    "y[" + i + "]: expected " + expected.get(i) + " got " + y.get(i));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void specialisedAndTwoDimensionalKernelsThroughATaskGraph(OpenClDevice device) {
        int n = 500;
        DoubleArray x = new DoubleArray(n);
        for (int i = 0; i < n; i++) {
            x.set(i, (i - 250) / 100.0);
        }
        DoubleArray out = new DoubleArray(n);
        DoubleArray expected = new DoubleArray(n);
        JitKernels.polynomial(x, expected, 5);
        int width = 37;
        int height = 11;
        IntArray coords = new IntArray((long) width * height);
        TaskGraph g = new TaskGraph("e2e")
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, x)
                .task("poly", JitKernels::polynomial, x, out, 5)
                .task("coords", JitKernels::coordinates, coords, width, height)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, out, coords);
        try (ExecutionPlan plan = new ExecutionPlan(g.snapshot()).withDevice(device)) {
            plan.execute();
            assertTrue(plan.generatedSource("e2e.poly").contains("__kernel"), plan.generatedSource("e2e.poly"));
        }
        assertArrayEquals(expected.toHeapArray(), out.toHeapArray());
        for (int yy = 0; yy < height; yy++) {
            for (int xx = 0; xx < width; xx++) {
                assertEquals(yy * 1000 + xx, coords.get((long) yy * width + xx), "(" + xx + "," + yy + ")");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void barrierKernelWithLocalMemoryThroughATaskGraph(OpenClDevice device) {
        int groups = 9;
        int n = 64 * groups;
        IntArray in = new IntArray(n);
        for (int i = 0; i < n; i++) {
            in.set(i, i * 13 % 101 - 50);
        }
        IntArray out = new IntArray(groups);
        TaskGraph g = new TaskGraph("e2e")
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, in)
                .task("sum", JitKernels::groupSum, new KernelContext(), in, out)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, out);
        GridScheduler grid = new GridScheduler("e2e.sum", new WorkerGrid1D(n).setLocalWork(64));
        try (ExecutionPlan plan = new ExecutionPlan(g.snapshot()).withDevice(device).withGridScheduler(grid)) {
            plan.execute();
        }
        for (int gr = 0; gr < groups; gr++) {
            int sum = 0;
            for (int i = gr * 64; i < (gr + 1) * 64; i++) {
                sum += in.get(i);
            }
            assertEquals(sum, out.get(gr), "group " + gr);
        }
    }
}
