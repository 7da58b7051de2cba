package io.jmamba.bench.cli;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code jmamba} command line: {@code devices}, {@code bench [scaling|kernels|jmh]},
 * {@code portability}, {@code generate} and {@code jit}. Exit status 0 on success, 1 when the work
 * failed, 2 for a bad command line (the message and the usage go to stderr).
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        int status = run(args, System.out, System.err);
        System.out.flush();
        System.exit(status);
    }

    /** Runs the CLI and returns the exit status instead of exiting (for tests and embedding). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        Map<String, Command> commands = commands();
        if (args.length == 0 || isHelp(args[0]) || args[0].equals("help")) {
            out.print(topUsage(commands));
            return 0;
        }
        String name = args[0];
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        Command command = commands.get(name.toLowerCase(Locale.ROOT));
        if (command == null) {
            err.println("jmamba: unknown command \"" + name + "\"");
            err.print(topUsage(commands));
            return 2;
        }
        try {
            return command.run(rest, out, err);
        } catch (UsageException e) {
            err.println("jmamba " + command.name() + ": " + e.getMessage());
            err.print(e.usage());
            return 2;
        } catch (Exception e) {
            err.println("jmamba " + command.name() + ": failed: " + e);
            if (Boolean.getBoolean("jmamba.debug")) {
                e.printStackTrace(err);
            } else {
                err.println("(run with -Djmamba.debug=true for the stack trace)");
            }
            return 1;
        }
    }

    static boolean isHelp(String arg) {
        return arg.equals("-h") || arg.equals("--help");
    }

    private static Map<String, Command> commands() {
        Map<String, Command> m = new LinkedHashMap<>();
        for (Command c : new Command[] {new DevicesCommand(), new BenchCommand(), new PortabilityCommand(),
                new DelegateCommand.Generate(), new DelegateCommand.ModelSpeed(), new DelegateCommand.Jit()}) {
            m.put(c.name(), c);
        }
        return m;
    }

    private static String topUsage(Map<String, Command> commands) {
        StringBuilder sb = new StringBuilder();
        sb.append("usage: jmamba <command> [options]   (jmamba <command> --help for its options)\n\ncommands:\n");
        for (Command c : commands.values()) {
            sb.append(String.format(Locale.ROOT, "  %-13s %s%n", c.name(), c.summary()));
        }
        return sb.toString();
    }
}
