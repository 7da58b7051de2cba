package io.jmamba.runtime.jit;

/** The C dialect the emitter writes. Both come from the same IR and emitter. */
public enum Dialect {
    /** OpenCL C 1.2 (with cl_khr_fp64 and 64-bit atomics where the device has them). */
    OPENCL,
    /** CUDA C++ for NVRTC; kernels are {@code extern "C" __global__}. */
    CUDA
}
