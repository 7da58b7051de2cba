package io.jmamba.bench.jmh;

import io.jmamba.runtime.jit.Dialect;
import io.jmamba.runtime.jit.GeneratedKernel;
import io.jmamba.runtime.jit.KernelJit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Time for the JIT to turn a kernel's bytecode into C source (class file, IR, checks, emission): our
 * part of a kernel's first use, before the device compiler runs. KernelJit caches what it compiles,
 * so each measurement is the first compile of that kernel in a fresh JVM (single shot, one per fork):
 * the latency a user sees, class loading of the JIT included.
 *
 * <p>Kernels are named {@code class#method}, with {@code @index=value;...} for {@code @Specialize}
 * parameters, and found by reflection.
 * <pre>jmamba bench jmh JitCompileBenchmark -p dialect=CUDA -f 5</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 0)
@Measurement(iterations = 1)
@Fork(value = 3, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xss8m"})
public class JitCompileBenchmark {
    @Param({"io.jmamba.bench.scaling.series.BenchKernels#copy",
            "io.jmamba.kernels.scan.SelectiveScanKernels#chunkOutputs",
            "io.jmamba.kernels.ssd.SsdKernels#chunkScan",
            "io.jmamba.kernels.conv.CausalConv1dVectorKernels#forwardVectorized@9=4;11=4",
            "io.jmamba.kernels.attention.CausalAttentionKernels#flash@7=64;8=1"})
    public String kernel;

    @Param({"OPENCL", "CUDA"})
    public Dialect dialect;

    private Method method;
    private Map<Integer, Object> specialized;

    @Setup
    public void setUp() throws ClassNotFoundException {
        String[] at = kernel.split("@", 2);
        String[] parts = at[0].split("#");
        Class<?> cls = Class.forName(parts[0]);
        method = Arrays.stream(cls.getMethods()).filter(m -> m.getName().equals(parts[1])).findFirst()
                .orElseThrow(() -> new IllegalStateException("no public method " + parts[1] + " in " + parts[0]));
        specialized = new HashMap<>();
        if (at.length == 2) {
            for (String kv : at[1].split(";")) {
                String[] p = kv.split("=");
                int index = Integer.parseInt(p[0]);
                Class<?> type = method.getParameterTypes()[index];
                specialized.put(index, type == boolean.class ? (Object) Boolean.parseBoolean(p[1]) : (Object) Integer.parseInt(p[1]));
            }
        }
    }

    @Benchmark
    public GeneratedKernel firstCompile() {
        return KernelJit.compile(method, specialized, dialect);
    }
}
