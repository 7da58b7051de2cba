package io.jmamba.runtime.backend.ffm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class NativeLibraryLocatorTest {

    @Test
    void searchesTheUsualFoldersInOrder() {
        List<Path> folders = NativeLibraryLocator.searchFolders();
        // Folders the user names (LD_LIBRARY_PATH, as on GPU machines) come first and may repeat a usual
        // folder; the order of the usual folders is checked among the rest.
        java.util.Set<Path> named = new java.util.HashSet<>();
        for (String v : new String[] {System.getenv("LD_LIBRARY_PATH"), System.getProperty("jmamba.library.path")}) {
            if (v != null) {
                for (String f : v.split(":")) {
                    if (!f.isBlank()) {
                        named.add(Path.of(f));
                    }
                }
            }
        }
        List<Path> usual = List.of(Path.of("/usr/local/cuda/lib64"), Path.of("/usr/local/nvidia/lib64"),
                Path.of("/usr/lib/x86_64-linux-gnu"), Path.of("/usr/lib"));
        int last = -1;
        for (Path p : usual) {
            int at = folders.indexOf(p);
            assertTrue(at >= 0, p + " is searched: " + folders);
            if (!named.contains(p)) {
                assertTrue(at > last, p + " comes after the folders before it in " + usual + ": " + folders);
                last = at;
            }
        }
        for (Path p : named) {
            int at = folders.indexOf(p);
            if (at >= 0 && !usual.contains(p)) {
                assertTrue(at < folders.indexOf(Path.of("/usr/lib")), "named folder " + p + " comes before the system ones: " + folders);
            }
        }
        assertTrue(folders.contains(Path.of("/usr/lib64")), folders.toString());
    }

    @Test
    void missingLibraryMessageListsNamesFoldersAndUnloadableFiles(@TempDir Path dir) throws IOException {
        // a file with the right name that is not a shared object: found, fails to load, and is reported
        Files.writeString(dir.resolve("libjmambaFake.so.3"), "not an ELF file");
        NativeLibraryLocator.Result r = NativeLibraryLocator.locate("fake library", List.of("libjmambaFake.so.*", "libjmambaNope.so"),
                List.of(dir, dir.resolve("absent")));
        String msg = assertInstanceOf(NativeLibraryLocator.Missing.class, r).message();
        assertTrue(msg.startsWith("fake library not found: looked for libjmambaFake.so.*, libjmambaNope.so in ["), msg);
        assertTrue(msg.contains(dir.resolve("absent").toString()), msg);
        assertTrue(msg.contains("could not load: " + dir.resolve("libjmambaFake.so.3") + " (not an ELF shared object)"), msg);
        assertTrue(msg.contains("LD_LIBRARY_PATH"), msg);
    }

    @Test
    void findsARealLibraryByWildcardAndBindsASymbol() {
        Path multiarch = Path.of("/usr/lib/x86_64-linux-gnu");
        assumeTrue(Files.exists(multiarch.resolve("libc.so.6")), "no glibc in " + multiarch);
        NativeLibraryLocator.Result r = NativeLibraryLocator.locate("C library", List.of("libc.so.*"), List.of(multiarch));
        NativeLibrary lib = assertInstanceOf(NativeLibraryLocator.Found.class, r).library();
        assertTrue(lib.location().startsWith(multiarch + "/libc.so."), lib.location());
        assertTrue(lib.optionalDowncall("getpid", java.lang.foreign.FunctionDescriptor.of(java.lang.foreign.ValueLayout.JAVA_INT)).isPresent());
        assertTrue(lib.optionalDowncall("no_such_symbol_jmamba", java.lang.foreign.FunctionDescriptor.ofVoid()).isEmpty());
    }

    @Test
    void plainNamesGoThroughTheDynamicLoader(@TempDir Path empty) {
        NativeLibraryLocator.Result r = NativeLibraryLocator.locate("C library", List.of("libc.so.6"), List.of(empty));
        assertEquals("libc.so.6", assertInstanceOf(NativeLibraryLocator.Found.class, r).library().location());
    }

    @Test
    void versionsCompareAsNumbers() {
        assertTrue(NativeLibraryLocator.compareVersions("libnvrtc.so.13", "libnvrtc.so.9") > 0);
        assertTrue(NativeLibraryLocator.compareVersions("libnvrtc.so.12.4", "libnvrtc.so.12") > 0);
        assertEquals(0, NativeLibraryLocator.compareVersions("libcuda.so.1", "libcuda.so.1"));
    }

    @Test
    void numberedSourceShowsLineNumbers() {
        assertEquals(" 1| a\n 2| b\n 3| \n 4| c\n 5| d\n 6| e\n 7| f\n 8| g\n 9| h\n10| i\n",
                NativeStrings.withLineNumbers("a\nb\n\nc\nd\ne\nf\ng\nh\ni\n"));
    }
}
