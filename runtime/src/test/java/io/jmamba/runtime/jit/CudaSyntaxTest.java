package io.jmamba.runtime.jit;

import io.jmamba.runtime.api.Specialize;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * CUDA C output without NVRTC: structural checks, and a real C++ syntax check with the host g++ and a
 * small shim that declares the CUDA built-ins (skipped with a reason when g++ is missing).
 */
class CudaSyntaxTest {
    private static final String SHIM = """
            #include <cmath>
            using std::isnan; using std::isinf; using std::isfinite; using std::signbit;
            #define __global__
            #define __device__
            #define __shared__
            struct jm_uint3 { unsigned x, y, z; };
            static jm_uint3 blockIdx, blockDim, threadIdx, gridDim;
            static void __syncthreads() {}
            template <class T> T atomicAdd(T* p, T v) { T o = *p; *p += v; return o; }
            int __float_as_int(float); float __int_as_float(int); float __uint_as_float(unsigned); unsigned __float_as_uint(float);
            long long __double_as_longlong(double); double __longlong_as_double(long long);
            int __popc(unsigned); int __popcll(unsigned long long); int __clz(int); int __clzll(long long);
            float rsqrtf(float); double rsqrt(double);
            #include <cstddef>
            size_t __cvta_generic_to_shared(const void*);
            struct __half { unsigned short x; };
            float __half2float(__half); __half __float2half_rn(float);
            struct float4 { float x, y, z, w; }; struct uint2 { unsigned x, y; }; struct int4 { int x, y, z, w; };
            float4 make_float4(float, float, float, float); uint2 make_uint2(unsigned, unsigned);
            template <class T> T __shfl_sync(unsigned, T, int); template <class T> T __shfl_xor_sync(unsigned, T, int);
            template <class T> T __shfl_up_sync(unsigned, T, unsigned); template <class T> T __shfl_down_sync(unsigned, T, unsigned);
            """;

    /** Sample kernels are the void methods without Java-array parameters (those are device functions). */
    static boolean isKernel(Method m) {
        return m.getReturnType() == void.class
                && java.util.Arrays.stream(m.getParameterTypes()).noneMatch(Class::isArray);
    }

    /** Values for a sample kernel's @Specialize parameters. */
    static Map<Integer, Object> specialisation(Method m) {
        Map<Integer, Object> spec = new HashMap<>();
        Parameter[] ps = m.getParameters();
        for (int i = 0; i < ps.length; i++) {
            if (ps[i].isAnnotationPresent(Specialize.class)) {
                Class<?> t = ps[i].getType();
                spec.put(i, t == boolean.class ? (Object) true : t == float.class ? (Object) 0.5f
                        : t == long.class ? (Object) 3L : (Object) 4);
            }
        }
        return spec;
    }

    @Test
    void cudaDialectUsesCudaBuiltins() {
        String reduce = KernelJit.compile(PoclExecutionTest.method("reduce"), Map.of(), Dialect.CUDA).source();
        assertTrue(reduce.contains("extern \"C\" __global__ void SampleKernels_reduce(float* in, long long in_size,"), reduce);
        assertTrue(reduce.contains("__shared__ __attribute__((aligned(16))) float tile[64];"), reduce);
        assertTrue(reduce.contains("__syncthreads();"), reduce);
        assertTrue(reduce.contains("((int)(blockIdx.x * blockDim.x + threadIdx.x))"), reduce);
        assertTrue(reduce.contains("atomicAdd(&count[0], 1)"), reduce);
        assertFalse(reduce.contains("__global ") || reduce.contains("__local ") || reduce.contains("get_global_id"), reduce);

        String priv = KernelJit.compile(PoclExecutionTest.method("privateState"), Map.of(2, 4), Dialect.CUDA).source();
        assertTrue(priv.contains("static __device__ float SampleKernels_dot(float* v, long long v_size"), priv);

        String half = KernelJit.compile(PoclExecutionTest.method("halves"), Map.of(), Dialect.CUDA).source();
        assertTrue(half.contains("#include <cuda_fp16.h>") && half.contains("__half* h")
                && half.contains("__half2float(h[i])") && half.contains("__float2half_rn("), half);

        String math = KernelJit.compile(PoclExecutionTest.method("mathFns"), Map.of(), Dialect.CUDA).source();
        assertTrue(math.contains("expf(") && math.contains("rsqrtf(") && math.contains("tanh(((double)x))"), math);
        assertFalse(math.contains("cl_khr_fp64"));
    }

