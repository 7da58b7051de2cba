package io.jmamba.runtime.backend;

import java.util.Arrays;

/**
 * Global and local work sizes of one launch, one to three dimensions.
 *
 * @param global work-items per dimension
 * @param local  work-group size per dimension, or null to let the backend choose
 */
public record LaunchGrid(long[] global, long[] local) {
    public LaunchGrid {
        if (global.length < 1 || global.length > 3 || (local != null && local.length != global.length)) {
            throw new IllegalArgumentException("bad launch grid " + Arrays.toString(global) + " / " + Arrays.toString(local));
        }
    }

    public int dimensions() {
        return global.length;
    }

    @Override
    public String toString() {
        return "global=" + Arrays.toString(global) + (local == null ? "" : " local=" + Arrays.toString(local));
    }
}
