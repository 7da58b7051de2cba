package io.jmamba.runtime.backend.opencl;

import io.jmamba.runtime.backend.Backend;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.ffm.NativeLibraryLocator;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The OpenCL backend: every device of every platform the ICD loader (libOpenCL.so.1) reports, PoCL's CPU
 * device and NVIDIA's GPU platform alike. Discovery runs in the constructor and never throws: when the
 * library or a platform is missing, {@link #devices()} is empty and {@link #unavailableReason()} says
 * what was looked for.
 */
public final class OpenClBackend implements Backend {
    /** Library names tried in order: the ICD loader's soname, then the development symlink. */
    static final List<String> LIBRARY_NAMES = List.of("libOpenCL.so.1", "libOpenCL.so");

    private final List<ComputeDevice> devices;
    private final String unavailableReason;
    private final List<String> notes;

    /**
     * Discovers with the default library names, or with {@code -Djmamba.opencl.library=PATH|NAME} when set
     * (a specific ICD loader, or a name that does not exist to see jmamba run without OpenCL).
     */
    public OpenClBackend() {
        this(libraryNames(), libraryFolders(), libraryOverride() == null || Path.of(libraryOverride()).getParent() == null);
    }

    private static String libraryOverride() {
        String override = System.getProperty("jmamba.opencl.library");
        return override == null || override.isBlank() ? null : override.trim();
    }

    private static List<String> libraryNames() {
        String override = libraryOverride();
        return override == null ? LIBRARY_NAMES : List.of(Path.of(override).getFileName().toString());
    }

    /** The folder of an overriding path only: a library named by path must be that file, not one elsewhere. */
    private static List<Path> libraryFolders() {
        String override = libraryOverride();
        Path parent = override == null ? null : Path.of(override).getParent();
        return parent != null ? List.of(parent) : loaderSearchOrder(NativeLibraryLocator.searchFolders(),
                System.getProperty("jmamba.library.path"));
    }

    /** The distribution's library folders, where its ICD loader (ocl-icd on Debian and Ubuntu) lives. */
    static final List<Path> SYSTEM_FOLDERS = List.of(Path.of("/usr/lib/x86_64-linux-gnu"), Path.of("/usr/lib64"),
            Path.of("/usr/lib"));

    /**
     * The folders to look for the ICD loader in: those named by {@code -Djmamba.library.path} first, then
     * the distribution's folders, then the rest of {@code folders} (LD_LIBRARY_PATH, the CUDA toolkit).
     * Why the distribution's loader before the CUDA toolkit's copy of libOpenCL: on the H100 machine the
     * toolkit's loader (/usr/local/cuda/lib64/libOpenCL.so.1) found no platform in the private vendors
     * folder {@link IcdRegistration} points OCL_ICD_VENDORS to, and it does not read OCL_ICD_FILENAMES at
     * all, while the distribution's loader reads both; either loader reaches the same drivers.
     */
    static List<Path> loaderSearchOrder(List<Path> folders, String explicitPath) {
        java.util.LinkedHashSet<Path> out = new java.util.LinkedHashSet<>();
        if (explicitPath != null) {
            for (String part : explicitPath.split(java.io.File.pathSeparator)) {
                if (!part.isBlank()) {
                    out.add(Path.of(part.trim()));
                }
            }
        }
        out.addAll(SYSTEM_FOLDERS);
        out.addAll(folders);
        return List.copyOf(out);
    }

    /** Discovery with explicit library names and folders (tests use it to show the missing-library message). */
    OpenClBackend(List<String> libraryNames, List<Path> folders) {
        this(libraryNames, folders, true);
    }

    private OpenClBackend(List<String> libraryNames, List<Path> folders, boolean dynamicLoader) {
        List<ComputeDevice> found = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        String reason = null;
        try {
            NativeLibraryLocator.Result lib = NativeLibraryLocator.locate("OpenCL ICD loader", libraryNames, folders,
                    dynamicLoader);
            if (lib instanceof NativeLibraryLocator.Missing(String message)) {
                reason = message;
            } else {
                // before the loader's first call, which is when it reads its vendors folder
                IcdRegistration.registerIfNeeded(NativeLibraryLocator.searchFolders()).ifPresent(problems::add);
                PoclThreads.limitBeforeFirstCall();
                OpenCl cl = OpenCl.bind(((NativeLibraryLocator.Found) lib).library());
                reason = discover(cl, found, problems);
                warnWithoutSignalChaining(found, problems);
            }
        } catch (RuntimeException | LinkageError e) {
            reason = "OpenCL discovery failed: " + e;
        }
        this.devices = List.copyOf(found);
        this.notes = List.copyOf(problems);
        this.unavailableReason = devices.isEmpty()
                ? (reason != null ? reason : "no OpenCL device found") + (problems.isEmpty() ? "" : "; " + String.join("; ", problems))
                : null;
    }

    /** PoCL without libjsig: a note, and one line on stderr (see {@link SignalChaining}). */
    private static void warnWithoutSignalChaining(List<ComputeDevice> found, List<String> problems) {
        boolean pocl = found.stream().anyMatch(d -> d instanceof OpenClDevice o && o.platformName().contains("Portable Computing Language"));
        if (pocl) {
            SignalChaining.warning().ifPresent(w -> {
                problems.add(w);
                System.err.println("jmamba: warning: " + w);
            });
        }
    }

    /** Fills {@code out}; returns why there is nothing, or null. */
    private static String discover(OpenCl cl, List<ComputeDevice> out, List<String> problems) {
        List<MemorySegment> platforms;
        try {
            platforms = cl.platforms().platforms();
        } catch (OpenClException e) {
            if (e.errorCode() == ClStatus.CL_PLATFORM_NOT_FOUND_KHR) {
                return "libOpenCL loaded from " + cl.library().location() + " but it found no OpenCL platform "
                        + "(CL_PLATFORM_NOT_FOUND_KHR): no driver is registered in /etc/OpenCL/vendors "
                        + "(install pocl-opencl-icd for the CPU, or the GPU vendor's OpenCL driver)";
            }
            throw e;
        }
        if (platforms.isEmpty()) {
            return "libOpenCL loaded from " + cl.library().location() + " but it reports no OpenCL platform";
        }
        for (int p = 0; p < platforms.size(); p++) {
            MemorySegment platform = platforms.get(p);
            try {
                List<MemorySegment> ds = cl.platforms().devices(platform, ClConstants.CL_DEVICE_TYPE_ALL);
                if (ds.isEmpty()) {
                    problems.add("platform " + p + " has no device");
                }
                for (int d = 0; d < ds.size(); d++) {
                    try {
                        ClDeviceInfo info = ClDeviceInfo.query(cl.platforms(), platform, ds.get(d));
                        out.add(new OpenClDevice(cl, platform, ds.get(d), p, d, info));
                    } catch (OpenClException e) {
                        problems.add("device opencl:" + p + ":" + d + " skipped: " + e.getMessage());
                    }
                }
            } catch (OpenClException e) {
                problems.add("platform " + p + " skipped: " + e.getMessage());
            }
        }
        return out.isEmpty() ? "libOpenCL loaded from " + cl.library().location() + " but no platform has a usable device" : null;
    }

    @Override
    public String name() {
        return "opencl";
    }

    @Override
    public List<ComputeDevice> devices() {
        return devices;
    }

    @Override
    public Optional<String> unavailableReason() {
        return Optional.ofNullable(unavailableReason);
    }

    /**
     * What discovery noticed besides the devices: skipped platforms or devices, and NVIDIA's driver
     * registered for this process when the system had not registered it.
     */
    public List<String> discoveryNotes() {
        return notes;
    }
}
