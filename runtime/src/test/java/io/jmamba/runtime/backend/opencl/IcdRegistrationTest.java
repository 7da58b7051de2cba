package io.jmamba.runtime.backend.opencl;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class IcdRegistrationTest {

    private static Path file(Path p, String content) throws IOException {
        Files.createDirectories(p.getParent());
        return Files.writeString(p, content);
    }

    @Test
    void registersAnUnregisteredNvidiaDriverBesideTheRegisteredOnes(@TempDir Path tmp) throws IOException {
        Path vendors = tmp.resolve("vendors");
        Path pocl = file(vendors.resolve("pocl.icd"), "libpocl.so.2\n");
        Path lib = file(tmp.resolve("nvlib").resolve(IcdRegistration.NVIDIA_LIBRARY), "driver");
        var plan = IcdRegistration.plan(vendors, List.of(tmp.resolve("absent"), lib.getParent()), Map.of()).orElseThrow();
        assertEquals(lib.toAbsolutePath(), plan.nvidiaLibrary());
        assertEquals(List.of(pocl), plan.registeredIcds());

        Path out = IcdRegistration.writeVendors(plan, tmp.resolve("private"));
        assertEquals("libpocl.so.2\n", Files.readString(out.resolve("pocl.icd")));
        assertEquals(lib.toAbsolutePath() + "\n", Files.readString(out.resolve("nvidia.icd")));
    }

    /**
     * The whole path in a child JVM with the real ICD loader: PoCL's library, reached through a folder
     * where it is called libnvidia-opencl.so.1, stands in for an unregistered NVIDIA driver. Its
     * registered pocl.icd names the same file, so only the stand-in is registered; a device found
     * means the loader read the private vendors folder.
     */
    @Test
    void anUnregisteredDriverBecomesAPlatformInAFreshProcess(@TempDir Path tmp) throws Exception {
        Path poclLib = Path.of("/usr/lib/x86_64-linux-gnu/libpocl.so.2");
        Path poclDrivers = Path.of("/usr/lib/x86_64-linux-gnu/pocl");
        assumeTrue(Files.exists(poclLib) && Files.isDirectory(poclDrivers)
                && Files.exists(IcdRegistration.SYSTEM_VENDORS.resolve("pocl.icd")), "needs Debian's PoCL");
        // the stand-in must be the only NVIDIA entry: on a GPU machine the real driver is a platform too
        try (var icds = Files.list(IcdRegistration.SYSTEM_VENDORS)) {
            assumeTrue(icds.noneMatch(IcdRegistrationTest::namesNvidia),
                    "NVIDIA's OpenCL driver is registered on this machine, so it would be a platform beside the stand-in");
        }
        Path lib = Files.createDirectories(tmp.resolve("lib"));
        Files.createSymbolicLink(lib.resolve(IcdRegistration.NVIDIA_LIBRARY), poclLib);
        Files.createSymbolicLink(lib.resolve("pocl"), poclDrivers); // PoCL finds its drivers beside itself

        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED",
                "-Djmamba.library.path=" + lib, "-cp", childClassPath(),
                OpenClDeviceLister.class.getName()).redirectErrorStream(true);
        pb.environment().remove("OCL_ICD_VENDORS");
        pb.environment().remove("OPENCL_VENDOR_PATH");
        pb.environment().remove("OCL_ICD_FILENAMES"); // extra drivers named here would load beside the stand-in
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        assertTrue(out.contains("note: NVIDIA's OpenCL driver " + lib.resolve(IcdRegistration.NVIDIA_LIBRARY)
                + " is not registered"), out);
        assertTrue(out.contains("device: opencl:0:0 | Portable Computing Language"), out);
        assertEquals(1, out.lines().filter(l -> l.startsWith("device: ")).count(), "one platform, loaded once: " + out);
    }

    private static boolean namesNvidia(Path icd) {
        try {
            return Files.readString(icd).contains("nvidia");
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void doesNothingWhenRegisteredConfiguredOrAbsent(@TempDir Path tmp) throws IOException {
        Path lib = file(tmp.resolve("nvlib").resolve(IcdRegistration.NVIDIA_LIBRARY), "driver");
        List<Path> folders = List.of(lib.getParent());

        Path registered = tmp.resolve("registered");
        file(registered.resolve("nvidia.icd"), "/usr/lib/libnvidia-opencl.so.1\n");
        assertTrue(IcdRegistration.plan(registered, folders, Map.of()).isEmpty(), "already registered");

        Path plain = tmp.resolve("plain");
        file(plain.resolve("pocl.icd"), "libpocl.so.2\n");
        assertTrue(IcdRegistration.plan(plain, folders, Map.of("OCL_ICD_VENDORS", "/somewhere")).isEmpty(), "user's choice");
        assertTrue(IcdRegistration.plan(plain, folders, Map.of("OPENCL_VENDOR_PATH", "/elsewhere")).isEmpty(), "user's choice");
        assertTrue(IcdRegistration.plan(plain, List.of(tmp.resolve("none")), Map.of()).isEmpty(), "no NVIDIA library");
        assertTrue(IcdRegistration.plan(plain, folders, Map.of()).isPresent(), "the control case does register");
    }

    /**
     * The class path of the child JVM: where this test's classes and the backend's classes were loaded
     * from (a launcher such as JUnit's console loads them through its own class loader, so
     * java.class.path alone may not name them), then the parent's class path.
     */
    private static String childClassPath() throws Exception {
        return Path.of(OpenClDeviceLister.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                + java.io.File.pathSeparator
                + Path.of(IcdRegistration.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                + java.io.File.pathSeparator + System.getProperty("java.class.path");
    }
}
