package io.jmamba.runtime.backend.cuda;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.NativeArray;
import io.jmamba.runtime.backend.KernelRequest;
import io.jmamba.runtime.backend.LaunchGrid;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Java kernels end to end on the GPU: JIT -> CUDA C -> NVRTC -> PTX -> launch, against the Java method itself. */
@Tag("gpu")
class CudaJitGpuTest {
    private final Random random = new Random();

    @Test
    void parallelAxpyMatchesJava() throws Exception {
        CudaDevice d = CudaTestSupport.device();
        int n = 777_777;
        FloatArray x = randomArray(n);
        FloatArray y = randomArray(n);
        FloatArray expect = copyOf(y);
        CudaJitKernels.axpy(x, expect, 0.75f);
        try (CudaSession s = d.openCudaSession()) {
            CudaKernel k = s.compile(request("axpy", Map.of(), FloatArray.class, FloatArray.class, float.class));
            // No claim on the first compile's time: CudaPlanGpuTest may have built the same kernel earlier in
            // this process, and the process-wide caches then serve it (cold compile times are in CudaMicroBench).
            assertTrue(k.source().contains("__global__"), k.source());
            assertTrue(k.ptx().contains(".entry " + k.entryName()), "PTX is printable and names the entry");
            CudaBuffer dx = upload(s, x);
            CudaBuffer dy = upload(s, y);
            // fewer items than elements: the grid-stride loop covers the rest
            s.launch(k, new LaunchGrid(new long[]{100_000}, null), new Object[]{dx, dy, 0.75f}, false);
            assertClose(expect, download(s, dy, n), 1e-6);
            CudaKernel again = s.compile(request("axpy", Map.of(), FloatArray.class, FloatArray.class, float.class));
            assertEquals(0, again.compileNanos(), "second compile comes from the cache");
        }
    }

