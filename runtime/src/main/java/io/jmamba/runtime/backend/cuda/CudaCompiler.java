package io.jmamba.runtime.backend.cuda;

import io.jmamba.runtime.api.KernelCompilationException;
import io.jmamba.runtime.backend.KernelRequest;
import io.jmamba.runtime.jit.Dialect;
import io.jmamba.runtime.jit.GeneratedKernel;
import io.jmamba.runtime.jit.KernelJit;

import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * JIT output to PTX, with the process-wide code caches: generated CUDA C by (method, specialised
 * values), PTX by (architecture, source), and PTX on disk across processes ({@link PtxDiskCache}).
 * Modules are per session (see {@link CudaSession}).
 */
final class CudaCompiler {
    private record JitKey(Method method, Map<Integer, Object> specialized) {
    }

    private record PtxKey(String architecture, String entryName, String source) {
    }

    /** PTX and whether it came from the cache. */
    record Ptx(String text, boolean cached, long nanos) {
    }

    /** Generated CUDA C and whether it came from the cache. */
    record Source(GeneratedKernel kernel, boolean cached, long nanos) {
    }

    private static final Map<JitKey, GeneratedKernel> JIT_CACHE = new ConcurrentHashMap<>();
    private static final Map<PtxKey, String> PTX_CACHE = new ConcurrentHashMap<>();
    private static final Optional<PtxDiskCache> DISK = PtxDiskCache.fromEnvironment();

    private CudaCompiler() {
    }

    static Source generate(KernelRequest request) {
        JitKey key = new JitKey(request.method(), request.specialized());
        GeneratedKernel g = JIT_CACHE.get(key);
        if (g != null) {
            return new Source(g, true, 0);
        }
        long t0 = System.nanoTime();
        g = KernelJit.compile(request.method(), request.specialized(), Dialect.CUDA);
        long t = System.nanoTime() - t0;
        JIT_CACHE.putIfAbsent(key, g);
        return new Source(g, false, t);
    }

    /** PTX for {@code kernel} on compute capability {@code architecture} ("90"); compiles on a cache miss. */
    static Ptx ptx(GeneratedKernel kernel, String architecture) {
        if (kernel.dialect() != Dialect.CUDA) {
            throw new IllegalArgumentException("kernel " + kernel.entryName() + " was generated for " + kernel.dialect()
                    + ", the CUDA backend needs Dialect.CUDA");
        }
        PtxKey key = new PtxKey(architecture, kernel.entryName(), kernel.source());
        String cached = PTX_CACHE.get(key);
        if (cached != null) {
            return new Ptx(cached, true, 0);
        }
        CudaLibraries.Lookup lib = CudaLibraries.nvrtc();
        if (!lib.found()) {
            throw new KernelCompilationException("cannot compile kernel " + kernel.entryName() + " for CUDA: " + lib.missing());
        }
        long t0 = System.nanoTime();
        List<String> options = options(architecture);
        String diskKey = DISK.isPresent() ? PtxDiskCache.key(Nvrtc.version(), options, kernel.entryName(), kernel.source()) : null;
        if (diskKey != null) {
            Optional<String> fromDisk = DISK.get().get(diskKey);
            if (fromDisk.isPresent()) {
                PTX_CACHE.putIfAbsent(key, fromDisk.get());
                return new Ptx(fromDisk.get(), false, System.nanoTime() - t0);
            }
        }
        Nvrtc.Output out = Nvrtc.compile(kernel.source(), kernel.entryName() + ".cu", options);
        long t = System.nanoTime() - t0;
        if (!out.success()) {
            throw new KernelCompilationException("NVRTC " + Nvrtc.version() + " could not compile kernel " + kernel.entryName()
                    + " for compute_" + architecture + " (" + out.error() + ")\n--- NVRTC log ---\n" + out.log()
                    + "\n--- generated CUDA C (" + kernel.entryName() + ".cu) ---\n" + numbered(kernel.source())
                    + "--- options: " + String.join(" ", options), null);
        }
        PTX_CACHE.putIfAbsent(key, out.ptx());
        if (diskKey != null) {
            DISK.get().put(diskKey, out.ptx());
        }
        return new Ptx(out.ptx(), false, t);
    }

    /**
     * NVRTC options: PTX for the device's virtual architecture (the driver turns it into SASS at load,
     * and the PTX stays printable), C++17, functions without an execution space default to __device__,
     * line info for profilers. Java semantics: no contraction of a*b+c into an fma (NVRTC's default
     * would contract; KernelMath.fma is there for kernels that want one), IEEE division and square
     * root, no flush to zero; {@code -Djmamba.cuda.fmad=true} allows contraction.
     */
    static List<String> options(String architecture) {
        List<String> o = new ArrayList<>();
        o.add("--gpu-architecture=compute_" + architecture);
        o.add("--std=c++17");
        o.add("-default-device");
        o.add("-lineinfo");
        o.add("--fmad=" + Boolean.parseBoolean(System.getProperty("jmamba.cuda.fmad", "false")));
        o.add("--prec-div=true");
        o.add("--prec-sqrt=true");
        o.add("--ftz=false");
        for (Path inc : includeDirectories()) {
            o.add("--include-path=" + inc);
        }
        return o;
    }

    /** CUDA include directories (for cuda_fp16.h and friends) next to where the libraries were found. */
    private static List<Path> includeDirectories() {
        Set<Path> out = new LinkedHashSet<>();
        for (String env : List.of("CUDA_HOME", "CUDA_PATH")) {
            String v = System.getenv(env);
            if (v != null && !v.isBlank()) {
                out.add(Path.of(v, "include"));
            }
        }
        if (CudaLibraries.nvrtc().found()) {
            Path parent = Path.of(CudaLibraries.nvrtc().library().location()).toAbsolutePath().getParent();
            if (parent != null && parent.getParent() != null) {
                out.add(parent.getParent().resolve("include"));
            }
        }
        out.add(Path.of("/usr/local/cuda/include"));
        return out.stream().filter(p -> Files.exists(p.resolve("cuda_fp16.h"))).toList();
    }

    /** The source with line numbers, so that NVRTC's "kernel.cu(12): error" lines can be read against it. */
    static String numbered(String source) {
        StringBuilder sb = new StringBuilder();
        String[] lines = source.split("\n", -1);
        int width = String.valueOf(lines.length).length();
        for (int i = 0; i < lines.length; i++) {
            sb.append(String.format("%" + width + "d| ", i + 1)).append(lines[i]).append('\n');
        }
        return sb.toString();
    }
}
