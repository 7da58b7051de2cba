package io.jmamba.runtime.api;

import java.util.Arrays;

/**
 * The launch shape of one task: global work size and, optionally, work-group (local) size, in one to
 * three dimensions. Subclasses name the dimension count as TornadoVM does.
 */
public abstract sealed class WorkerGrid permits WorkerGrid1D, WorkerGrid2D, WorkerGrid3D {
    private final long[] global;
    private long[] local;

    protected WorkerGrid(long... global) {
        for (long g : global) {
            if (g <= 0) {
                throw new IllegalArgumentException("global work size must be > 0 in every dimension, got "
                        + Arrays.toString(global));
            }
        }
        this.global = global.clone();
    }

    public final int dimensions() {
        return global.length;
    }

    public final long[] getGlobalWork() {
        return global.clone();
    }

    public final void setGlobalWork(long... sizes) {
        checkDims("global", sizes);
        System.arraycopy(sizes, 0, global, 0, global.length);
    }

    /** The work-group size, or null when the device chooses it. */
    public final long[] getLocalWork() {
        return local == null ? null : local.clone();
    }

    /**
     * Sets the work-group size. Each local size must divide the global size of its dimension, as in
     * OpenCL; kernels with barriers depend on whole work-groups.
     */
    public final WorkerGrid setLocalWork(long... sizes) {
        checkDims("local", sizes);
        for (int d = 0; d < sizes.length; d++) {
            if (sizes[d] <= 0 || global[d] % sizes[d] != 0) {
                throw new IllegalArgumentException("local work size " + Arrays.toString(sizes)
                        + " does not divide the global work size " + Arrays.toString(global) + " in dimension " + d);
            }
        }
        this.local = sizes.clone();
        return this;
    }

    private void checkDims(String what, long[] sizes) {
        if (sizes.length != global.length) {
            throw new IllegalArgumentException(what + " work size has " + sizes.length + " dimensions, grid has "
                    + global.length);
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "(global=" + Arrays.toString(global)
                + (local == null ? "" : ", local=" + Arrays.toString(local)) + ")";
    }
}
