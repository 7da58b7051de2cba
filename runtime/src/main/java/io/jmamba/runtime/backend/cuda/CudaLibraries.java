package io.jmamba.runtime.backend.cuda;

import io.jmamba.runtime.backend.ffm.NativeLibrary;
import io.jmamba.runtime.backend.ffm.NativeLibraryLocator;

import java.util.List;

/**
 * The three CUDA libraries jmamba uses, each looked up once per process through the project's
 * {@link NativeLibraryLocator}: the driver (libcuda.so.1, installed with the NVIDIA driver), NVRTC
 * (libnvrtc.so.N, from the CUDA toolkit) and cuBLAS (libcublas.so.N). Newer versions are preferred.
 */
final class CudaLibraries {
    private CudaLibraries() {
    }

    /** A library, or why there is none (what was looked for and where). */
    record Lookup(NativeLibrary library, String missing) {
        boolean found() {
            return library != null;
        }

        NativeLibrary require() {
            if (library == null) {
                throw new IllegalStateException(missing);
            }
            return library;
        }

        static Lookup of(String what, List<String> names) {
            return switch (NativeLibraryLocator.locate(what, names)) {
                case NativeLibraryLocator.Found f -> new Lookup(f.library(), null);
                case NativeLibraryLocator.Missing m -> new Lookup(null, m.message());
            };
        }
    }

    private static final class Driver {
        static final Lookup LIB = Lookup.of("the CUDA driver library", List.of("libcuda.so.1", "libcuda.so"));
    }

    private static final class NvrtcLib {
        static final Lookup LIB = Lookup.of("NVRTC (the CUDA run-time compiler)",
                List.of("libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.*", "libnvrtc.so"));
    }

    private static final class CublasLib {
        static final Lookup LIB = Lookup.of("cuBLAS", List.of("libcublas.so.13", "libcublas.so.12", "libcublas.so.*", "libcublas.so"));
    }

    static Lookup driver() {
        return Driver.LIB;
    }

    static Lookup nvrtc() {
        return NvrtcLib.LIB;
    }

    static Lookup cublas() {
        return CublasLib.LIB;
    }
}
