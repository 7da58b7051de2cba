package io.jmamba.runtime.backend.opencl;

import io.jmamba.runtime.backend.ffm.NativeEnvironment;

/**
 * Runs PoCL's CPU device on one thread unless the user chose otherwise. PoCL 3.1 (Debian 12) gives
 * wrong results for kernels that use the JIT's emulated warp operations (a work-group barrier around
 * a local scratch array) when several threads run work-groups at once: the two-stage argmax returned
 * a wrong index or none in 22 to 36 of 300-600 launches with PoCL's default threads, and in none of
 * 300 with one thread. Those kernels share nothing between work-groups, so under the OpenCL rules the
 * schedule cannot change their results; CUDA and NVIDIA's OpenCL give the right answer every time.
 * PoCL reads {@code POCL_MAX_PTHREAD_COUNT} when the ICD loader first calls it, so this must run
 * before the first OpenCL call. A value set in the environment, or {@code -Djmamba.pocl.threads=N},
 * wins (at the user's risk for those kernels).
 */
final class PoclThreads {
    static final String VARIABLE = "POCL_MAX_PTHREAD_COUNT";
    static final String PROPERTY = "jmamba.pocl.threads";

    private PoclThreads() {
    }

    static void limitBeforeFirstCall() {
        if (NativeEnvironment.get(VARIABLE) != null) {
            return;
        }
        String chosen = System.getProperty(PROPERTY);
        NativeEnvironment.set(VARIABLE, chosen != null && !chosen.isBlank() ? chosen.trim() : "1");
    }
}