    @Test
    void everySampleKernelIsValidCudaCpp() throws Exception {
        assertValidCudaCpp(java.util.Arrays.stream(SampleKernels.class.getDeclaredMethods()).filter(CudaSyntaxTest::isKernel).toList());
    }

    /** The conformance kernels of the bf16 storage type. */
    @Test
    void bf16KernelsAreValidCudaCpp() throws Exception {
        assertValidCudaCpp(conformanceKernels(io.jmamba.runtime.conformance.Bf16Kernels.class));
    }

    /** The conformance kernels of the warp operations. */
    @Test
    void warpKernelsAreValidCudaCpp() throws Exception {
        assertValidCudaCpp(conformanceKernels(io.jmamba.runtime.conformance.WarpKernels.class));
    }

    /** The conformance kernels of the vector loads and stores. */
    @Test
    void vectorKernelsAreValidCudaCpp() throws Exception {
        assertValidCudaCpp(conformanceKernels(io.jmamba.runtime.conformance.VectorKernels.class));
    }

    /** The conformance kernels of the warp MMA (inline PTX: g++ checks the asm statement's syntax only). */
    @Test
    void mmaKernelsAreValidCudaCpp() throws Exception {
        assertValidCudaCpp(conformanceKernels(io.jmamba.runtime.conformance.MmaKernels.class));
    }

    /** The conformance kernels of the register-fragment MMA, pairs and tf32 rounding. */
    @Test
    void fragMmaKernelsAreValidCudaCpp() throws Exception {
        assertValidCudaCpp(conformanceKernels(io.jmamba.runtime.conformance.FragMmaKernels.class));
    }

    /**
     * The asynchronous-copy and ldmatrix kernels, twice: as the host sees them (no __CUDA_ARCH__: the plain-C
     * fallbacks) and as sm_90 device code (the inline PTX: g++ checks the asm statements' syntax only).
     */
    @Test
    void asyncCopyAndMatrixLoadKernelsAreValidCudaCpp() throws Exception {
        java.util.List<Method> kernels = new java.util.ArrayList<>(conformanceKernels(io.jmamba.runtime.conformance.AsyncCopyKernels.class));
        kernels.addAll(conformanceKernels(io.jmamba.runtime.conformance.MatrixLoadKernels.class));
        assertValidCudaCpp(kernels);
        assertValidCudaCpp(kernels, "-D__CUDA_ARCH__=900");
    }

    /** The public static void methods of a conformance class (its kernels; helpers are private). */
    static java.util.List<Method> conformanceKernels(Class<?> c) {
        return java.util.Arrays.stream(c.getDeclaredMethods())
                .filter(m -> java.lang.reflect.Modifier.isPublic(m.getModifiers()) && m.getReturnType() == void.class)
                .toList();
    }

    /** Compiles each kernel to CUDA C and has g++ check it as C++17 against the shim of CUDA built-ins. */
    static void assertValidCudaCpp(java.util.List<Method> kernels, String... extraFlags) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/g++")), "skipped: no g++ for the CUDA C syntax check");
        Path dir = Files.createTempDirectory("jmamba-cuda");
        try {
            for (Method m : kernels) {
                String src = KernelJit.compile(m, specialisation(m), Dialect.CUDA).source()
                        .replace("#include <cuda_fp16.h>", "");
                Path file = dir.resolve(m.getName() + ".cpp");
                Files.writeString(file, SHIM + src);
                java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of("g++", "-std=c++17", "-fsyntax-only",
                        "-Wall", "-Wno-unused-label", "-Wno-unused-variable", "-Wno-unused-but-set-variable", "-Wno-unknown-pragmas",
                        "-Werror"));
                command.addAll(java.util.List.of(extraFlags));
                command.add(file.toString());
                Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
                String log = new String(p.getInputStream().readAllBytes());
                assertTrue(p.waitFor(60, TimeUnit.SECONDS));
                assertEquals(0, p.exitValue(), () -> m.getName() + ":\n" + log + "\n--- source ---\n" + src);
            }
        } finally {
            deleteAll(dir);
        }
    }

    private static void deleteAll(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
        Files.delete(dir);
    }
}
