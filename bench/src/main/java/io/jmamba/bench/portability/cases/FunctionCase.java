package io.jmamba.bench.portability.cases;

import io.jmamba.bench.portability.ConformanceCase;
import io.jmamba.runtime.backend.ComputeDevice;

import java.util.function.Function;

/** A conformance case given by its id, shape and a function that runs it on a device. */
record FunctionCase(String id, String shape, Function<ComputeDevice, float[]> body) implements ConformanceCase {
    @Override
    public float[] run(ComputeDevice device) {
        return body.apply(device);
    }
}
