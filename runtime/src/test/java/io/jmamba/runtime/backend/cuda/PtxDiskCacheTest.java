package io.jmamba.runtime.backend.cuda;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The on-disk PTX cache, which needs no GPU. */
class PtxDiskCacheTest {
    private static final List<String> OPTIONS = List.of("--gpu-architecture=compute_90", "--fmad=false");

    @Test
    void keyChangesWithEveryInput() {
        String k = PtxDiskCache.key("13.0", OPTIONS, "axpy", "src");
        assertEquals(k, PtxDiskCache.key("13.0", OPTIONS, "axpy", "src"), "stable");
        assertTrue(k.matches("[0-9a-f]{64}\\.ptx"), k);
        assertNotEquals(k, PtxDiskCache.key("13.1", OPTIONS, "axpy", "src"), "compiler version");
        assertNotEquals(k, PtxDiskCache.key("13.0", List.of("--gpu-architecture=compute_80", "--fmad=false"), "axpy", "src"), "architecture");
        assertNotEquals(k, PtxDiskCache.key("13.0", OPTIONS, "axpy2", "src"), "entry");
        assertNotEquals(k, PtxDiskCache.key("13.0", OPTIONS, "axpy", "src "), "source");
        assertNotEquals(PtxDiskCache.key("1", OPTIONS, "ab", "c"), PtxDiskCache.key("1", OPTIONS, "a", "bc"), "parts do not run together");
    }

    @Test
    void storedPtxComesBack(@TempDir Path dir) {
        PtxDiskCache cache = new PtxDiskCache(dir.resolve("cuda-ptx"));
        String key = PtxDiskCache.key("13.0", OPTIONS, "axpy", "src");
        assertEquals(Optional.empty(), cache.get(key));
        cache.put(key, ".version 9.0\n.entry axpy\n");
        assertEquals(Optional.of(".version 9.0\n.entry axpy\n"), cache.get(key));
        cache.put(key, ".version 9.0\n.entry axpy // again\n");
        assertEquals(Optional.of(".version 9.0\n.entry axpy // again\n"), cache.get(key), "replaced, not appended");
    }

    @Test
    void unwritableFolderIsOnlyAMiss(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("not-a-folder"), "x");
        PtxDiskCache cache = new PtxDiskCache(file.resolve("cuda-ptx")); // a folder below a file cannot exist
        String key = PtxDiskCache.key("13.0", OPTIONS, "k", "s");
        cache.put(key, "ptx"); // must not throw
        assertEquals(Optional.empty(), cache.get(key));
    }
}
