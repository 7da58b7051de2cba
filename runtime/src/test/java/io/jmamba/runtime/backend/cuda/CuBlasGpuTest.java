package io.jmamba.runtime.backend.cuda;

import io.jmamba.runtime.backend.GraphCaptureSession;
import io.jmamba.runtime.backend.LaunchGrid;
import io.jmamba.runtime.graph.LibraryCall;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Random;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** cuBLAS GEMMs as library calls, against a float64 CPU reference on the same (rounded) inputs. */
@Tag("gpu")
class CuBlasGpuTest {
    private final Random random = new Random();

    @Test
    void sgemmAllTransposeCombinations() {
        CudaDevice d = CudaTestSupport.device();
        int m = 37, n = 29, k = 53;
        try (CudaSession s = d.openCudaSession(); Arena arena = Arena.ofConfined()) {
            for (boolean ta : new boolean[]{false, true}) {
                for (boolean tb : new boolean[]{false, true}) {
                    float[] a = randomFloats(m * k);
                    float[] b = randomFloats(k * n);
                    float[] c = randomFloats(m * n);
                    double[] ref = reference(a, b, c, m, n, k, 1, ta, tb, 1.5f, 0.25f);
                    float[] got = run(s, arena, CuBlas.sgemm(ta, tb, m, n, k, 1.5f, 0.25f), CuBlas.DataType.F32, CuBlas.DataType.F32, a, b, c);
                    assertRelError(ref, got, 1e-5, "sgemm transA=" + ta + " transB=" + tb);
                }
            }
        }
    }

    @Test
    void gemmExHalfAndBfloat16InputsWithFloatAccumulation() {
        CudaDevice d = CudaTestSupport.device();
        int m = 64, n = 48, k = 80;
        try (CudaSession s = d.openCudaSession(); Arena arena = Arena.ofConfined()) {
            for (CuBlas.DataType in : new CuBlas.DataType[]{CuBlas.DataType.F16, CuBlas.DataType.BF16}) {
                float[] a = round(randomFloats(m * k), in);
                float[] b = round(randomFloats(k * n), in);
                float[] c = new float[m * n];
                double[] ref = reference(a, b, c, m, n, k, 1, false, true, 1f, 0f);
                float[] got = run(s, arena, CuBlas.gemmEx(false, true, m, n, k, 1f, 0f, in, CuBlas.DataType.F32), in, CuBlas.DataType.F32, a, b, c);
                // inputs are exactly representable, accumulation is fp32: only summation order differs
                assertRelError(ref, got, 1e-5, "gemmEx " + in + " -> F32");
            }
            float[] a = round(randomFloats(m * k), CuBlas.DataType.F16);
            float[] b = round(randomFloats(k * n), CuBlas.DataType.F16);
            double[] ref = reference(a, b, new float[m * n], m, n, k, 1, false, false, 1f, 0f);
            float[] got = run(s, arena, CuBlas.gemmEx(false, false, m, n, k, 1f, 0f, CuBlas.DataType.F16, CuBlas.DataType.F16),
                    CuBlas.DataType.F16, CuBlas.DataType.F16, a, b, new float[m * n]);
            assertRelError(ref, got, 2e-3, "gemmEx F16 -> F16 (output rounded to half)");
        }
    }

    @Test
    void stridedBatchedGemm() {
        CudaDevice d = CudaTestSupport.device();
        int m = 16, n = 24, k = 40, batch = 5;
        try (CudaSession s = d.openCudaSession(); Arena arena = Arena.ofConfined()) {
            float[] a = round(randomFloats(batch * m * k), CuBlas.DataType.BF16);
            float[] b = round(randomFloats(batch * k * n), CuBlas.DataType.BF16);
            float[] c = new float[batch * m * n];
            double[] ref = reference(a, b, c, m, n, k, batch, true, false, 2f, 0f);
            float[] got = run(s, arena, CuBlas.gemmStridedBatched(true, false, m, n, k, batch, 2f, 0f, CuBlas.DataType.BF16,
                    CuBlas.DataType.F32), CuBlas.DataType.BF16, CuBlas.DataType.F32, a, b, c);
            assertRelError(ref, got, 1e-5, "strided batched bf16");
            float[] a32 = randomFloats(batch * m * k);
            float[] b32 = randomFloats(batch * k * n);
            ref = reference(a32, b32, c, m, n, k, batch, false, true, 1f, 0f);
            got = run(s, arena, CuBlas.gemmStridedBatched(false, true, m, n, k, batch, 1f, 0f, CuBlas.DataType.F32,
                    CuBlas.DataType.F32), CuBlas.DataType.F32, CuBlas.DataType.F32, a32, b32, c);
            assertRelError(ref, got, 1e-5, "strided batched fp32");
        }
    }

