package io.jmamba.runtime.backend.opencl;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Built program binaries of one device, keyed by build options and source, so that a second session on
 * the device loads the binary (clCreateProgramWithBinary) instead of compiling the source again.
 * Programs themselves belong to a context and cannot be shared across sessions; binaries can.
 * Least recently used entries go first once {@code capacity} is reached (a fuzzer builds thousands).
 */
final class ProgramBinaryCache {
    private final Map<String, byte[]> entries;
    private long loads;

    ProgramBinaryCache(int capacity) {
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, byte[]> eldest) {
                return size() > capacity;
            }
        };
    }

    static String key(String options, String source) {
        return options + "\u0000" + source;
    }

    synchronized byte[] get(String key) {
        return entries.get(key);
    }

    synchronized void put(String key, byte[] binary) {
        entries.put(key, binary);
    }

    synchronized void remove(String key) {
        entries.remove(key);
    }

    /** Counts a program that was built from a cached binary rather than from source. */
    synchronized void countLoad() {
        loads++;
    }

    /** How many programs came from cached binaries so far. */
    synchronized long loads() {
        return loads;
    }

    synchronized int size() {
        return entries.size();
    }
}
