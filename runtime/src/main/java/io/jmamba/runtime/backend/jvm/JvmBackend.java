package io.jmamba.runtime.backend.jvm;

import io.jmamba.runtime.backend.Backend;
import io.jmamba.runtime.backend.ComputeDevice;

import java.util.List;
import java.util.Optional;

/**
 * The backend that runs a kernel's Java method itself. It is always there and it is the reference
 * every compiled backend is checked against.
 */
public final class JvmBackend implements Backend {
    private final JvmDevice device = new JvmDevice(Runtime.getRuntime().availableProcessors());

    @Override
    public String name() {
        return "jvm";
    }

    @Override
    public List<ComputeDevice> devices() {
        return List.of(device);
    }

    @Override
    public Optional<String> unavailableReason() {
        return Optional.empty();
    }
}
