package io.jmamba.runtime.api;

/** A 3-dimensional launch shape. */
public final class WorkerGrid3D extends WorkerGrid {
    public WorkerGrid3D(long x, long y, long z) {
        super(x, y, z);
    }
}
