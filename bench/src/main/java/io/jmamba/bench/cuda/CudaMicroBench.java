package io.jmamba.bench.cuda;

import io.jmamba.runtime.api.DataTransferMode;
import io.jmamba.runtime.api.ExecutionPlan;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.backend.CompiledKernel;
import io.jmamba.runtime.backend.KernelRequest;
import io.jmamba.runtime.backend.LaunchGrid;
import io.jmamba.runtime.backend.cuda.CuBlas;
import io.jmamba.runtime.backend.cuda.CudaBackend;
import io.jmamba.runtime.backend.cuda.CudaBuffer;
import io.jmamba.runtime.backend.cuda.CudaDevice;
import io.jmamba.runtime.backend.cuda.CudaGraph;
import io.jmamba.runtime.backend.cuda.CudaKernel;
import io.jmamba.runtime.backend.cuda.CudaSession;
import io.jmamba.runtime.jit.GeneratedKernel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * CUDA microbenchmarks (not tests): Java-written stream kernels against the device-to-device copy
 * bandwidth measured in the same run, launch overhead from Java with and without a CUDA graph, NVRTC
 * compile time cold and from the caches, host transfers, cuBLAS GEMM rates. Prints a table.
 *
 * <p>Device times come from CUDA events (median of repeats, after warm-up); launch overheads are
 * host wall time over many launches, including the final synchronize.
 */
public final class CudaMicroBench {
    private record Row(String section, String what, String value, String note) {
    }

    private final List<Row> rows = new ArrayList<>();
    private final CudaDevice device;
    private double copyBandwidth;

    private CudaMicroBench(CudaDevice device) {
        this.device = device;
    }

    public static void main(String[] args) {
        if (System.getProperty("jmamba.cuda.ptxDiskCache") == null) {
            // cold compile times must be cold: no PTX from an earlier process
            System.setProperty("jmamba.cuda.ptxDiskCache", "false");
        }
        CudaBackend backend = new CudaBackend();
        if (backend.devices().isEmpty()) {
            System.out.println("no CUDA device: " + backend.unavailableReason().orElse("?"));
            System.exit(2);
        }
        CudaDevice d = (CudaDevice) backend.devices().getFirst();
        System.out.println("device: " + d.description());
        CudaMicroBench b = new CudaMicroBench(d);
        b.compileTimes();
        b.bandwidth();
        b.launchOverhead();
        b.planOverhead();
        b.transfers();
        b.cublas();
        b.print();
    }

    // ---------------------------------------------------------------- compile

    private void compileTimes() {
        String nonce = "cold-" + System.nanoTime();
        try (CudaSession s = device.openCudaSession()) {
            long t0 = System.nanoTime();
            s.compileGenerated(BenchKernels.empty());
            add("compile", "first NVRTC compile in the process (empty kernel, loads libnvrtc)", ms(System.nanoTime() - t0), "");
            for (GeneratedKernel g : List.of(BenchKernels.axpy(nonce), BenchKernels.scanLike(nonce))) {
                t0 = System.nanoTime();
                CudaKernel k = s.compileGenerated(g);
                long cold = System.nanoTime() - t0;
                add("compile", "cold NVRTC + module load: " + g.entryName(), ms(cold), "compileNanos " + ms(k.compileNanos())
                        + ", " + k.registersPerThread() + " regs, PTX " + k.ptx().length() + " chars");
                t0 = System.nanoTime();
                s.compileGenerated(g);
                long first = System.nanoTime() - t0;
                long hit = median(9, () -> {
                    long t = System.nanoTime();
                    for (int i = 0; i < 1000; i++) {
                        s.compileGenerated(g);
                    }
                    return (System.nanoTime() - t) / 1000;
                });
                add("compile", "cache hit, same session: " + g.entryName(), us(hit), "median of 1000 after warm-up; first " + us(first));
            }
            try (CudaSession s2 = device.openCudaSession()) {
                for (GeneratedKernel g : List.of(BenchKernels.axpy(nonce), BenchKernels.scanLike(nonce))) {
                    long t1 = System.nanoTime();
                    s2.compileGenerated(g);
                    add("compile", "PTX cache hit, new session (module load only): " + g.entryName(), us(System.nanoTime() - t1), "");
                }
            }
            jitCompileTimes(s);
        }
    }

