package io.jmamba.runtime.backend.opencl;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The test JVMs run with HotSpot's signal-chaining library preloaded (the surefire configuration of the
 * parent pom), so that PoCL's LLVM cannot take the JVM's SIGSEGV handler: without it the kernels
 * module's JVM died at a safepoint in about one run of four.
 */
class SignalChainingTest {

    @Test
    void testJvmHasLibjsigPreloaded() {
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
