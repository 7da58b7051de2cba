package io.jmamba.runtime.backend.opencl;

import io.jmamba.runtime.backend.ffm.NativeLibrary;

/**
 * The OpenCL entry points jmamba uses, bound once per loaded libOpenCL (the ICD loader, which
 * dispatches to every installed platform: PoCL, NVIDIA, ...).
 */
record OpenCl(NativeLibrary library,
              ClPlatformApi platforms,
              ClContextApi contexts,
              ClBufferApi buffers,
              ClProgramApi programs,
              ClKernelApi kernels,
              ClEventApi events) {

    static OpenCl bind(NativeLibrary lib) {
        return new OpenCl(lib, new ClPlatformApi(lib), new ClContextApi(lib), new ClBufferApi(lib),
                new ClProgramApi(lib), new ClKernelApi(lib), new ClEventApi(lib));
    }
}
