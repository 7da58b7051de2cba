package io.jmamba.runtime.backend.opencl;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The test JVMs run with HotSpot's signal-chaining library preloaded (the surefire configuration of the
 * parent pom), so that PoCL's LLVM cannot take the JVM's SIGSEGV handler: without it the kernels
 * module's JVM died at a safepoint in about one run of four. Asserted where PoCL is registered (CI and
 * any machine that runs the OpenCL tests on the CPU), the only place where LLVM enters the process.
 */
class SignalChainingTest {

    /**
     * Whether the ICD loader of this process loads PoCL: registered in /etc/OpenCL/vendors and not hidden by
     * OCL_ICD_VENDORS / OCL_ICD_FILENAMES (a GPU run that lists only the NVIDIA driver).
     */
    static boolean poclRegistered() throws IOException {
        String vendorsDir = System.getenv("OCL_ICD_VENDORS");
        String filenames = System.getenv("OCL_ICD_FILENAMES");
        if (filenames != null) {
            return filenames.contains("pocl");
        }
        Path vendors = Path.of(vendorsDir != null ? vendorsDir : "/etc/OpenCL/vendors");
        if (!Files.isDirectory(vendors)) {
            return false;
        }
        try (var files = Files.list(vendors)) {
            return files.anyMatch(f -> f.getFileName().toString().contains("pocl"));
        }
    }

    @Test
    void testJvmHasLibjsigPreloaded() throws IOException {
        assumeTrue(poclRegistered(), "no PoCL for the ICD loader here (/etc/OpenCL/vendors, OCL_ICD_VENDORS, OCL_ICD_FILENAMES): LLVM does not enter this process");
        Optional<Boolean> loaded = SignalChaining.jsigLoaded();
        assumeTrue(loaded.isPresent(), "no /proc/self/maps on this system: cannot tell which libraries are loaded");
        assertEquals(Optional.of(true), loaded,
                "libjsig.so is not loaded: the surefire LD_PRELOAD of the parent pom did not reach this JVM");
    }

    @Test
    void noWarningWhenChainingIsOn() {
        assumeTrue(SignalChaining.jsigLoaded().orElse(false), "libjsig not loaded here");
        assertEquals(Optional.empty(), SignalChaining.warning());
    }
}
