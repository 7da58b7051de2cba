package io.jmamba.bench.jmh;

import io.jmamba.bench.scaling.MeasuredStep;
import io.jmamba.bench.scaling.SeriesCatalog;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.Devices;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Each scaling series at a small length on the best device (or {@code -Djmamba.device=ID}, passed to the
 * fork with {@code -jvmArgsAppend -Djmamba.device=jvm}). The step is the same one {@code bench scaling}
 * times: inputs on the device, one execution of the layer until the device is done.
 *
 * <pre>jmamba bench jmh KernelBenchmarks -p series=selective-scan,ssd -p length=4096</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xss8m"})
public class KernelBenchmarks {
    /** Series ids; the ones this build does not have are reported as a setup failure. */
    @Param({"selective-scan", "ssd", "conv1d", "attention", "copy"})
    public String series;

    @Param({"4096"})
    public long length;

    private MeasuredStep step;

    @Setup(Level.Trial)
    public void setUp() {
        if (!SeriesCatalog.all().containsKey(series)) {
            throw new IllegalStateException("series " + series + " is not in this build; have " + SeriesCatalog.all().keySet());
        }
        ComputeDevice device = Devices.best();
        step = SeriesCatalog.select(List.of(series)).getFirst().prepare(device, length);
    }

    @Benchmark
    public void layer() {
        step.run();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (step != null) {
            step.close();
        }
    }
}