    private void jitCompileTimes(CudaSession s) {
        for (String name : List.of("axpy", "copy")) {
            KernelRequest r = request(name);
            try {
                long t0 = System.nanoTime();
                CompiledKernel k = s.compile(r);
                long cold = System.nanoTime() - t0;
                t0 = System.nanoTime();
                s.compile(r);
                long first = System.nanoTime() - t0;
                long hit = median(9, () -> {
                    long t = System.nanoTime();
                    for (int i = 0; i < 1000; i++) {
                        s.compile(r);
                    }
                    return (System.nanoTime() - t) / 1000;
                });
                add("compile", "cold JIT + NVRTC + load: StreamKernels." + name, ms(cold), "compileNanos " + ms(k.compileNanos()));
                add("compile", "cache hit, same session: StreamKernels." + name, us(hit), "median of 1000; first " + us(first));
            } catch (RuntimeException e) {
                add("compile", "JIT kernel StreamKernels." + name, "n/a", "JIT unavailable: " + firstLine(e));
                return;
            }
        }
    }

    // ---------------------------------------------------------------- bandwidth

    private void bandwidth() {
        long n = 1L << 28; // 1 GiB of floats per array, far beyond the L2
        long bytes = 4 * n;
        try (CudaSession s = device.openCudaSession()) {
            CudaBuffer x = s.allocate(bytes);
            CudaBuffer y = s.allocate(bytes);
            randomize(s, x, 1);
            randomize(s, y, 2);
            s.copy(y, 0, x, 0, bytes);
            long copyNs = median(20, () -> s.timeNanos(() -> s.copy(y, 0, x, 0, bytes)));
            copyBandwidth = 2.0 * bytes / copyNs;
            add("bandwidth", "cuMemcpyDtoDAsync 1 GiB (read + write)", gbs(copyBandwidth), "reference for the ratios below");
            // grids: one item per element; the plan executor's cap for @Parallel loops (2^24 items, grid-stride);
            // four full waves of resident threads
            long wave = (long) device.multiprocessorCount() * 2048;
            long[][] grids = {{n}, {1L << 24}, {4 * wave}};
            String[] gridNames = {"1 item/element", "2^24 items", "4 waves"};
            List<String[]> kernels = new ArrayList<>();
            kernels.add(new String[]{"hand-written CUDA C copy", "hand:copy"});
            kernels.add(new String[]{"hand-written CUDA C axpy", "hand:axpy"});
            kernels.add(new String[]{"Java StreamKernels.copy (JIT)", "jit:copy"});
            kernels.add(new String[]{"Java StreamKernels.axpy (JIT)", "jit:axpy"});
            for (String[] kd : kernels) {
                CompiledKernel k;
                try {
                    k = switch (kd[1]) {
                        case "hand:copy" -> s.compileGenerated(BenchKernels.copy());
                        case "hand:axpy" -> s.compileGenerated(BenchKernels.axpy("bw"));
                        default -> s.compile(request(kd[1].substring(4)));
                    };
                } catch (RuntimeException e) {
                    add("bandwidth", kd[0], "n/a", "JIT unavailable: " + firstLine(e));
                    continue;
                }
                boolean isCopy = kd[1].endsWith("copy");
                Object[] a = isCopy ? new Object[]{x, y} : new Object[]{x, y, 1e-3f};
                for (int g = 0; g < grids.length; g++) {
                    kernelBandwidth(s, kd[0] + ", " + gridNames[g], k, new LaunchGrid(grids[g], null), a, (isCopy ? 2.0 : 3.0) * bytes);
                }
            }
            kernelBandwidth(s, "hand-written float4 copy (vector loads; not JIT output)", s.compileGenerated(BenchKernels.copy4()),
                    new LaunchGrid(new long[]{n / 4}, null), new Object[]{x, y}, 2.0 * bytes);
        }
    }

