package io.jmamba.runtime.api;

/** A 2-dimensional launch shape. */
public final class WorkerGrid2D extends WorkerGrid {
    public WorkerGrid2D(long x, long y) {
        super(x, y);
    }
}