    @Test
    void gemmSharesBuffersWithAKernelAndIsRecordedInAGraph() {
        CudaDevice d = CudaTestSupport.device();
        int m = 128, n = 64, k = 96;
        try (CudaSession s = d.openCudaSession(); Arena arena = Arena.ofConfined()) {
            float[] a = randomFloats(m * k);
            float[] b = randomFloats(k * n);
            float[] bias = randomFloats(m * n);
            CudaBuffer da = upload(s, arena, a, CuBlas.DataType.F32);
            CudaBuffer db = upload(s, arena, b, CuBlas.DataType.F32);
            CudaBuffer dc = s.allocate(4L * m * n);
            CudaBuffer dbias = upload(s, arena, bias, CuBlas.DataType.F32);
            CudaKernel axpy = s.compileGenerated(CudaTestSupport.axpy());
            LibraryCall gemm = CuBlas.sgemm(false, false, m, n, k, 1f, 0f);
            gemm.run(s, List.of(da, db, dc)); // a first, eager run creates the cuBLAS handle (as a plan's first execution does)
            s.beginCapture();
            gemm.run(s, List.of(da, db, dc));                        // C = A B
            s.launch(axpy, new LaunchGrid(new long[]{m * n}, null), new Object[]{dbias, dc, 3f}, false); // C += 3 bias
            GraphCaptureSession.CapturedGraph g = s.endCapture();
            s.fill(dc, (byte) 0x7f); // garbage: the replay must overwrite it
            g.replay();
            s.synchronize();
            MemorySegment out = arena.allocate(4L * m * n);
            s.read(dc, 0, out);
            double[] ref = reference(a, b, new float[m * n], m, n, k, 1, false, false, 1f, 0f);
            for (int i = 0; i < ref.length; i++) {
                ref[i] += 3.0 * bias[i];
            }
            assertRelError(ref, out.toArray(JAVA_FLOAT), 1e-5, "graph of sgemm + axpy");
        }
    }

    @Test
    void tooSmallBufferIsNamedWithItsShape() {
        CudaDevice d = CudaTestSupport.device();
        try (CudaSession s = d.openCudaSession()) {
            CudaBuffer a = s.allocate(4 * 8 * 4);
            CudaBuffer b = s.allocate(4 * 4 * 8 - 4);
            CudaBuffer c = s.allocate(4 * 8 * 8);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> CuBlas.sgemm(false, false, 8, 8, 4, 1f, 0f).run(s, List.of(a, b, c)));
            assertTrue(e.getMessage().contains("B must hold 1 x 4 x 8 F32 elements (128 bytes), its buffer has 124 bytes"), e.getMessage());
        }
    }

    /** Uploads, runs the call, downloads C (converted to float). */
    private float[] run(CudaSession s, Arena arena, LibraryCall call, CuBlas.DataType in, CuBlas.DataType out,
                        float[] a, float[] b, float[] c) {
        CudaBuffer da = upload(s, arena, a, in);
        CudaBuffer db = upload(s, arena, b, in);
        CudaBuffer dc = upload(s, arena, c, out);
        call.run(s, List.of(da, db, dc));
        MemorySegment back = arena.allocate(dc.byteSize());
        s.read(dc, 0, back);
        float[] r = new float[c.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = switch (out) {
                case F32 -> back.getAtIndex(JAVA_FLOAT, i);
                case F16 -> Float.float16ToFloat(back.getAtIndex(JAVA_SHORT, i));
                case BF16 -> Float.intBitsToFloat((back.getAtIndex(JAVA_SHORT, i) & 0xffff) << 16);
            };
        }
        return r;
    }

    private static CudaBuffer upload(CudaSession s, Arena arena, float[] v, CuBlas.DataType type) {
        MemorySegment m = arena.allocate((long) v.length * (type == CuBlas.DataType.F32 ? 4 : 2));
        for (int i = 0; i < v.length; i++) {
            switch (type) {
                case F32 -> m.setAtIndex(JAVA_FLOAT, i, v[i]);
                case F16 -> m.setAtIndex(JAVA_SHORT, i, Float.floatToFloat16(v[i]));
                case BF16 -> m.setAtIndex(JAVA_SHORT, i, (short) (Float.floatToRawIntBits(v[i]) >>> 16));
            }
        }
        CudaBuffer b = s.allocate(m.byteSize());
        s.write(b, 0, m);
        return b;
    }

    /** Values rounded to what {@code type} holds, so that the device sees exactly the reference's inputs. */
    private static float[] round(float[] v, CuBlas.DataType type) {
        float[] r = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            r[i] = switch (type) {
                case F32 -> v[i];
                case F16 -> Float.float16ToFloat(Float.floatToFloat16(v[i]));
                case BF16 -> Float.intBitsToFloat(Float.floatToRawIntBits(v[i]) & 0xffff0000); // truncation is exact to store
            };
        }
        return r;
    }

    /** Row-major reference in float64: C = alpha op(A) op(B) + beta C, per batch. */
    private static double[] reference(float[] a, float[] b, float[] c, int m, int n, int k, int batch,
                                      boolean ta, boolean tb, float alpha, float beta) {
        double[] out = new double[batch * m * n];
        for (int p = 0; p < batch; p++) {
            int ao = p * m * k, bo = p * k * n, co = p * m * n;
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double sum = 0;
                    for (int l = 0; l < k; l++) {
                        double av = ta ? a[ao + l * m + i] : a[ao + i * k + l];
                        double bv = tb ? b[bo + j * k + l] : b[bo + l * n + j];
                        sum += av * bv;
                    }
                    out[co + i * n + j] = alpha * sum + beta * (double) c[co + i * n + j];
                }
            }
        }
        return out;
    }

    private static void assertRelError(double[] ref, float[] got, double tol, String what) {
        double num = 0, den = 0;
        for (int i = 0; i < ref.length; i++) {
            assertTrue(!Float.isNaN(got[i]), what + ": NaN at " + i);
            num += (got[i] - ref[i]) * (got[i] - ref[i]);
            den += ref[i] * ref[i];
        }
        double rel = Math.sqrt(num / den);
        assertTrue(rel < tol, what + ": relative error " + rel + " >= " + tol);
    }

    private float[] randomFloats(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = random.nextFloat() * 2 - 1;
        }
        return v;
    }
}
