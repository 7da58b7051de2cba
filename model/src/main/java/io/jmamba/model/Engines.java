package io.jmamba.model;

import io.jmamba.model.device.DeviceEngine;
import io.jmamba.model.inference.InferenceEngine;
import io.jmamba.model.reference.ReferenceEngine;
import io.jmamba.model.weights.ModelWeights;
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
        if (device != null && device.equalsIgnoreCase(REFERENCE)) {
            return new ReferenceEngine(weights);
        }
        return new DeviceEngine(weights, device == null ? Devices.best() : Devices.find(device));
    }
}
