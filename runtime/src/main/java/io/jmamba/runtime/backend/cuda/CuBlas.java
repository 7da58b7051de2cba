package io.jmamba.runtime.backend.cuda;

import io.jmamba.runtime.backend.DeviceBuffer;
import io.jmamba.runtime.backend.DeviceSession;
import io.jmamba.runtime.graph.LibraryCall;

import java.util.List;

/**
 * cuBLAS GEMMs as task-graph library calls, on the same device buffers as JIT kernels.
 *
 * <p>Matrices are <b>row-major</b>, as Java code writes them: {@code C[m x n] = alpha * op(A) * op(B) +
 * beta * C}, where {@code op(A)} is {@code m x k} (A is stored {@code m x k}, or {@code k x m} when
 * {@code transA}) and {@code op(B)} is {@code k x n} (B stored {@code k x n}, or {@code n x k} when
 * {@code transB}). cuBLAS is column-major, so each call computes {@code C^T = op(B)^T op(A)^T}, which
 * has the same memory as row-major C; no data is moved.
 *
 * <p>Each factory returns a {@link LibraryCall} whose three arguments are the A, B and C arrays (their
 * device buffers when the task graph runs); the batched one takes {@code batch} matrices laid out one
 * after another in each array. The session must be a CUDA session; the call is issued on its stream,
 * so it is ordered with the kernels around it and is recorded when the session captures a CUDA graph.
 */
public final class CuBlas {
    /** Element types cuBLAS's Ex functions take (the cudaDataType_t value and the element size). */
    public enum DataType {
        F32(0, 4), F16(2, 2), BF16(14, 2);

        final int cudaValue;
        final int bytes;

        DataType(int cudaValue, int bytes) {
            this.cudaValue = cudaValue;
            this.bytes = bytes;
        }
    }

    private CuBlas() {
    }