    @Test
    void twoDimensionalParallelNest() throws Exception {
        CudaDevice d = CudaTestSupport.device();
        int rows = 123, cols = 77;
        FloatArray in = randomArray(rows * cols);
        FloatArray expect = new FloatArray(rows * cols);
        CudaJitKernels.transposeScale(in, expect, rows, cols, 2.5f);
        try (CudaSession s = d.openCudaSession()) {
            CudaKernel k = s.compile(request("transposeScale", Map.of(), FloatArray.class, FloatArray.class, int.class, int.class, float.class));
            CudaBuffer din = upload(s, in);
            CudaBuffer dout = s.allocate(4L * rows * cols);
            s.fill(dout, (byte) 0xff);
            s.launch(k, new LaunchGrid(new long[]{rows, cols}, null), new Object[]{din, dout, rows, cols, 2.5f}, false);
            FloatArray got = download(s, dout, rows * cols);
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    // no contraction (Java semantics, NVRTC's --fmad=false): the same roundings as Java
                    assertEquals(expect.get(r * cols + c), got.get(r * cols + c), 0f, "element " + r + "," + c);
                }
            }
        }
    }

    @Test
    void localMemoryAndBarriers() throws Exception {
        CudaDevice d = CudaTestSupport.device();
        int groups = 300, local = 128;
        FloatArray in = randomArray(groups * local);
        try (CudaSession s = d.openCudaSession()) {
            CudaKernel k = s.compile(request("groupSum", Map.of(), KernelContext.class, FloatArray.class, FloatArray.class));
            CudaBuffer din = upload(s, in);
            CudaBuffer dout = s.allocate(4L * groups);
            s.launch(k, new LaunchGrid(new long[]{groups * local}, new long[]{local}), new Object[]{null, din, dout}, false);
            FloatArray out = download(s, dout, groups);
            for (int g = 0; g < groups; g++) {
                double sum = 0;
                for (int i = 0; i < local; i++) {
                    sum += in.get(g * local + i);
                }
                assertEquals(sum, out.get(g), 1e-4, "group " + g);
            }
        }
    }

    @Test
    void specialisedWidthAndAtomics() throws Exception {
        CudaDevice d = CudaTestSupport.device();
        int n = 10_000;
        FloatArray in = randomArray(n);
        FloatArray expect = new FloatArray(n);
        CudaJitKernels.windowSum(in, expect, 4);
        IntArray values = new IntArray(n);
        for (int i = 0; i < n; i++) {
            values.set(i, random.nextInt(1000));
        }
        int[] counts = new int[17];
        for (int i = 0; i < n; i++) {
            counts[values.get(i) % 17]++;
        }
        try (CudaSession s = d.openCudaSession()) {
            CudaKernel k = s.compile(request("windowSum", Map.of(2, 4), FloatArray.class, FloatArray.class, int.class));
            String signature = k.source().lines().filter(l -> l.contains("__global__")).findFirst().orElseThrow();
            assertTrue(!signature.contains("width"), "the specialised width is a literal, not a parameter: " + signature);
            CudaBuffer din = upload(s, in);
            CudaBuffer dout = s.allocate(4L * n);
            s.launch(k, new LaunchGrid(new long[]{n}, null), new Object[]{din, dout, 4}, false);
            assertClose(expect, download(s, dout, n), 1e-6);

            CudaKernel h = s.compile(request("histogram", Map.of(), KernelContext.class, IntArray.class, IntArray.class));
            CudaBuffer dv = upload(s, values);
            CudaBuffer dc = s.allocate(4L * 17);
            s.fill(dc, (byte) 0);
            s.launch(h, new LaunchGrid(new long[]{n}, null), new Object[]{null, dv, dc}, false);
            IntArray got = new IntArray(17);
            s.read(dc, 0, got.getSegment());
            assertArrayEquals(counts, got.toHeapArray());
        }
    }

    @Test
    void mathBuiltinsMatchJava() throws Exception {
        CudaDevice d = CudaTestSupport.device();
        int n = 50_000;
        FloatArray x = new FloatArray(n);
        for (int i = 0; i < n; i++) {
            x.set(i, random.nextFloat() * 60 - 30);
        }
        FloatArray expect = new FloatArray(n);
        CudaJitKernels.softplus(x, expect);
        try (CudaSession s = d.openCudaSession()) {
            CudaKernel k = s.compile(request("softplus", Map.of(), FloatArray.class, FloatArray.class));
            CudaBuffer dx = upload(s, x);
            CudaBuffer dy = s.allocate(4L * n);
            s.launch(k, new LaunchGrid(new long[]{n}, null), new Object[]{dx, dy}, false);
            FloatArray got = download(s, dy, n);
            for (int i = 0; i < n; i++) {
                float e = expect.get(i);
                assertEquals(e, got.get(i), 4 * Math.ulp(e) + 1e-7f, "softplus(" + x.get(i) + ")");
            }
        }
    }

    private static KernelRequest request(String name, Map<Integer, Object> spec, Class<?>... types) throws NoSuchMethodException {
        Method m = CudaJitKernels.class.getMethod(name, types);
        return new KernelRequest(m, spec);
    }

    private static CudaBuffer upload(CudaSession s, NativeArray a) {
        CudaBuffer b = s.allocate(a.byteSize());
        s.write(b, 0, a.getSegment());
        return b;
    }

    private static FloatArray download(CudaSession s, CudaBuffer b, int n) {
        FloatArray out = new FloatArray(n);
        s.read(b, 0, out.getSegment());
        return out;
    }

    private FloatArray randomArray(int n) {
        FloatArray a = new FloatArray(n);
        for (int i = 0; i < n; i++) {
            a.set(i, random.nextFloat() * 2 - 1);
        }
        return a;
    }

    private static FloatArray copyOf(FloatArray a) {
        FloatArray c = new FloatArray(a.getSize());
        c.copyFrom(a);
        return c;
    }

    private static void assertClose(FloatArray expect, FloatArray got, double tol) {
        for (long i = 0; i < expect.getSize(); i++) {
            float e = expect.get(i);
            float g = got.get(i);
            assertTrue(Math.abs(e - g) <= tol * Math.max(1, Math.abs(e)), "element " + i + ": expected " + e + ", got " + g);
        }
    }
}
