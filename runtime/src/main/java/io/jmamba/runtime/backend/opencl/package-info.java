/**
 * The OpenCL backend, on libOpenCL.so.1 (the ICD loader) through the Foreign Function &amp; Memory API.
 *
 * <p>{@link io.jmamba.runtime.backend.opencl.OpenClBackend} lists every device of every platform (PoCL's
 * CPU device in CI, NVIDIA's OpenCL platform on the GPU machine) as "opencl:&lt;platform&gt;:&lt;device&gt;".
 * {@link io.jmamba.runtime.backend.opencl.OpenClSession} is a context with one in-order, profiling queue:
 * buffers (an out-of-memory becomes {@link io.jmamba.runtime.api.DeviceOutOfMemoryException}), program
 * builds from the JIT's OpenCL C (build failures carry the log and the numbered source), and launches.
 *
 * <p>The bindings are one small class per concern: {@code ClPlatformApi} (platform and device queries),
 * {@code ClContextApi} (context and queue), {@code ClBufferApi}, {@code ClProgramApi}, {@code ClKernelApi}
 * and {@code ClEventApi}. Every cl error code becomes an {@link io.jmamba.runtime.backend.opencl.OpenClException}
 * naming the call and the error.
 *
 * <p>Caches: a session keeps its built kernels (by entry name and source, and by kernel request); a device
 * keeps program binaries across sessions, so a second plan on the same device loads a binary instead of
 * compiling the source again.
 */
package io.jmamba.runtime.backend.opencl;
