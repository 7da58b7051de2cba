package io.jmamba.runtime.backend.cuda;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * PTX kept on disk between processes, so that a second run of a program does not pay NVRTC again
 * (50-130 ms a kernel on an H100 machine). The key is a SHA-256 of everything that decides the PTX:
 * NVRTC's version, the options (architecture among them), the entry name and the source.
 *
 * <p>Folder: {@code -Djmamba.cache.dir}, else {@code $XDG_CACHE_HOME/jmamba}, else {@code ~/.cache/jmamba};
 * PTX files go to its {@code cuda-ptx} subfolder. {@code -Djmamba.cuda.ptxDiskCache=false} turns it off.
 * Any I/O problem (a read-only home, a full disk) only means a miss: the cache never fails a compile.
 */
final class PtxDiskCache {
    private final Path folder;

    PtxDiskCache(Path folder) {
        this.folder = folder;
    }

    /** The cache the system properties and environment describe, or empty when it is turned off. */
    static Optional<PtxDiskCache> fromEnvironment() {
        if (!Boolean.parseBoolean(System.getProperty("jmamba.cuda.ptxDiskCache", "true"))) {
            return Optional.empty();
        }
        String dir = System.getProperty("jmamba.cache.dir");
        Path base;
        if (dir != null && !dir.isBlank()) {
            base = Path.of(dir);
        } else if (System.getenv("XDG_CACHE_HOME") != null && !System.getenv("XDG_CACHE_HOME").isBlank()) {
            base = Path.of(System.getenv("XDG_CACHE_HOME"), "jmamba");
        } else {
            base = Path.of(System.getProperty("user.home"), ".cache", "jmamba");
        }
        return Optional.of(new PtxDiskCache(base.resolve("cuda-ptx")));
    }

    /** The file name for one compilation's inputs. */
    static String key(String compilerVersion, List<String> options, String entryName, String source) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (String part : List.of(compilerVersion, String.join("\u0000", options), entryName, source)) {
                md.update(part.getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0x1f); // a separator no part contains, so that parts cannot run into each other
            }
            return HexFormat.of().formatHex(md.digest()) + ".ptx";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    Optional<String> get(String key) {
        try {
            Path p = folder.resolve(key);
            return Files.isRegularFile(p) ? Optional.of(Files.readString(p, StandardCharsets.UTF_8)) : Optional.empty();
        } catch (IOException | SecurityException | java.io.UncheckedIOException e) {
            return Optional.empty();
        }
    }

    /** Stores the PTX; written to a temporary file and renamed, so that a reader never sees half of it. */
    void put(String key, String ptx) {
        try {
            Files.createDirectories(folder);
            Path tmp = Files.createTempFile(folder, "ptx", ".tmp");
            Files.writeString(tmp, ptx, StandardCharsets.UTF_8);
            try {
                Files.move(tmp, folder.resolve(key), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, folder.resolve(key), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | SecurityException e) {
            // a cache that cannot be written is only a slower next run
        }
    }
}
