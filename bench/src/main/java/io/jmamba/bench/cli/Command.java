package io.jmamba.bench.cli;

import java.io.PrintStream;

/** A subcommand of the CLI. */
interface Command {
    /** The name typed on the command line ("devices", "bench scaling"). */
    String name();

    /** One line for the top-level help. */
    String summary();

    /**
     * Runs with the arguments after the subcommand's name.
     *
     * @return the process exit status: 0 on success, 1 on a failure at run time
     * @throws UsageException for a bad command line (exit status 2)
     */
    int run(String[] args, PrintStream out, PrintStream err) throws Exception;
}