    private void kernelBandwidth(CudaSession s, String what, CompiledKernel k, LaunchGrid grid, Object[] args, double bytes) {
        s.launch(k, grid, args, true);
        long ns = median(20, () -> s.launch(k, grid, args, true));
        double bw = bytes / ns;
        add("bandwidth", what, gbs(bw), String.format(Locale.ROOT, "%.1f%% of the copy", 100 * bw / copyBandwidth));
    }

    private void randomize(CudaSession s, CudaBuffer b, int seed) {
        CudaKernel k = s.compileGenerated(BenchKernels.randomFloats());
        s.launch(k, new LaunchGrid(new long[]{b.byteSize() / 4}, null), new Object[]{b, seed}, false);
    }

    // ---------------------------------------------------------------- launch overhead

    private void launchOverhead() {
        try (CudaSession s = device.openCudaSession()) {
            CudaKernel empty = s.compileGenerated(BenchKernels.empty());
            LaunchGrid one = new LaunchGrid(new long[]{32}, null);
            Object[] none = new Object[0];
            eager(s, "empty kernel, eager launch", empty, one, none);
            CudaBuffer x = s.allocate(4096);
            CudaBuffer y = s.allocate(4096);
            CudaKernel axpy = s.compileGenerated(BenchKernels.axpy("launch"));
            eager(s, "axpy (3 args, 1024 items), eager launch", axpy, new LaunchGrid(new long[]{1024}, null), new Object[]{x, y, 0.5f});
            try {
                CompiledKernel jitEmpty = s.compile(new KernelRequest(method("empty", FloatArray.class), Map.of()));
                eager(s, "Java StreamKernels.empty (JIT), eager launch", jitEmpty, one, new Object[]{x});
            } catch (RuntimeException e) {
                add("launch", "Java StreamKernels.empty (JIT)", "n/a", "JIT unavailable: " + firstLine(e));
            }
            graph(s, "empty kernel, CUDA graph of 100 launches", empty, one, none, 100, 200);
            graph(s, "axpy, CUDA graph of 100 launches", axpy, new LaunchGrid(new long[]{1024}, null), new Object[]{x, y, 0.5f}, 100, 200);
            graph(s, "empty kernel, graph of 1 launch (cost of one replay)", empty, one, none, 1, 20000);
        }
    }

