package io.jmamba.runtime.backend.cuda;

import java.util.List;

/**
 * The three CUDA libraries jmamba uses, each looked up once per process: the driver (libcuda.so.1,
 * which the NVIDIA driver installs), NVRTC (libnvrtc.so.N, from the CUDA toolkit) and cuBLAS
 * (libcublas.so.N). System properties {@code jmamba.cuda.libcuda}, {@code jmamba.cuda.libnvrtc} and
 * {@code jmamba.cuda.libcublas} may name the files.
 */
final class CudaLibraries {
    private CudaLibraries() {
    }

    private static final class Driver {
        static final NativeLibraryFinder.Result RESULT = NativeLibraryFinder.find("the CUDA driver library",
                "jmamba.cuda.libcuda", List.of("libcuda.so.1", "libcuda.so"), "libcuda.so.");
    }

    private static final class NvrtcLib {
        static final NativeLibraryFinder.Result RESULT = NativeLibraryFinder.find("NVRTC (the CUDA run-time compiler)",
                "jmamba.cuda.libnvrtc", List.of("libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so"), "libnvrtc.so.");
    }

    private static final class CublasLib {
        static final NativeLibraryFinder.Result RESULT = NativeLibraryFinder.find("cuBLAS",
                "jmamba.cuda.libcublas", List.of("libcublas.so.13", "libcublas.so.12", "libcublas.so"), "libcublas.so.");
    }

    static NativeLibraryFinder.Result driver() {
        return Driver.RESULT;
    }

    static NativeLibraryFinder.Result nvrtc() {
        return NvrtcLib.RESULT;
    }

    static NativeLibraryFinder.Result cublas() {
        return CublasLib.RESULT;
    }
}
