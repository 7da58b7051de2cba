package io.jmamba.runtime.backend.cuda;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Finds a shared library (libcuda, libnvrtc, libcublas) where CUDA installs put it, and says what it
 * looked for when it finds none.
 *
 * <p>Kept self-contained inside the CUDA package so that it can be swapped for the project-wide FFM
 * library lookup once that exists: all callers go through {@link #find}.
 *
 * <p>Search order: a system property naming the file, then in each directory of LD_LIBRARY_PATH,
 * $CUDA_HOME/lib64, $CUDA_PATH/lib64, /usr/local/cuda/lib64, /usr/local/nvidia/lib64, java.library.path
 * and the system library directories the exact file names in order, then any versioned file
 * {@code prefix.*} there (highest version first), and last the dynamic loader by bare name (ldconfig cache).
 */
public final class NativeLibraryFinder {
    private static final List<String> SYSTEM_DIRS = List.of(
            "/usr/local/cuda/lib64", "/usr/local/cuda/lib", "/usr/local/nvidia/lib64", "/usr/local/nvidia/lib",
            "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib",
            "/lib/x86_64-linux-gnu", "/lib64", "/lib", "/usr/lib/wsl/lib");

    private NativeLibraryFinder() {
    }

    /** A library that was found and loaded; the lookup stays valid for the life of the process. */
    public record Found(Path path, SymbolLookup lookup) {
    }

    /**
     * @param found    the library, when one loaded
     * @param searched what was looked for and where (for the message when nothing was found)
     */
    public record Result(Optional<Found> found, String searched) {
        /** The library, or an {@link IllegalStateException} that says what was looked for. */
        public Found require() {
            return found.orElseThrow(() -> new IllegalStateException(searched));
        }
    }

    /**
     * @param what          a short description ("the CUDA driver")
     * @param property      a system property that may name the file to load (checked first)
     * @param names         exact file names to try, in order of preference ("libnvrtc.so.13", ...)
     * @param versionPrefix files starting with this in a searched directory are tried too ("libnvrtc.so.")
     */
    public static Result find(String what, String property, List<String> names, String versionPrefix) {
        return find(what, property, names, versionPrefix, searchDirectories());
    }

    static Result find(String what, String property, List<String> names, String versionPrefix, List<Path> dirs) {
        List<String> failures = new ArrayList<>();
        String forced = property == null ? null : System.getProperty(property);
        if (forced != null && !forced.isBlank()) {
            Optional<Found> f = tryLoad(Path.of(forced), failures);
            if (f.isPresent()) {
                return new Result(f, "");
            }
        }
        for (Path dir : dirs) {
            for (String n : names) {
                Path p = dir.resolve(n);
                if (Files.exists(p)) {
                    Optional<Found> f = tryLoad(p, failures);
                    if (f.isPresent()) {
                        return new Result(f, "");
                    }
                }
            }
        }
        if (versionPrefix != null) {
            for (Path dir : dirs) {
                for (Path p : versioned(dir, versionPrefix)) {
                    Optional<Found> f = tryLoad(p, failures);
                    if (f.isPresent()) {
                        return new Result(f, "");
                    }
                }
            }
        }
        for (String n : names) {
            try {
                SymbolLookup l = SymbolLookup.libraryLookup(n, Arena.global());
                return new Result(Optional.of(new Found(Path.of(n), l)), "");
            } catch (IllegalArgumentException e) {
                // not known to the dynamic loader either; reported below
            }
        }
        StringBuilder sb = new StringBuilder();
        sb.append(what).append(" not found: looked for ").append(String.join(", ", names));
        if (versionPrefix != null) {
            sb.append(" (and any ").append(versionPrefix).append("*)");
        }
        if (property != null) {
            sb.append(" at -D").append(property).append(forced == null ? " (unset)" : "=" + forced).append(',');
        }
        sb.append(" in ").append(dirs.stream().map(Path::toString).toList())
                .append(" and through the dynamic loader (ldconfig cache)");
        if (!failures.isEmpty()) {
            sb.append("; found but failed to load: ").append(String.join("; ", failures));
        }
        return new Result(Optional.empty(), sb.toString());
    }

    /** The directories searched, in order, without duplicates. */
    public static List<Path> searchDirectories() {
        Set<String> dirs = new LinkedHashSet<>();
        addPathList(dirs, System.getenv("LD_LIBRARY_PATH"));
        for (String env : List.of("CUDA_HOME", "CUDA_PATH", "CUDA_ROOT")) {
            String v = System.getenv(env);
            if (v != null && !v.isBlank()) {
                dirs.add(v + "/lib64");
                dirs.add(v + "/lib");
            }
        }
        dirs.addAll(SYSTEM_DIRS.subList(0, 4));
        addPathList(dirs, System.getProperty("java.library.path"));
        dirs.addAll(SYSTEM_DIRS);
        return dirs.stream().map(Path::of).toList();
    }

    private static void addPathList(Set<String> out, String list) {
        if (list == null) {
            return;
        }
        for (String s : list.split(":")) {
            if (!s.isBlank()) {
                out.add(s);
            }
        }
    }

    /** Files {@code prefix*} in {@code dir}, highest version first (libnvrtc.so.13.0.48 before libnvrtc.so.12). */
    static List<Path> versioned(Path dir, String prefix) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith(prefix))
                    .sorted(Comparator.comparing((Path p) -> p.getFileName().toString().substring(prefix.length()),
                            NativeLibraryFinder::compareVersions).reversed())
                    .toList();
        } catch (IOException | SecurityException e) {
            return List.of();
        }
    }

    /** Compares dotted versions numerically part by part ("13.0" > "12.8" > "12"). */
    static int compareVersions(String a, String b) {
        String[] x = a.split("\\.");
        String[] y = b.split("\\.");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            long u = i < x.length ? parse(x[i]) : -1;
            long v = i < y.length ? parse(y[i]) : -1;
            if (u != v) {
                return Long.compare(u, v);
            }
        }
        return 0;
    }

    private static long parse(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return -2;
        }
    }

    private static Optional<Found> tryLoad(Path p, List<String> failures) {
        try {
            return Optional.of(new Found(p, SymbolLookup.libraryLookup(p, Arena.global())));
        } catch (IllegalArgumentException | SecurityException e) {
            failures.add(p + ": " + e.getMessage());
            return Optional.empty();
        }
    }
}
