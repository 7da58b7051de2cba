package io.jmamba.runtime.api;

/** A 1-dimensional launch shape. */
public final class WorkerGrid1D extends WorkerGrid {
    public WorkerGrid1D(long x) {
        super(x);
    }
}
