package io.jmamba.runtime.backend.opencl;

import io.jmamba.runtime.backend.ffm.NativeEnvironment;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Makes NVIDIA's OpenCL platform visible when its driver library is installed but not registered with
 * the ICD loader. GPU containers often mount {@code libnvidia-opencl.so.1} without writing
 * {@code /etc/OpenCL/vendors/nvidia.icd}; libOpenCL then lists PoCL only. Before the loader's first call,
 * this writes a private vendors folder (the registered .icd files plus one for NVIDIA) and points the
 * loader at it with {@code OCL_ICD_VENDORS}, for this process only.
 *
 * <p>Nothing happens when the user set {@code OCL_ICD_VENDORS} or {@code OPENCL_VENDOR_PATH}, when an
 * NVIDIA .icd is registered already, when no NVIDIA library is found, or with
 * {@code -Djmamba.opencl.registerNvidia=false}.
 */
final class IcdRegistration {
    static final String NVIDIA_LIBRARY = "libnvidia-opencl.so.1";
    static final Path SYSTEM_VENDORS = Path.of("/etc/OpenCL/vendors");

    private IcdRegistration() {
    }

    /** What to register: the NVIDIA library and the .icd files already registered. */
    record Plan(Path nvidiaLibrary, List<Path> registeredIcds) {
    }

    /** Decides whether a registration is needed (pure: reads files, changes nothing). */
    static Optional<Plan> plan(Path vendorsDir, List<Path> libraryFolders, Map<String, String> env) {
        for (String var : List.of("OCL_ICD_VENDORS", "OPENCL_VENDOR_PATH")) {
            String v = env.get(var);
            if (v != null && !v.isBlank()) {
                return Optional.empty(); // the user configured the loader
            }
        }
        Path nvidia = libraryFolders.stream().map(f -> f.resolve(NVIDIA_LIBRARY)).filter(Files::isRegularFile)
                .findFirst().map(Path::toAbsolutePath).orElse(null);
        if (nvidia == null) {
            return Optional.empty();
        }
        List<Path> icds = new ArrayList<>();
        if (Files.isDirectory(vendorsDir)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(vendorsDir, "*.icd")) {
                for (Path icd : ds) {
                    String named = Files.readString(icd).strip();
                    if (named.toLowerCase(Locale.ROOT).contains("nvidia")) {
                        return Optional.empty(); // registered already
                    }
                    // a library must not be loaded twice under two names: the loader would list it twice
                    if (!sameFile(resolve(named, libraryFolders), nvidia)) {
                        icds.add(icd);
                    }
                }
            } catch (IOException | SecurityException e) {
                return Optional.empty();
            }
        }
        return Optional.of(new Plan(nvidia, List.copyOf(icds)));
    }

    /** An .icd file names a library by path or by bare name (then found as the dynamic loader would, roughly). */
    private static Path resolve(String named, List<Path> libraryFolders) {
        Path p = Path.of(named);
        if (p.isAbsolute() || named.contains("/")) {
            return p;
        }
        return libraryFolders.stream().map(f -> f.resolve(named)).filter(Files::exists).findFirst().orElse(p);
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.exists(a) && Files.exists(b) && a.toRealPath().equals(b.toRealPath());
        } catch (IOException | SecurityException e) {
            return false;
        }
    }

    /** Writes the private vendors folder: copies of the registered .icd files and nvidia.icd. */
    static Path writeVendors(Plan plan, Path dir) throws IOException {
        Files.createDirectories(dir);
        for (Path icd : plan.registeredIcds()) {
            Files.copy(icd, dir.resolve(icd.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        Files.writeString(dir.resolve("nvidia.icd"), plan.nvidiaLibrary() + "\n");
        return dir;
    }

    /**
     * Registers NVIDIA's library for this process when {@link #plan} says so. Returns a note for
     * discovery to report, or empty when nothing was done.
     */
    static Optional<String> registerIfNeeded(List<Path> libraryFolders) {
        if ("false".equalsIgnoreCase(System.getProperty("jmamba.opencl.registerNvidia", "true"))) {
            return Optional.empty();
        }
        Optional<Plan> plan = plan(SYSTEM_VENDORS, libraryFolders, System.getenv());
        if (plan.isEmpty()) {
            return Optional.empty();
        }
        try {
            Path dir = writeVendors(plan.get(), Files.createTempDirectory("jmamba-opencl-vendors"));
            try (var files = Files.list(dir)) {
                files.forEach(f -> f.toFile().deleteOnExit());
            }
            dir.toFile().deleteOnExit();
            NativeEnvironment.set("OCL_ICD_VENDORS", dir.toString());
            return Optional.of("NVIDIA's OpenCL driver " + plan.get().nvidiaLibrary() + " is not registered in "
                    + SYSTEM_VENDORS + "; registered it for this process (OCL_ICD_VENDORS=" + dir + ")");
        } catch (IOException | RuntimeException e) {
            return Optional.of("NVIDIA's OpenCL driver " + plan.get().nvidiaLibrary() + " is not registered in "
                    + SYSTEM_VENDORS + " and could not be registered for this process: " + e);
        }
    }
}
