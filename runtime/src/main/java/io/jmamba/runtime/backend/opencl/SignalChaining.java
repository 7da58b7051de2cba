package io.jmamba.runtime.backend.opencl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Whether HotSpot's signal-chaining library, {@code libjsig.so}, is loaded into this process. PoCL
 * compiles kernels with an in-process LLVM, and LLVM installs its own one-shot SIGSEGV/SIGBUS/SIGILL
 * handlers over the JVM's. The JVM uses SIGSEGV for its safepoint polls, so when several Java threads
 * hit an armed poll page at once, one of them can find the signal reset to its default action and the
 * whole JVM dies with a bare "Segmentation fault" and no hs_err file (seen in this project's CI once in
 * about four runs of the kernels module). With {@code LD_PRELOAD=$JAVA_HOME/lib/libjsig.so} the JVM keeps
 * its handlers and calls LLVM's only for faults that are not its own. The {@code jmamba} launcher and the
 * test setup preload it; a library user who runs PoCL without it gets {@link #warning()}.
 */
public final class SignalChaining {
    static final String LIBRARY = "libjsig.so";

    private SignalChaining() {
    }

    /** True when libjsig is mapped into this process (Linux); empty where that cannot be read. */
    public static Optional<Boolean> jsigLoaded() {
        Path maps = Path.of("/proc/self/maps");
        if (!Files.isReadable(maps)) {
            return Optional.empty();
        }
        try (var lines = Files.lines(maps)) {
            return Optional.of(lines.anyMatch(l -> l.endsWith("/" + LIBRARY)));
        } catch (IOException | java.io.UncheckedIOException e) {
            return Optional.empty();
        }
    }

    /** What to tell a user of PoCL whose JVM runs without libjsig; empty when it is loaded or unknown. */
    public static Optional<String> warning() {
        if (jsigLoaded().orElse(true)) {
            return Optional.empty();
        }
        Path jsig = Path.of(System.getProperty("java.home"), "lib", LIBRARY);
        return Optional.of("PoCL's LLVM replaces the JVM's SIGSEGV handler, which can crash the JVM at a safepoint; "
                + "start java with LD_PRELOAD=" + jsig + " (the jmamba launcher and the tests do)");
    }
}
