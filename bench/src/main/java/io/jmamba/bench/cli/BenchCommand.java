package io.jmamba.bench.cli;

import java.io.PrintStream;
import java.util.Arrays;

/** {@code jmamba bench [scaling|kernels|jmh] [options]}: scaling is the default. */
final class BenchCommand implements Command {
    @Override
    public String name() {
        return "bench";
    }

    @Override
    public String summary() {
        return "bench [scaling] | bench kernels | bench jmh: time per layer vs length, fixed kernel shapes, JMH";
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        if (args.length > 0 && !args[0].startsWith("-")) {
            String[] rest = Arrays.copyOfRange(args, 1, args.length);
            return switch (args[0]) {
                case "scaling" -> new ScalingCommand().run(rest, out, err);
                case "kernels" -> new KernelsCommand().run(rest, out, err);
                case "jmh" -> JmhCommand.run(rest, out, err);
                default -> throw new UsageException("unknown benchmark \"" + args[0] + "\"",
                        "usage: jmamba bench [scaling|kernels|jmh] [options]   (jmamba bench scaling --help)\n");
            };
        }
        return new ScalingCommand().run(args, out, err);
    }
}
