package io.jmamba.bench.cli;

import java.io.PrintStream;

/**
 * {@code jmamba bench jmh [JMH options]}: runs the JMH benchmarks of io.jmamba.bench.jmh (kernels at a
 * small shape, JIT compile time) with JMH's own command line; {@code -h} lists its options, e.g.
 * {@code jmamba bench jmh -f 1 -wi 2 -i 3 KernelBenchmarks}.
 */
final class JmhCommand {
    private JmhCommand() {
    }

    static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        String[] jmhArgs = args.length == 0 ? new String[] {"io.jmamba.bench.jmh"} : args;
        org.openjdk.jmh.Main.main(jmhArgs);
        return 0;
    }
}
