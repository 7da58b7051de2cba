package io.jmamba.bench.scaling;

import java.io.PrintStream;

/**
 * A single status line on a terminal stream (stderr), rewritten in place with a carriage return, so
 * that a long sweep shows what it is doing without filling the screen.
 */
public final class Progress {
    private final PrintStream stream;
    private int lastWidth;

    public Progress(PrintStream stream) {
        this.stream = stream;
    }

    /** A progress that shows nothing. */
    public static Progress silent() {
        return new Progress(null);
    }

    public void show(String line) {
        if (stream == null) {
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

    /** Clears the line so that what follows starts on a clean one. */
    public void clear() {
        if (stream == null || lastWidth == 0) {
            return;
        }
        stream.print("\r" + " ".repeat(lastWidth) + "\r");
        stream.flush();
        lastWidth = 0;
    }
}
