package io.jmamba.runtime.backend.opencl;

/** The OpenCL 1.2 constants the bindings use (values from the Khronos cl.h headers). */
final class ClConstants {
    private ClConstants() {
    }

    static final int CL_SUCCESS = 0;
    static final int CL_TRUE = 1;

    // clGetPlatformInfo
    static final int CL_PLATFORM_PROFILE = 0x0900;
    static final int CL_PLATFORM_VERSION = 0x0901;
    static final int CL_PLATFORM_NAME = 0x0902;
    static final int CL_PLATFORM_VENDOR = 0x0903;

    // clGetDeviceIDs device types
    static final long CL_DEVICE_TYPE_CPU = 1L << 1;
    static final long CL_DEVICE_TYPE_GPU = 1L << 2;
    static final long CL_DEVICE_TYPE_ACCELERATOR = 1L << 3;
    static final long CL_DEVICE_TYPE_ALL = 0xFFFFFFFFL;

    // clGetDeviceInfo
    static final int CL_DEVICE_TYPE = 0x1000;
    static final int CL_DEVICE_MAX_COMPUTE_UNITS = 0x1002;
    static final int CL_DEVICE_MAX_WORK_GROUP_SIZE = 0x1004;
    static final int CL_DEVICE_MAX_MEM_ALLOC_SIZE = 0x1010;
    static final int CL_DEVICE_SINGLE_FP_CONFIG = 0x101B;
    static final int CL_DEVICE_GLOBAL_MEM_SIZE = 0x101F;
    static final int CL_DEVICE_LOCAL_MEM_SIZE = 0x1023;
    static final int CL_DEVICE_AVAILABLE = 0x1027;
    static final int CL_DEVICE_COMPILER_AVAILABLE = 0x1028;
    static final int CL_DEVICE_NAME = 0x102B;
    static final int CL_DEVICE_VENDOR = 0x102C;
    static final int CL_DRIVER_VERSION = 0x102D;
    static final int CL_DEVICE_VERSION = 0x102F;
    static final int CL_DEVICE_EXTENSIONS = 0x1030;
    static final int CL_DEVICE_DOUBLE_FP_CONFIG = 0x1032;
    static final int CL_DEVICE_OPENCL_C_VERSION = 0x103D;

    // cl_device_fp_config bits
    static final long CL_FP_CORRECTLY_ROUNDED_DIVIDE_SQRT = 1L << 7;

    // contexts and queues
    static final long CL_CONTEXT_PLATFORM = 0x1084;
    static final long CL_QUEUE_PROFILING_ENABLE = 1L << 1;

    // buffers
    static final long CL_MEM_READ_WRITE = 1L;

    // programs
    static final int CL_PROGRAM_NUM_DEVICES = 0x1162;
    static final int CL_PROGRAM_BINARY_SIZES = 0x1165;
    static final int CL_PROGRAM_BINARIES = 0x1166;
    static final int CL_PROGRAM_BUILD_STATUS = 0x1181;
    static final int CL_PROGRAM_BUILD_LOG = 0x1183;

    // kernels
    static final int CL_KERNEL_WORK_GROUP_SIZE = 0x11B0;
    static final int CL_KERNEL_LOCAL_MEM_SIZE = 0x11B2;

    // events
    static final int CL_PROFILING_COMMAND_START = 0x1282;
    static final int CL_PROFILING_COMMAND_END = 0x1283;
}