    private void eager(CudaSession s, String what, CompiledKernel k, LaunchGrid grid, Object[] args) {
        // host cost of issuing: 500 launches into an empty queue (well under its depth), no waiting
        long issue = median(9, () -> {
            s.synchronize();
            long t0 = System.nanoTime();
            for (int i = 0; i < 500; i++) {
                s.launch(k, grid, args, false);
            }
            long t = System.nanoTime() - t0;
            s.synchronize();
            return t;
        });
        add("launch", what + " (host issue only)", us(issue / 500.0), "per launch, 500 launches into an empty queue");
        int n = 20000;
        for (int i = 0; i < 2000; i++) {
            s.launch(k, grid, args, false);
        }
        s.synchronize();
        long ns = median(5, () -> {
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                s.launch(k, grid, args, false);
            }
            s.synchronize();
            return System.nanoTime() - t0;
        });
        add("launch", what, us((double) ns / n), "per launch, host wall time over " + n + " launches");
    }

    private void graph(CudaSession s, String what, CompiledKernel k, LaunchGrid grid, Object[] args, int kernels, int replays) {
        s.beginCapture();
        for (int i = 0; i < kernels; i++) {
            s.launch(k, grid, args, false);
        }
        CudaGraph g = s.endCapture();
        for (int i = 0; i < 10; i++) {
            g.replay();
        }
        s.synchronize();
        long ns = median(5, () -> {
            long t0 = System.nanoTime();
            for (int i = 0; i < replays; i++) {
                g.replay();
            }
            s.synchronize();
            return System.nanoTime() - t0;
        });
        add("launch", what, us((double) ns / ((long) kernels * replays)), "per kernel, " + replays + " replays");
        g.close();
    }

    /** Per-task cost through a task graph (plan executor + session), eager and replayed from a CUDA graph. */
    private void planOverhead() {
        int tasks = 100;
        FloatArray x = new FloatArray(32);
        for (boolean cudaGraph : new boolean[]{false, true}) {
            TaskGraph g = new TaskGraph("t").transferToDevice(DataTransferMode.FIRST_EXECUTION, x);
            for (int i = 0; i < tasks; i++) {
                g.task("k" + i, StreamKernels::empty, x);
            }
            String what = "task graph of " + tasks + " JIT kernels, " + (cudaGraph ? "withCudaGraph(true)" : "eager");
            try (ExecutionPlan plan = new ExecutionPlan(g.snapshot()).withDevice(device).withCudaGraph(cudaGraph)) {
                plan.execute();
                plan.execute();
                int reps = 100;
                long ns = median(5, () -> {
                    long t0 = System.nanoTime();
                    for (int r = 0; r < reps; r++) {
                        plan.execute();
                    }
                    return System.nanoTime() - t0;
                });
                add("launch", what, us((double) ns / ((long) reps * tasks)), "per task, host wall time of plan.execute()");
            } catch (RuntimeException e) {
                add("launch", what, "n/a", firstLine(e));
            }
        }
    }

    // ---------------------------------------------------------------- host transfers

    private void transfers() {
        long bytes = 256L << 20;
        // shared, like the automatic arena of a NativeArray: the staging copy may use several threads
        try (Arena arena = Arena.ofShared()) {
            MemorySegment host = arena.allocate(bytes, 64);
            for (long i = 0; i < bytes; i += 8) {
                host.set(java.lang.foreign.ValueLayout.JAVA_LONG, i, i * 0x9E3779B97F4A7C15L);
            }
            MemorySegment back = arena.allocate(bytes, 64);
            try (CudaSession s = device.openCudaSession()) {
                CudaBuffer b = s.allocate(bytes);
                transfer(s, "host->device 256 MiB pageable (staged through pinned chunks)", bytes, () -> s.write(b, 0, host));
                transfer(s, "device->host 256 MiB pageable (staged through pinned chunks)", bytes, () -> s.read(b, 0, back));
                if (host.mismatch(back) != -1) {
                    throw new AssertionError("transfer round trip differs");
                }
                MemorySegment pinned = s.allocatePinned(bytes);
                pinned.copyFrom(host);
                transfer(s, "host->device 256 MiB page-locked (writeAsync)", bytes, () -> s.writeAsync(b, 0, pinned));
                transfer(s, "device->host 256 MiB page-locked (readAsync)", bytes, () -> s.readAsync(b, 0, pinned));
            }
            System.setProperty("jmamba.cuda.directCopyLimit", Long.toString(Long.MAX_VALUE));
            try (CudaSession s = device.openCudaSession()) {
                CudaBuffer b = s.allocate(bytes);
                transfer(s, "host->device 256 MiB pageable (driver's own staging)", bytes, () -> s.write(b, 0, host));
                transfer(s, "device->host 256 MiB pageable (driver's own staging)", bytes, () -> s.read(b, 0, back));
            } finally {
                System.clearProperty("jmamba.cuda.directCopyLimit");
            }
        }
    }

    private void transfer(CudaSession s, String what, long bytes, Runnable r) {
        r.run();
        s.synchronize();
        long ns = median(5, () -> {
            long t0 = System.nanoTime();
            r.run();
            s.synchronize();
            return System.nanoTime() - t0;
        });
        add("transfer", what, gbs((double) bytes / ns), "host wall time");
    }

    // ---------------------------------------------------------------- cuBLAS

    private void cublas() {
        try (CudaSession s = device.openCudaSession()) {
            gemm(s, "cublasSgemm_v2 fp32", 4096, CuBlas.DataType.F32);
            gemm(s, "cublasGemmEx bf16 in, fp32 out, fp32 accumulate", 8192, CuBlas.DataType.BF16);
            gemm(s, "cublasGemmEx fp16 in, fp32 out, fp32 accumulate", 8192, CuBlas.DataType.F16);
        } catch (RuntimeException e) {
            add("cublas", "GEMM", "n/a", firstLine(e));
        }
    }

    private void gemm(CudaSession s, String what, int n, CuBlas.DataType in) {
        long elems = (long) n * n;
        CudaBuffer a32 = s.allocate(4 * elems);
        CudaBuffer b32 = s.allocate(4 * elems);
        CudaBuffer c = s.allocate(4 * elems);
        randomize(s, a32, 3);
        randomize(s, b32, 4);
        CudaBuffer a = a32;
        CudaBuffer b = b32;
        var call = CuBlas.sgemm(false, false, n, n, n, 1f, 0f);
        if (in != CuBlas.DataType.F32) {
            // half-precision copies of the random floats, converted on the device
            a = s.allocate(2 * elems);
            b = s.allocate(2 * elems);
            CudaKernel conv = s.compileGenerated(in == CuBlas.DataType.BF16 ? BenchKernels.toBf16() : BenchKernels.toF16());
            LaunchGrid g = new LaunchGrid(new long[]{elems}, null);
            s.launch(conv, g, new Object[]{a32, a}, false);
            s.launch(conv, g, new Object[]{b32, b}, false);
            call = CuBlas.gemmEx(false, false, n, n, n, 1f, 0f, in, CuBlas.DataType.F32);
        }
        var fcall = call;
        List<Object> args = List.of(a, b, c);
        fcall.run(s, args);
        fcall.run(s, args);
        long ns = median(10, () -> s.timeNanos(() -> fcall.run(s, args)));
        double tflops = 2.0 * n * n * n / ns / 1e3;
        add("cublas", what + " " + n + "^3", String.format(Locale.ROOT, "%.1f TFLOP/s", tflops), String.format(Locale.ROOT, "%.3f ms", ns / 1e6));
        for (CudaBuffer buf : new CudaBuffer[]{a32, b32, c, a, b}) {
            buf.free();
        }
    }

    // ---------------------------------------------------------------- helpers

    private static KernelRequest request(String name) {
        return switch (name) {
            case "axpy" -> new KernelRequest(method("axpy", FloatArray.class, FloatArray.class, float.class), Map.of());
            case "copy" -> new KernelRequest(method("copy", FloatArray.class, FloatArray.class), Map.of());
            default -> throw new IllegalArgumentException(name);
        };
    }

    private static java.lang.reflect.Method method(String name, Class<?>... types) {
        try {
            return StreamKernels.class.getMethod(name, types);
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long median(int reps, LongSupplier run) {
        long[] t = new long[reps];
        for (int i = 0; i < reps; i++) {
            t[i] = run.getAsLong();
        }
        Arrays.sort(t);
        return t[reps / 2];
    }

    private void add(String section, String what, String value, String note) {
        rows.add(new Row(section, what, value, note));
        System.out.printf(Locale.ROOT, "  %-9s %-62s %14s  %s%n", section, what, value, note);
    }

    private static String ms(long ns) {
        return String.format(Locale.ROOT, "%.2f ms", ns / 1e6);
    }

    private static String us(double ns) {
        return String.format(Locale.ROOT, "%.2f us", ns / 1e3);
    }

    private static String gbs(double bytesPerNs) {
        return String.format(Locale.ROOT, "%.1f GB/s", bytesPerNs);
    }

    private static String firstLine(Throwable e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return e.getClass().getSimpleName() + ": " + (nl < 0 ? m : m.substring(0, nl));
    }

    private void print() {
        System.out.println();
        System.out.println("=== jmamba CUDA microbenchmarks on " + device.description() + " ===");
        System.out.printf(Locale.ROOT, "%-9s | %-66s | %14s | %s%n", "section", "measurement", "value", "note");
        System.out.println("-".repeat(130));
        for (Row r : rows) {
            System.out.printf(Locale.ROOT, "%-9s | %-66s | %14s | %s%n", r.section(), r.what(), r.value(), r.note());
        }
    }
}
