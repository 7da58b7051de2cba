package io.jmamba.runtime.backend;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The devices a portability check or a cross-backend test runs on: the JVM first (the reference), then
 * every OpenCL and CUDA device found.
 *
 * <p>A backend that is missing is normally skipped with its reason. Where it must be there (CI sets
 * {@code JMAMBA_REQUIRE_BACKENDS=opencl}; a GPU run sets {@code cuda,opencl}), {@link #devices()}
 * throws instead, so that a missing runtime fails the run rather than passing it with less tested.
 *
 * <p>{@code JMAMBA_BACKENDS} (or {@code -Djmamba.backends}), e.g. {@code cuda,opencl}, limits the matrix to
 * those backends: a GPU run can leave out the JVM reference, which CI already covers and which is the
 * slowest part of a cross-backend test.
 */
public final class DeviceMatrix {
    private DeviceMatrix() {
    }

    public static List<ComputeDevice> devices() {
        List<ComputeDevice> out = new ArrayList<>();
        List<String> only = listed("jmamba.backends", "JMAMBA_BACKENDS");
        for (String name : List.of("jvm", "opencl", "cuda")) {
            if (only.isEmpty() || only.contains(name)) {
                Devices.backend(name).ifPresent(b -> out.addAll(b.devices()));
            }
        }
        for (String required : requiredBackends()) {
            Backend b = Devices.backend(required).orElse(null);
            if (b == null || b.devices().isEmpty()) {
                throw new IllegalStateException("backend " + required + " is required (JMAMBA_REQUIRE_BACKENDS) but has no device: "
                        + (b == null ? "unknown backend" : b.unavailableReason().orElse("none found")));
            }
        }
        return out;
    }

    /**
     * The JVM device, the reference that compiled results are compared with, whether or not
     * {@code JMAMBA_BACKENDS} lists it (the same instance as in {@link #devices()} when it does).
     */
    public static Optional<ComputeDevice> reference() {
        return Devices.backend("jvm").flatMap(b -> b.devices().stream().findFirst());
    }

    /** The compiled (non-JVM) devices of {@link #devices()}. */
    public static List<ComputeDevice> compiledDevices() {
        return devices().stream().filter(d -> !d.backendName().equals("jvm")).toList();
    }

    /** Backend names from JMAMBA_REQUIRE_BACKENDS (or -Djmamba.require.backends). */
    public static List<String> requiredBackends() {
        return listed("jmamba.require.backends", "JMAMBA_REQUIRE_BACKENDS");
    }

    /** Backend names from a system property, else an environment variable: lower case, blanks dropped. */
    private static List<String> listed(String property, String variable) {
        String v = System.getProperty(property, System.getenv(variable));
        if (v == null || v.isBlank()) {
            return List.of();
        }
        return Arrays.stream(v.split(",")).map(s -> s.trim().toLowerCase(Locale.ROOT)).filter(s -> !s.isEmpty()).toList();
    }
}
