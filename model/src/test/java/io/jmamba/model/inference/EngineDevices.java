package io.jmamba.model.inference;

import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceMatrix;

import java.util.ArrayList;
import java.util.List;

/**
 * The engine device names the model tests run on: the plain-Java reference, then the task-graph
 * engine on every device of {@link DeviceMatrix#devices()} (the JVM backend, OpenCL, CUDA).
 */
final class EngineDevices {
    private EngineDevices() {
    }

    static List<String> forTests() {
        List<String> out = new ArrayList<>();
        out.add("reference");
        for (ComputeDevice d : DeviceMatrix.devices()) {
            out.add(d.id());
        }
        return out;
    }
}
