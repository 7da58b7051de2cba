package io.jmamba.bench.scaling;

import java.io.Console;
import java.io.PrintStream;

/**
 * Progress on stderr. On a terminal it is a single status line, rewritten in place with a carriage
 * return; redirected to a file or a CI log it prints one line per point instead, so the log stays
 * readable.
 */
public final class Progress {
    private final PrintStream stream;
    private final boolean inPlace;
    private int lastWidth;

    /** Rewrites in place when the JVM's console is a terminal. */
    public Progress(PrintStream stream) {
        this(stream, isTerminal());
    }

    public Progress(PrintStream stream, boolean inPlace) {
        this.stream = stream;
        this.inPlace = inPlace;
    }

    /** A progress that shows nothing. */
    public static Progress silent() {
        return new Progress(null, false);
    }

    /** A new unit of work starts (a point): shown in place, or as its own line when not on a terminal. */
    public void step(String line) {
        if (stream == null) {
            return;
        }
        if (inPlace) {
            show(line);
        } else {
            stream.println(line);
            stream.flush();
        }
    }

    /** Detail within the current unit (warm-up 2/3, run 5/10): shown only on a terminal. */
    public void show(String line) {
        if (stream == null || !inPlace) {
            return;
        }
        StringBuilder sb = new StringBuilder("\r").append(line);
        for (int i = line.length(); i < lastWidth; i++) {
            sb.append(' ');
        }
        lastWidth = line.length();
        stream.print(sb);
        stream.flush();
    }

    /** Clears the status line so that what follows starts on a clean one. */
    public void clear() {
        if (stream == null || !inPlace || lastWidth == 0) {
            return;
        }
        stream.print("\r" + " ".repeat(lastWidth) + "\r");
        stream.flush();
        lastWidth = 0;
    }

    private static boolean isTerminal() {
        Console c = System.console();
        return c != null && c.isTerminal();
    }
}
