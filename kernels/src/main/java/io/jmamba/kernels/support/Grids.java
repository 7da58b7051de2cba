package io.jmamba.kernels.support;

import io.jmamba.runtime.api.WorkerGrid;
import io.jmamba.runtime.api.WorkerGrid1D;
import io.jmamba.runtime.api.WorkerGrid2D;

/**
 * Launch shapes for kernels written as {@code @Parallel} loops. Those loops are grid-stride loops,
 * so any grid gives the right answer; these helpers cover the iteration space but cap each dimension
 * (work-item ids are {@code int}, and CUDA limits the grid's y extent), letting large problems stride.
 */
public final class Grids {
    /** Cap of dimension 0 (x). */
    public static final long MAX_X = 1L << 24;
    /** Cap of dimensions 1 and 2 (CUDA allows 65535 blocks in y and z). */
    public static final long MAX_YZ = 1L << 15;

    private Grids() {
    }

    public static WorkerGrid oneD(long n) {
        return new WorkerGrid1D(clamp(n, MAX_X));
    }

    public static WorkerGrid twoD(long x, long y) {
        return new WorkerGrid2D(clamp(x, MAX_X), clamp(y, MAX_YZ));
    }

    private static long clamp(long n, long max) {
        return Math.max(1, Math.min(n, max));
    }
}
