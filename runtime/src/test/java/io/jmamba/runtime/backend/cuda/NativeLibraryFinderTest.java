package io.jmamba.runtime.backend.cuda;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The library lookup, without any CUDA library: messages and version order. */
class NativeLibraryFinderTest {

    @Test
    void missingLibraryMessageNamesFilesAndDirectories(@TempDir Path dir) {
        NativeLibraryFinder.Result r = NativeLibraryFinder.find("the test library", "jmamba.test.nolib",
                List.of("libjmamba_absent.so.7", "libjmamba_absent.so"), "libjmamba_absent.so.", List.of(dir));
        assertTrue(r.found().isEmpty());
        String m = r.searched();
        assertTrue(m.startsWith("the test library not found"), m);
        assertTrue(m.contains("libjmamba_absent.so.7, libjmamba_absent.so"), m);
        assertTrue(m.contains("libjmamba_absent.so.*"), m);
        assertTrue(m.contains(dir.toString()), m);
        assertTrue(m.contains("-Djmamba.test.nolib (unset)"), m);
        assertTrue(m.contains("dynamic loader"), m);
    }

    @Test
    void fileThatIsNoLibraryIsReportedWithItsPath(@TempDir Path dir) throws IOException {
        Path fake = Files.writeString(dir.resolve("libjmamba_fake.so.3"), "");
        NativeLibraryFinder.Result r = NativeLibraryFinder.find("the fake library", null,
                List.of("libjmamba_fake.so.3"), null, List.of(dir));
        assertTrue(r.found().isEmpty());
        assertTrue(r.searched().contains("found but failed to load: " + fake), r.searched());
    }

    @Test
    void versionedFilesAreTriedHighestFirst(@TempDir Path dir) throws IOException {
        for (String n : List.of("libx.so.12", "libx.so.13.0.48", "libx.so.9", "libx.so.13", "liby.so.99")) {
            Files.writeString(dir.resolve(n), "");
        }
        List<String> order = NativeLibraryFinder.versioned(dir, "libx.so.").stream().map(p -> p.getFileName().toString()).toList();
        assertEquals(List.of("libx.so.13.0.48", "libx.so.13", "libx.so.12", "libx.so.9"), order);
    }

    @Test
    void searchIncludesTheUsualCudaPlaces() {
        List<String> dirs = NativeLibraryFinder.searchDirectories().stream().map(Path::toString).toList();
        assertTrue(dirs.contains("/usr/local/cuda/lib64"), dirs.toString());
        assertTrue(dirs.contains("/usr/local/nvidia/lib64"), dirs.toString());
        assertTrue(dirs.contains("/usr/lib/x86_64-linux-gnu"), dirs.toString());
        assertEquals(dirs.size(), dirs.stream().distinct().count(), "no directory twice");
    }

    @Test
    void backendDiscoveryNeverThrowsAndExplainsAnAbsence() {
        CudaBackend b = new CudaBackend();
        assertEquals("cuda", b.name());
        if (b.devices().isEmpty()) {
            String reason = b.unavailableReason().orElseThrow();
            // on a machine without the driver the reason says which files were looked for where
            assertTrue(reason.contains("libcuda") || reason.contains("cuInit") || reason.contains("no device"), reason);
        } else {
            assertTrue(b.unavailableReason().isEmpty());
            assertTrue(b.devices().getFirst().id().startsWith("cuda:"));
        }
    }
}
