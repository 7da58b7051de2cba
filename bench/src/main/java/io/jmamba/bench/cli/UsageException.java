package io.jmamba.bench.cli;

/** A bad command line: the message says what is wrong; the CLI prints it with the usage and exits 2. */
public final class UsageException extends RuntimeException {
    private final String usage;

    public UsageException(String message, String usage) {
        super(message);
        this.usage = usage;
    }

    /** The usage text of the (sub)command that was misused. */
    public String usage() {
        return usage;
    }
}
