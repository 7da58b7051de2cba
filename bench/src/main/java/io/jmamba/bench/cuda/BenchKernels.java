package io.jmamba.bench.cuda;

import io.jmamba.runtime.jit.Dialect;
import io.jmamba.runtime.jit.GeneratedKernel;
import io.jmamba.runtime.jit.KernelParam;
import io.jmamba.runtime.jit.ParallelLoop;

import java.util.List;

/**
 * Hand-written CUDA C in the JIT's calling convention (array -> pointer + long size), for the
 * benchmark's baselines and for when the JIT is not in the build.
 */
final class BenchKernels {
    /** What the JIT reports for one @Parallel loop: the kernels below are grid-stride loops too. */
    static final List<ParallelLoop> GRID_STRIDE = List.of(new ParallelLoop(0, new ParallelLoop.Bound.Unknown()));

    private BenchKernels() {
    }

    static KernelParam array(int i, String name, String type) {
        return new KernelParam(i, name, KernelParam.Kind.ARRAY, type);
    }

    static KernelParam scalar(int i, String name, String type) {
        return new KernelParam(i, name, KernelParam.Kind.SCALAR, type);
    }

    /** The same grid-stride loop the JIT writes for a @Parallel loop. */
    static GeneratedKernel axpy(String nonce) {
        return new GeneratedKernel("axpy", "// " + nonce + "\n" + """
                extern "C" __global__ void axpy(float* x, long x_size, float* y, long y_size, float a) {
                    for (long i = blockIdx.x * (long) blockDim.x + threadIdx.x; i < y_size; i += (long) gridDim.x * blockDim.x) {
                        y[i] = a * x[i] + y[i];
                    }
                }
                """, Dialect.CUDA, List.of(array(0, "x", "float"), array(1, "y", "float"), scalar(2, "a", "float")),
                GRID_STRIDE, false, false, 0);
    }

    static GeneratedKernel copy() {
        return new GeneratedKernel("copy_kernel", """
                extern "C" __global__ void copy_kernel(float* x, long x_size, float* y, long y_size) {
                    for (long i = blockIdx.x * (long) blockDim.x + threadIdx.x; i < y_size; i += (long) gridDim.x * blockDim.x) {
                        y[i] = x[i];
                    }
                }
                """, Dialect.CUDA, List.of(array(0, "x", "float"), array(1, "y", "float")), GRID_STRIDE, false, false, 0);
    }

    /** Copy with 16-byte loads and stores: the ceiling a vectorising JIT could reach. */
    static GeneratedKernel copy4() {
        return new GeneratedKernel("copy4", """
                extern "C" __global__ void copy4(float* x, long x_size, float* y, long y_size) {
                    const float4* __restrict__ src = (const float4*) x;
                    float4* __restrict__ dst = (float4*) y;
                    long n4 = y_size / 4;
                    for (long i = blockIdx.x * (long) blockDim.x + threadIdx.x; i < n4; i += (long) gridDim.x * blockDim.x) {
                        dst[i] = src[i];
                    }
                }
                """, Dialect.CUDA, List.of(array(0, "x", "float"), array(1, "y", "float")), GRID_STRIDE, false, false, 0);
    }

    static GeneratedKernel empty() {
        return new GeneratedKernel("empty_kernel", "extern \"C\" __global__ void empty_kernel() { }\n", Dialect.CUDA,
                List.of(), List.of(), false, false, 0);
    }

    /** Fills with hash-based pseudo-random values in [-1, 1) (never zeros: zeros can make GEMMs look faster). */
    static GeneratedKernel randomFloats() {
        return new GeneratedKernel("random_floats", """
                extern "C" __global__ void random_floats(float* x, long x_size, int seed) {
                    for (long i = blockIdx.x * (long) blockDim.x + threadIdx.x; i < x_size; i += (long) gridDim.x * blockDim.x) {
                        unsigned int h = (unsigned int) i * 2654435761u ^ (unsigned int) seed * 40503u;
                        h ^= h >> 15; h *= 2246822519u; h ^= h >> 13; h *= 3266489917u; h ^= h >> 16;
                        x[i] = (h >> 8) * (2.0f / 16777216.0f) - 1.0f;
                    }
                }
                """, Dialect.CUDA, List.of(array(0, "x", "float"), scalar(1, "seed", "int")), GRID_STRIDE, false, false, 0);
    }

    /** bf16 copy of a float array (round to nearest even). */
    static GeneratedKernel toBf16() {
        return new GeneratedKernel("to_bf16", """
                extern "C" __global__ void to_bf16(float* x, long x_size, unsigned short* y, long y_size) {
                    for (long i = blockIdx.x * (long) blockDim.x + threadIdx.x; i < y_size; i += (long) gridDim.x * blockDim.x) {
                        unsigned int b = __float_as_uint(x[i]);
                        y[i] = (unsigned short) ((b + 0x7fffu + ((b >> 16) & 1u)) >> 16);
                    }
                }
                """, Dialect.CUDA, List.of(array(0, "x", "float"), array(1, "y", "half")), GRID_STRIDE, false, false, 0);
    }

    /** fp16 copy of a float array. */
    static GeneratedKernel toF16() {
        return new GeneratedKernel("to_f16", """
                #include <cuda_fp16.h>
                extern "C" __global__ void to_f16(float* x, long x_size, __half* y, long y_size) {
                    for (long i = blockIdx.x * (long) blockDim.x + threadIdx.x; i < y_size; i += (long) gridDim.x * blockDim.x) {
                        y[i] = __float2half_rn(x[i]);
                    }
                }
                """, Dialect.CUDA, List.of(array(0, "x", "float"), array(1, "y", "half")), GRID_STRIDE, false, false, 0);
    }

    /** A larger kernel for compile timing: a selective-scan-like recurrence with exp and a loop. */
    static GeneratedKernel scanLike(String nonce) {
        return new GeneratedKernel("scan_like", "// " + nonce + "\n" + """
                __device__ float softplus(float v) { return v > 20.0f ? v : log1pf(expf(v)); }
                extern "C" __global__ void scan_like(float* u, long u_size, float* delta, long delta_size, float* A, long A_size,
                                                     float* out, long out_size, int L, int N) {
                    int d = blockIdx.x * blockDim.x + threadIdx.x;
                    float h[16];
                    for (int n = 0; n < 16; n++) h[n] = 0.0f;
                    for (int t = 0; t < L; t++) {
                        float dt = softplus(delta[(long) d * L + t]);
                        float x = u[(long) d * L + t];
                        float y = 0.0f;
                        #pragma unroll
                        for (int n = 0; n < 16; n++) {
                            h[n] = expf(dt * A[d * N + n]) * h[n] + dt * x;
                            y += h[n];
                        }
                        out[(long) d * L + t] = y;
                    }
                }
                """, Dialect.CUDA, List.of(array(0, "u", "float"), array(1, "delta", "float"), array(2, "A", "float"),
                array(3, "out", "float"), scalar(4, "L", "int"), scalar(5, "N", "int")), List.of(), false, false, 0);
    }
}
