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
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Time for the JIT to turn a kernel's bytecode into C source (class file parse, IR, checks,
 * emission): the part of a cold start that is ours, before the device compiler runs. Kernels are
 * named "class#method" and looked up by reflection so that this compiles before they exist.
 *
 * <pre>jmamba bench jmh JitCompileBenchmark -p dialect=CUDA</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xss8m"})
public class JitCompileBenchmark {
    @Param({"io.jmamba.bench.scaling.series.BenchKernels#copy"})
    public String kernel;

    @Param({"OPENCL", "CUDA"})
    public Dialect dialect;

    private Method method;

    @Setup
    public void setUp() throws ClassNotFoundException {
        String[] parts = kernel.split("#");
        Class<?> cls = Class.forName(parts[0]);
        method = Arrays.stream(cls.getMethods()).filter(m -> m.getName().equals(parts[1])).findFirst()
                .orElseThrow(() -> new IllegalStateException("no method " + parts[1] + " in " + parts[0]));
    }

    @Benchmark
    public GeneratedKernel compile() {
        return KernelJit.compile(method, Map.of(), dialect);
    }
}
