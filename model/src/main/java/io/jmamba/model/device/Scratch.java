package io.jmamba.model.device;

import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Intermediate arrays of one forward graph, by name, made on first request and shared by every
 * layer (tasks run in order, so layer l + 1 may reuse what layer l is done with). They never leave
 * the device.
 */
public final class Scratch {
    private final Map<String, FloatArray> arrays = new HashMap<>();
    private final Map<String, BFloat16Array> halves = new HashMap<>();
    private final Map<String, Object> others = new HashMap<>();

    /** The array called {@code name}, of exactly {@code size} floats. */
    public FloatArray get(String name, long size) {
        FloatArray a = arrays.computeIfAbsent(name, n -> new FloatArray(size));
        if (a.getSize() != size) {
            throw new IllegalStateException("scratch array " + name + " has " + a.getSize() + " floats, asked for " + size);
        }
        return a;
    }

    /** The bf16 array called {@code name}, of exactly {@code size} elements. */
    public BFloat16Array getBf16(String name, long size) {
        BFloat16Array a = halves.computeIfAbsent(name, n -> new BFloat16Array(size));
        if (a.getSize() != size) {
            throw new IllegalStateException("scratch array " + name + " has " + a.getSize() + " bf16 elements, asked for " + size);
        }
        return a;
    }

    /** Any other shared intermediate (a kernel workspace) called {@code name}, made by {@code make} on first request. */
    public <T> T shared(String name, Class<T> type, Supplier<T> make) {
        return type.cast(others.computeIfAbsent(name, n -> make.get()));
    }
}
