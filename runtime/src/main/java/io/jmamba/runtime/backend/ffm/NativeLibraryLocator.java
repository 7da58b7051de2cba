package io.jmamba.runtime.backend.ffm;

import java.io.File;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Finds a shared library (libOpenCL, libcuda, libnvrtc, libcublas) the way the native backends need it:
 * in the folders people put them in, and then by plain name through the dynamic loader.
 *
 * <p>Folders searched, in order: {@code -Djmamba.library.path} (colon separated), {@code LD_LIBRARY_PATH},
 * {@code CUDA_HOME/lib64}, {@code CUDA_PATH/lib64}, {@code /usr/local/cuda/lib64},
 * {@code /usr/local/nvidia/lib64}, {@code /usr/lib/x86_64-linux-gnu}, {@code /usr/lib64}, {@code /usr/lib}.
 * A name ending in {@code *} ("libnvrtc.so.*") matches every file with that prefix; the highest version
 * wins. When nothing is found in a folder, each exact name is handed to the dynamic loader (dlopen's own
 * search: ldconfig cache, RUNPATH). The failure message lists every place looked at, so a user can see
 * what to install or which variable to set.
 */
public final class NativeLibraryLocator {
    private NativeLibraryLocator() {
    }

    /** The result of a search: the library, or a message naming everything that was tried. */
    public sealed interface Result permits Found, Missing {
    }

    /** A loaded library; its symbols live as long as the process ({@link Arena#global()}). */
    public record Found(NativeLibrary library) implements Result {
    }

    /** Nothing loadable was found; {@code message} says what was looked for and where. */
    public record Missing(String message) implements Result {
    }

    /** The folders searched, in order, as this process sees its environment now. */
    public static List<Path> searchFolders() {
        Set<Path> out = new LinkedHashSet<>();
        addPathList(out, System.getProperty("jmamba.library.path"));
        addPathList(out, System.getenv("LD_LIBRARY_PATH"));
        for (String var : List.of("CUDA_HOME", "CUDA_PATH")) {
            String home = System.getenv(var);
            if (home != null && !home.isBlank()) {
                out.add(Path.of(home, "lib64"));
            }
        }
        for (String dir : List.of("/usr/local/cuda/lib64", "/usr/local/nvidia/lib64", "/usr/lib/x86_64-linux-gnu",
                "/usr/lib64", "/usr/lib")) {
            out.add(Path.of(dir));
        }
        return List.copyOf(out);
    }

    /**
     * Looks for the first loadable library among {@code names} (e.g. "libOpenCL.so.1", "libOpenCL.so"),
     * in {@link #searchFolders()} then through the dynamic loader.
     *
     * @param what a human name for messages ("OpenCL ICD loader")
     */
    public static Result locate(String what, List<String> names) {
        return locate(what, names, searchFolders());
    }

    /** As {@link #locate(String, List)} with explicit folders (tests use it to search nowhere useful). */
    public static Result locate(String what, List<String> names, List<Path> folders) {
        return locate(what, names, folders, true);
    }

    /**
     * As {@link #locate(String, List, List)}; with {@code dynamicLoader} false only the folders are searched
     * (for a library the user named by path).
     */
    public static Result locate(String what, List<String> names, List<Path> folders, boolean dynamicLoader) {
        List<String> failures = new ArrayList<>();
        for (Path folder : folders) {
            for (String name : names) {
                for (Path candidate : candidates(folder, name)) {
                    Optional<NativeLibrary> lib = tryLoad(candidate.toString(), failures);
                    if (lib.isPresent()) {
                        return new Found(lib.get());
                    }
                }
            }
        }
        for (String name : dynamicLoader ? names : List.<String>of()) {
            if (!name.endsWith("*")) {
                Optional<NativeLibrary> lib = tryLoad(name, failures);
                if (lib.isPresent()) {
                    return new Found(lib.get());
                }
            }
        }
        StringBuilder msg = new StringBuilder(what).append(" not found: looked for ").append(String.join(", ", names))
                .append(" in ").append(folders.stream().map(Path::toString).toList())
                .append(dynamicLoader ? " and through the dynamic loader (ldconfig cache)" : "");
        if (!failures.isEmpty()) {
            msg.append("; could not load: ").append(String.join("; ", failures));
        }
        msg.append(". Install it or add its folder to LD_LIBRARY_PATH (or -Djmamba.library.path).");
        return new Missing(msg.toString());
    }

    private static List<Path> candidates(Path folder, String name) {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        if (!name.endsWith("*")) {
            Path p = folder.resolve(name);
            return Files.exists(p) ? List.of(p) : List.of();
        }
        String prefix = name.substring(0, name.length() - 1);
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(folder, p -> p.getFileName().toString().startsWith(prefix))) {
            ds.forEach(out::add);
        } catch (IOException | SecurityException e) {
            return List.of();
        }
        // highest version first: libnvrtc.so.13 before libnvrtc.so.12 (numeric, not lexical, order)
        out.sort(Comparator.comparing((Path p) -> p.getFileName().toString(), NativeLibraryLocator::compareVersions).reversed());
        return out;
    }

    /** Compares file names piecewise, numbers as numbers ("so.13" > "so.9"). */
    static int compareVersions(String a, String b) {
        String[] pa = a.split("\\.");
        String[] pb = b.split("\\.");
        for (int i = 0; i < Math.min(pa.length, pb.length); i++) {
            int c;
            if (pa[i].matches("\\d{1,9}") && pb[i].matches("\\d{1,9}")) {
                c = Integer.compare(Integer.parseInt(pa[i]), Integer.parseInt(pb[i]));
            } else {
                c = pa[i].compareTo(pb[i]);
            }
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(pa.length, pb.length);
    }

    private static Optional<NativeLibrary> tryLoad(String pathOrName, List<String> failures) {
        if (pathOrName.contains(File.separator) && !isElf(Path.of(pathOrName))) {
            // linker scripts (libc.so) and stray files: dlopen would fail, and the JVM warns loudly when it does
            failures.add(pathOrName + " (not an ELF shared object)");
            return Optional.empty();
        }
        try {
            SymbolLookup lookup = pathOrName.contains(File.separator)
                    ? SymbolLookup.libraryLookup(Path.of(pathOrName), Arena.global())
                    : SymbolLookup.libraryLookup(pathOrName, Arena.global());
            return Optional.of(new NativeLibrary(pathOrName, lookup));
        } catch (IllegalArgumentException | IllegalCallerException | UnsatisfiedLinkError e) {
            // a file that exists but does not load (wrong architecture, missing dependency) is worth reporting
            if (pathOrName.contains(File.separator)) {
                failures.add(pathOrName + " (" + e.getMessage() + ")");
            }
            return Optional.empty();
        }
    }

    private static boolean isElf(Path file) {
        try (var in = Files.newInputStream(file)) {
            byte[] magic = in.readNBytes(4);
            return magic.length == 4 && magic[0] == 0x7f && magic[1] == 'E' && magic[2] == 'L' && magic[3] == 'F';
        } catch (IOException | SecurityException e) {
            return false;
        }
    }

    private static void addPathList(Set<Path> out, String list) {
        if (list == null || list.isBlank()) {
            return;
        }
        for (String s : list.split(File.pathSeparator)) {
            if (!s.isBlank()) {
                out.add(Path.of(s.trim()));
            }
        }
    }
}
