package io.jmamba.model;

import io.jmamba.model.device.DeviceEngine;
import io.jmamba.model.device.KernelSet;
import io.jmamba.model.inference.InferenceEngine;
import io.jmamba.model.reference.ReferenceEngine;
import io.jmamba.model.weights.ModelWeights;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.Devices;

/** Picks the engine for a device name. */
public final class Engines {
    /** The plain-Java reference engine's device name. */
    public static final String REFERENCE = "reference";

    private Engines() {
    }

    /**
     * {@code "reference"} gives the plain-Java reference. Anything else names a device for the
     * task-graph engine; {@code null} means the best device found.
     */
    public static InferenceEngine create(ModelWeights weights, String device) {
        return create(weights, device, null);
    }

    /**
     * As {@link #create(ModelWeights, String)}, with the task-graph engine's kernels chosen
     * ({@code null}: {@link KernelSet#defaultFor} the device).
     */
    public static InferenceEngine create(ModelWeights weights, String device, KernelSet kernels) {
        if (device != null && device.equalsIgnoreCase(REFERENCE)) {
            return new ReferenceEngine(weights);
        }
        ComputeDevice d = device == null ? Devices.best() : Devices.find(device);
        return new DeviceEngine(weights, d, true, kernels != null ? kernels : KernelSet.defaultFor(d));
    }
}