    /** fp32 GEMM (cublasSgemm_v2, full fp32 arithmetic). */
    public static LibraryCall sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float beta) {
        Shape s = new Shape(transA, transB, m, n, k, 1, DataType.F32, DataType.F32);
        return (session, args) -> {
            Operands o = s.operands("sgemm", session, args);
            synchronized (o.session) { // one handle and one alpha/beta slot per session
                CuBlasHandle h = o.session.cublas();
                h.scalars(alpha, beta);
                CuBlasApi.sgemm(h.handle(), s.opB(), s.opA(), n, m, k, h.alpha, o.b, s.ldb(), o.a, s.lda(), h.beta, o.c, n);
            }
        };
    }

    /**
     * fp32 GEMM on the tensor cores: fp32 arrays, inputs rounded to TF32 (10-bit mantissa) inside the
     * multiply, fp32 accumulation (cublasGemmEx, CUBLAS_COMPUTE_32F_FAST_TF32). Faster than
     * {@link #sgemm} by several times on Ampere and later, at about 1e-3 relative error per product: an
     * opt-in, never a silent replacement for {@link #sgemm}.
     */
    public static LibraryCall sgemmTf32(boolean transA, boolean transB, int m, int n, int k, float alpha, float beta) {
        Shape s = new Shape(transA, transB, m, n, k, 1, DataType.F32, DataType.F32);
        return (session, args) -> {
            Operands o = s.operands("sgemmTf32", session, args);
            synchronized (o.session) {
                CuBlasHandle h = o.session.cublas();
                h.scalars(alpha, beta);
                CuBlasApi.gemmEx(h.handle(), s.opB(), s.opA(), n, m, k, h.alpha, o.b, DataType.F32.cudaValue, s.ldb(),
                        o.a, DataType.F32.cudaValue, s.lda(), h.beta, o.c, DataType.F32.cudaValue, n,
                        CuBlasApi.COMPUTE_32F_FAST_TF32, CuBlasApi.GEMM_DEFAULT);
            }
        };
    }

    /**
     * GEMM with {@code inputs}-typed A and B (F16 or BF16 for the tensor cores, or F32), an
     * {@code output}-typed C, and fp32 accumulation (cublasGemmEx, CUBLAS_COMPUTE_32F).
     */
    public static LibraryCall gemmEx(boolean transA, boolean transB, int m, int n, int k, float alpha, float beta,
                                     DataType inputs, DataType output) {
        Shape s = new Shape(transA, transB, m, n, k, 1, inputs, output);
        return (session, args) -> {
            Operands o = s.operands("gemmEx", session, args);
            synchronized (o.session) {
                CuBlasHandle h = o.session.cublas();
                h.scalars(alpha, beta);
                CuBlasApi.gemmEx(h.handle(), s.opB(), s.opA(), n, m, k, h.alpha, o.b, inputs.cudaValue, s.ldb(),
                        o.a, inputs.cudaValue, s.lda(), h.beta, o.c, output.cudaValue, n, CuBlasApi.COMPUTE_32F, CuBlasApi.GEMM_DEFAULT);
            }
        };
    }

    /**
     * {@code batch} independent GEMMs over consecutive matrices of A, B and C
     * (cublasGemmStridedBatchedEx, fp32 accumulation).
     */
    public static LibraryCall gemmStridedBatched(boolean transA, boolean transB, int m, int n, int k, int batch,
                                                 float alpha, float beta, DataType inputs, DataType output) {
        Shape s = new Shape(transA, transB, m, n, k, batch, inputs, output);
        return (session, args) -> {
            Operands o = s.operands("gemmStridedBatched", session, args);
            synchronized (o.session) {
                CuBlasHandle h = o.session.cublas();
                h.scalars(alpha, beta);
                CuBlasApi.gemmStridedBatchedEx(h.handle(), s.opB(), s.opA(), n, m, k, h.alpha,
                        o.b, inputs.cudaValue, s.ldb(), (long) k * n,
                        o.a, inputs.cudaValue, s.lda(), (long) m * k,
                        h.beta, o.c, output.cudaValue, n, (long) m * n, batch, CuBlasApi.COMPUTE_32F, CuBlasApi.GEMM_DEFAULT);
            }
        };
    }

    private record Operands(CudaSession session, long a, long b, long c) {
    }

    private record Shape(boolean transA, boolean transB, int m, int n, int k, int batch, DataType in, DataType out) {
        Shape {
            if (m < 1 || n < 1 || k < 1 || batch < 1) {
                throw new IllegalArgumentException("GEMM sizes must be positive: m=" + m + " n=" + n + " k=" + k + " batch=" + batch);
            }
        }

        int opA() {
            return transA ? CuBlasApi.OP_T : CuBlasApi.OP_N;
        }

        int opB() {
            return transB ? CuBlasApi.OP_T : CuBlasApi.OP_N;
        }

        /** Leading dimension of row-major A as cuBLAS sees it (the length of a stored row). */
        int lda() {
            return transA ? m : k;
        }

        int ldb() {
            return transB ? k : n;
        }

        Operands operands(String op, DeviceSession session, List<Object> args) {
            if (!(session instanceof CudaSession cs)) {
                throw new IllegalArgumentException("cuBLAS " + op + " needs a CUDA device, not " + session.device().id());
            }
            if (args.size() != 3) {
                throw new IllegalArgumentException("cuBLAS " + op + " takes three arrays (A, B, C), got " + args.size() + " arguments");
            }
            String aShape = batch + " x " + (transA ? k + " x " + m : m + " x " + k);
            String bShape = batch + " x " + (transB ? n + " x " + k : k + " x " + n);
            String cShape = batch + " x " + m + " x " + n;
            long a = pointer(op, cs, args.get(0), "A", aShape, (long) batch * m * k * in.bytes);
            long b = pointer(op, cs, args.get(1), "B", bShape, (long) batch * k * n * in.bytes);
            long c = pointer(op, cs, args.get(2), "C", cShape, (long) batch * m * n * out.bytes);
            cs.makeCurrent();
            return new Operands(cs, a, b, c);
        }

        private long pointer(String op, CudaSession s, Object arg, String name, String shape, long bytes) {
            if (!(arg instanceof DeviceBuffer db)) {
                throw new IllegalArgumentException("cuBLAS " + op + ": " + name + " must be a device buffer, got " + arg);
            }
            CudaBuffer b = s.own(db, "cuBLAS " + op);
            if (b.byteSize() < bytes) {
                throw new IllegalArgumentException("cuBLAS " + op + ": " + name + " must hold " + shape + " " + (name.equals("C") ? out : in)
                        + " elements (" + bytes + " bytes), its buffer has " + b.byteSize() + " bytes");
            }
            return b.devicePointer();
        }
    }
}
