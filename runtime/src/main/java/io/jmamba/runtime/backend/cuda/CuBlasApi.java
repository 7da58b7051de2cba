package io.jmamba.runtime.backend.cuda;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

import static io.jmamba.runtime.backend.cuda.Ffm.fd;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * FFM bindings to cuBLAS (libcublas.so.N), the few functions jmamba calls. Device pointers are passed
 * as 64-bit integers (the same registers as a pointer), alpha and beta as host pointers (cuBLAS's
 * default pointer mode). Loading this class loads the library: check {@link CudaLibraries#cublas()} first.
 */
final class CuBlasApi {
    static final int OP_N = 0;
    static final int OP_T = 1;
    static final int COMPUTE_32F = 68;
    /** CUBLAS_COMPUTE_32F_FAST_TF32: fp32 data, inputs rounded to TF32 for the tensor cores, fp32 accumulation. */
    static final int COMPUTE_32F_FAST_TF32 = 77;
    static final int GEMM_DEFAULT = -1;

    private static final SymbolLookup LIB = CudaLibraries.cublas().require().lookup();

    private static MethodHandle fn(FunctionDescriptor d, String name) {
        return Ffm.fn(LIB, "libcublas", d, name);
    }

    private static final MethodHandle CREATE = fn(fd(JAVA_INT, ADDRESS), "cublasCreate_v2");
    private static final MethodHandle DESTROY = fn(fd(JAVA_INT, ADDRESS), "cublasDestroy_v2");
    private static final MethodHandle SET_STREAM = fn(fd(JAVA_INT, ADDRESS, ADDRESS), "cublasSetStream_v2");
    private static final MethodHandle STATUS_NAME = fn(fd(ADDRESS, JAVA_INT), "cublasGetStatusName");
    private static final MethodHandle SGEMM = fn(fd(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
            ADDRESS, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT), "cublasSgemm_v2");
    private static final MethodHandle GEMM_EX = fn(fd(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
            ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT,
            JAVA_INT, JAVA_INT), "cublasGemmEx");
    private static final MethodHandle GEMM_STRIDED_BATCHED_EX = fn(fd(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT,
            JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_LONG,
            ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT), "cublasGemmStridedBatchedEx");

    private CuBlasApi() {
    }

    static void check(String call, int status) {
        if (status != 0) {
            throw new CudaException(call, status, statusName(status));
        }
    }

    static String statusName(int status) {
        try {
            return Ffm.cString((MemorySegment) STATUS_NAME.invokeExact(status));
        } catch (Throwable t) {
            return "cublasStatus_t " + status;
        }
    }

    static MemorySegment create(MemorySegment out) {
        try {
            check("cublasCreate_v2", (int) CREATE.invokeExact(out));
            return out.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    static void destroy(MemorySegment handle) {
        try {
            check("cublasDestroy_v2", (int) DESTROY.invokeExact(handle));
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    static void setStream(MemorySegment handle, MemorySegment stream) {
        try {
            check("cublasSetStream_v2", (int) SET_STREAM.invokeExact(handle, stream));
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    static void sgemm(MemorySegment h, int ta, int tb, int m, int n, int k, MemorySegment alpha, long a, int lda,
                      long b, int ldb, MemorySegment beta, long c, int ldc) {
        try {
            check("cublasSgemm_v2", (int) SGEMM.invokeExact(h, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc));
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    static void gemmEx(MemorySegment h, int ta, int tb, int m, int n, int k, MemorySegment alpha, long a, int aType, int lda,
                       long b, int bType, int ldb, MemorySegment beta, long c, int cType, int ldc, int computeType, int algo) {
        try {
            check("cublasGemmEx", (int) GEMM_EX.invokeExact(h, ta, tb, m, n, k, alpha, a, aType, lda, b, bType, ldb, beta,
                    c, cType, ldc, computeType, algo));
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }

    static void gemmStridedBatchedEx(MemorySegment h, int ta, int tb, int m, int n, int k, MemorySegment alpha,
                                     long a, int aType, int lda, long strideA, long b, int bType, int ldb, long strideB,
                                     MemorySegment beta, long c, int cType, int ldc, long strideC, int batch,
                                     int computeType, int algo) {
        try {
            check("cublasGemmStridedBatchedEx", (int) GEMM_STRIDED_BATCHED_EX.invokeExact(h, ta, tb, m, n, k, alpha, a, aType,
                    lda, strideA, b, bType, ldb, strideB, beta, c, cType, ldc, strideC, batch, computeType, algo));
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }
}
