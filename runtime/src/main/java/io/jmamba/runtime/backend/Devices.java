package io.jmamba.runtime.backend;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Finds the backends and their devices. The default device is the first of: a CUDA GPU, an OpenCL
 * GPU, an OpenCL CPU, the JVM. {@code -Djmamba.device=ID} (or the CLI's --device) overrides it.
 */
public final class Devices {
    /** Backends in order of preference; each is loaded by name so that one that fails to load is only reported. */
    private static final String[] BACKENDS = {
            "io.jmamba.runtime.backend.cuda.CudaBackend",
            "io.jmamba.runtime.backend.opencl.OpenClBackend",
            "io.jmamba.runtime.backend.jvm.JvmBackend",
    };

    private static volatile List<Backend> backends;

    private Devices() {
    }

    /** Every backend, available or not, in order of preference. Discovery runs once per process. */
    public static List<Backend> backends() {
        List<Backend> b = backends;
        if (b == null) {
            synchronized (Devices.class) {
                if (backends == null) {
                    backends = discover();
                }
                b = backends;
            }
        }
        return b;
    }

    /** Every device of every backend. */
    public static List<ComputeDevice> all() {
        List<ComputeDevice> out = new ArrayList<>();
        for (Backend b : backends()) {
            out.addAll(b.devices());
        }
        return out;
    }

    /** The device named by {@code -Djmamba.device}, else the best one found (the JVM at worst). */
    public static ComputeDevice best() {
        String wanted = System.getProperty("jmamba.device");
        if (wanted != null && !wanted.isBlank()) {
            return find(wanted);
        }
        return all().stream()
                .min(Comparator.comparingInt((ComputeDevice d) -> backendRank(d.backendName()) * 10 + d.kind().ordinal())
                        .thenComparing(d -> d.kind().ordinal()))
                .orElseThrow(() -> new IllegalStateException("no device found, not even the JVM backend"));
    }

    /**
     * A device by id ("cuda:0", "opencl:0:1", "jvm") or by backend name ("cuda", "opencl", "jvm":
     * that backend's first device, GPUs first).
     */
    public static ComputeDevice find(String idOrBackend) {
        for (ComputeDevice d : all()) {
            if (d.id().equalsIgnoreCase(idOrBackend)) {
                return d;
            }
        }
        for (Backend b : backends()) {
            if (b.name().equalsIgnoreCase(idOrBackend)) {
                return b.devices().stream().min(Comparator.comparingInt(d -> d.kind().ordinal()))
                        .orElseThrow(() -> new IllegalStateException("backend " + b.name() + " has no device: "
                                + b.unavailableReason().orElse("none found")));
            }
        }
        throw new IllegalArgumentException("no device \"" + idOrBackend + "\"; found: "
                + all().stream().map(ComputeDevice::id).toList());
    }

    /** Devices of one backend, or empty with the backend's reason. */
    public static Optional<Backend> backend(String name) {
        return backends().stream().filter(b -> b.name().equalsIgnoreCase(name)).findFirst();
    }

    private static int backendRank(String name) {
        return switch (name) {
            case "cuda" -> 0;
            case "opencl" -> 1;
            default -> 2;
        };
    }

    private static List<Backend> discover() {
        List<Backend> out = new ArrayList<>();
        for (String cls : BACKENDS) {
            String name = cls.substring(cls.lastIndexOf('.') + 1).replace("Backend", "").toLowerCase();
            try {
                out.add((Backend) Class.forName(cls).getDeclaredConstructor().newInstance());
            } catch (ReflectiveOperationException | LinkageError e) {
                out.add(new UnavailableBackend(name, "backend class " + cls + " could not be loaded: " + e));
            }
        }
        return List.copyOf(out);
    }

    /** Stands in for a backend whose class failed to load, so that `jmamba devices` can say so. */
    private record UnavailableBackend(String name, String reason) implements Backend {
        @Override
        public List<ComputeDevice> devices() {
            return List.of();
        }

        @Override
        public Optional<String> unavailableReason() {
            return Optional.of(reason);
        }
    }
}
