package io.jmamba.runtime.fuzz;

import io.jmamba.runtime.backend.ComputeDevice;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The text of a fuzz failure: what differs, how to rerun it, the program, and where the whole batch was saved. */
final class FuzzReport {
    private static final int MAX_DIFF_LINES = 24;

    private FuzzReport() {
    }

    static String mismatch(FuzzSettings s, FuzzBatch b, int pos, ComputeDevice device, String diff) {
        FuzzProgram p = b.programs.get(pos);
        String[] lines = diff.split("\n");
        StringBuilder sb = new StringBuilder();
        sb.append("fuzz program ").append(p.index()).append(" (run seed ").append(s.seed()).append(") differs on ")
                .append(device.id()).append(" from the JVM backend, ").append(lines.length).append(" slot(s):\n");
        for (int i = 0; i < Math.min(lines.length, MAX_DIFF_LINES); i++) {
            sb.append(lines[i]).append('\n');
        }
        sb.append("reproduce with ").append(s.reproduce(p.index(), b.form)).append('\n');
        sb.append("batch source saved to ").append(save(b)).append('\n');
        sb.append("--- program ").append(p.index()).append(" ---\n").append(p.source());
        return sb.toString();
    }

    static String failure(FuzzSettings s, FuzzBatch b, ComputeDevice device, Throwable t) {
        return "fuzz batch " + b.className + " (programs " + b.programs.getFirst().index() + ".." + b.programs.getLast().index()
                + ", run seed " + s.seed() + ") failed on " + device.id() + ": " + t
                + "\nbatch source saved to " + save(b);
    }

    /** Writes the batch's source under target/fuzz-failures (or the temp dir) so it can be read whole. */
    static Path save(FuzzBatch b) {
        try {
            Path dir = Files.isDirectory(Path.of("target")) ? Path.of("target", "fuzz-failures") : Path.of(System.getProperty("java.io.tmpdir"), "jmamba-fuzz-failures");
            Files.createDirectories(dir);
            Path f = dir.resolve(b.className.substring(b.className.lastIndexOf('.') + 1) + ".java");
            Files.writeString(f, b.source);
            return f.toAbsolutePath();
        } catch (IOException e) {
            return Path.of("(not saved: " + e + ")");
        }
    }
}
