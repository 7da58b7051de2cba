package io.jmamba.runtime.backend.cuda;

import io.jmamba.runtime.backend.DeviceMatrix;
import io.jmamba.runtime.jit.Dialect;
import io.jmamba.runtime.jit.GeneratedKernel;
import io.jmamba.runtime.jit.KernelParam;
import io.jmamba.runtime.jit.ParallelLoop;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.util.List;

/** Finds the CUDA device for GPU tests (skipping with the reason when there is none) and holds hand-written kernels. */
final class CudaTestSupport {
    /** What the JIT reports for one @Parallel loop: the kernels below are grid-stride loops too. */
    static final List<ParallelLoop> GRID_STRIDE = List.of(new ParallelLoop(0, new ParallelLoop.Bound.Unknown()));

    private static final CudaBackend BACKEND = new CudaBackend();

    private CudaTestSupport() {
    }

    /** The first CUDA device; skips the test with the reason, or fails it when JMAMBA_REQUIRE_BACKENDS names cuda. */
    static CudaDevice device() {
        if (BACKEND.devices().isEmpty()) {
            String reason = BACKEND.unavailableReason().orElse("no CUDA device");
            if (DeviceMatrix.requiredBackends().contains("cuda")) {
                Assertions.fail("cuda is required (JMAMBA_REQUIRE_BACKENDS) but unavailable: " + reason);
            }
            System.out.println("skipping CUDA GPU test: " + reason);
            Assumptions.abort("no CUDA device: " + reason);
        }
        return (CudaDevice) BACKEND.devices().getFirst();
    }

    static KernelParam array(int index, String name, String type) {
        return new KernelParam(index, name, KernelParam.Kind.ARRAY, type);
    }

    static KernelParam scalar(int index, String name, String type) {
        return new KernelParam(index, name, KernelParam.Kind.SCALAR, type);
    }

    /** y = a * x + y over a grid-stride loop, as the JIT writes a @Parallel loop. */
    static GeneratedKernel axpy() {
        String src = """
                extern "C" __global__ void axpy(float* x, long x_size, float* y, long y_size, float a) {
                    for (long i = blockIdx.x * (long) blockDim.x + threadIdx.x; i < y_size; i += (long) gridDim.x * blockDim.x) {
                        y[i] = a * x[i] + y[i];
                    }
                }
                """;
        return new GeneratedKernel("axpy", src, Dialect.CUDA,
                List.of(array(0, "x", "float"), array(1, "y", "float"), scalar(2, "a", "float")), GRID_STRIDE, false, false, 0);
    }

    /** Writes each scalar kind it gets into a long array, to check argument packing. */
    static GeneratedKernel scalars() {
        String src = """
                extern "C" __global__ void scalars(long* out, long out_size, int i, long l, double d, int flag, float f, char b) {
                    if (blockIdx.x == 0 && threadIdx.x == 0) {
                        out[0] = i; out[1] = l; out[2] = (long) (d * 4.0); out[3] = flag; out[4] = (long) (f * 8.0f);
                        out[5] = b; out[6] = out_size;
                    }
                }
                """;
        return new GeneratedKernel("scalars", src, Dialect.CUDA,
                List.of(array(0, "out", "long"), scalar(1, "i", "int"), scalar(2, "l", "long"), scalar(3, "d", "double"),
                        scalar(4, "flag", "boolean"), new KernelParam(5, "ctx", KernelParam.Kind.CONTEXT, "KernelContext"),
                        scalar(6, "f", "float"), new KernelParam(7, "n", KernelParam.Kind.SPECIALIZED, "int"),
                        scalar(8, "b", "byte")),
                List.of(), false, false, 0);
    }

    /** A KernelContext-style 2-D kernel: out[y * width + x] = x * 1000 + y, sizes from the grid. */
    static GeneratedKernel ids2d() {
        String src = """
                extern "C" __global__ void ids2d(int* out, long out_size) {
                    int gx = blockIdx.x * blockDim.x + threadIdx.x;
                    int gy = blockIdx.y * blockDim.y + threadIdx.y;
                    int width = gridDim.x * blockDim.x;
                    out[gy * width + gx] = gx * 1000 + gy;
                }
                """;
        return new GeneratedKernel("ids2d", src, Dialect.CUDA, List.of(array(0, "out", "int")), List.of(), true, false, 0);
    }

    static GeneratedKernel empty() {
        return new GeneratedKernel("empty_kernel", "extern \"C\" __global__ void empty_kernel() { }\n", Dialect.CUDA,
                List.of(), List.of(), false, false, 0);
    }
}
