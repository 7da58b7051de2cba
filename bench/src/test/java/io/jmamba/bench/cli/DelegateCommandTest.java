package io.jmamba.bench.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code generate}, {@code model-speed} and {@code jit} reach the model's and the JIT's commands. */
class DelegateCommandTest {
    @Test
    void generateReachesTheModelsCommand() {
        CliRun help = CliRun.of("generate", "--help");
        assertEquals(0, help.status(), help.err());
        assertTrue(help.out().contains("--model"), help.out());
        CliRun bad = CliRun.of("generate");
        assertEquals(2, bad.status(), "generate without --model is a usage error");
    }

    @Test
    void modelSpeedReachesTheModelBenchmark() {
        CliRun bad = CliRun.of("model-speed", "--no-such-option");
        assertEquals(2, bad.status(), "an unknown option is a usage error");
        assertTrue(bad.out().contains("--weights") && bad.out().contains("--decode-batch"), bad.out());
    }

    @Test
    void jitPrintsTheGeneratedSourceOfAKernel() {
        CliRun r = CliRun.of("jit", "io.jmamba.bench.scaling.series.BenchKernels", "copy", "opencl");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("__kernel"), r.out());
        CliRun cuda = CliRun.of("jit", "io.jmamba.bench.scaling.series.BenchKernels", "copy", "cuda");
        assertEquals(0, cuda.status(), cuda.err());
        assertTrue(cuda.out().contains("__global__"), cuda.out());
    }

    @Test
    void jitWithABadKernelNameIsAUsageError() {
        CliRun r = CliRun.of("jit", "io.jmamba.bench.scaling.series.BenchKernels", "nosuch");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("no static method nosuch"), r.err());
        assertTrue(r.err().contains("usage: jmamba jit"), r.err());
        assertEquals(0, CliRun.of("jit", "--help").status());
    }
}
