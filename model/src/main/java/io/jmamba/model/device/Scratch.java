package io.jmamba.model.device;

import io.jmamba.runtime.api.FloatArray;

import java.util.HashMap;
import java.util.Map;

/**
 * Intermediate arrays of one forward graph, by name, made on first request and shared by every
 * layer (tasks run in order, so layer l + 1 may reuse what layer l is done with). They never leave
 * the device.
 */
public final class Scratch {
    private final Map<String, FloatArray> arrays = new HashMap<>();

    /** The array called {@code name}, of exactly {@code size} floats. */
    public FloatArray get(String name, long size) {
        FloatArray a = arrays.computeIfAbsent(name, n -> new FloatArray(size));
        if (a.getSize() != size) {
            throw new IllegalStateException("scratch array " + name + " has " + a.getSize() + " floats, asked for " + size);
        }
        return a;
    }
}
