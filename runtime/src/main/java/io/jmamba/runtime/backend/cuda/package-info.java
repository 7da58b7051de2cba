/**
 * The CUDA backend: the NVIDIA driver API (libcuda.so.1), NVRTC (libnvrtc.so.N) and cuBLAS
 * (libcublas.so.N), all through the Foreign Function &amp; Memory API (no JNI, no native build).
 *
 * <p>Path of a kernel: {@link io.jmamba.runtime.jit.KernelJit} writes CUDA C for the Java method;
 * NVRTC compiles it to PTX for the device's virtual architecture ({@code compute_XY}); the driver loads
 * the PTX ({@code cuModuleLoadData}) and JIT-compiles it to SASS. Generated source and PTX are cached per
 * process by (method, specialised values) and (architecture, source), PTX also on disk across processes
 * ({@code ~/.cache/jmamba/cuda-ptx}); modules per session.
 * {@link io.jmamba.runtime.backend.cuda.CudaKernel#ptx()} prints the PTX of any kernel, and a failed
 * compile throws {@link io.jmamba.runtime.api.KernelCompilationException} with the numbered source and
 * the NVRTC log.
 *
 * <p>A {@link io.jmamba.runtime.backend.cuda.CudaSession} holds the device's primary context, one
 * stream on which everything is issued in order, and two CUDA events for profiling. It records CUDA
 * graphs ({@code beginCapture}/{@code endCapture}/{@code replay}), which the plan executor uses for
 * {@code ExecutionPlan.withCudaGraph(true)}. {@link io.jmamba.runtime.backend.cuda.CuBlas} turns cuBLAS
 * GEMMs into task-graph library calls on the same buffers.
 *
 * <p>Launches: a kernel made of {@code @Parallel} loops runs grid-stride loops, so its grid is rounded
 * up to whole blocks of 256 threads; a kernel that reads KernelContext ids needs the global size to be a
 * multiple of the local size (see {@link io.jmamba.runtime.backend.cuda.LaunchConfig}).
 *
 * <p>System properties: {@code jmamba.library.path} (extra library folders, see
 * {@link io.jmamba.runtime.backend.ffm.NativeLibraryLocator}); {@code jmamba.cuda.fmad=true} (let NVRTC
 * contract a*b+c into fma; off by default, for Java's rounding); {@code jmamba.cuda.directCopyLimit}
 * (bytes up to which a host copy from pageable memory goes straight to the driver instead of through
 * the session's page-locked staging buffers; default 1 MiB); {@code jmamba.cache.dir} and
 * {@code jmamba.cuda.ptxDiskCache=false} (where the PTX disk cache lives, or turn it off).
 */
package io.jmamba.runtime.backend.cuda;
