package io.jmamba.runtime.backend.jvm;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.function.Supplier;

/**
 * What the work-items of one group share: local arrays (by allocation order), the barrier, the
 * scratch slots (one per item) through which warp operations exchange values, and the launch's grid
 * barrier (null unless the kernel calls KernelContext.gridBarrier).
 */
final class WorkGroup {
    private final List<Object> locals = new ArrayList<>();
    private final CyclicBarrier barrier;
    private final int[] warpScratch;
    private final GridSync grid;

    WorkGroup(CyclicBarrier barrier, int items) {
        this(barrier, items, null);
    }

    WorkGroup(CyclicBarrier barrier, int items, GridSync grid) {
        this.barrier = barrier;
        this.warpScratch = barrier == null ? null : new int[items];
        this.grid = grid;
    }

    /** The launch's grid barrier, or null when the launch does not run all its work-items at once. */
    GridSync grid() {
        return grid;
    }

    /** One int slot per work-item, indexed by the linear local id (null when items run one at a time). */
    int[] warpScratch() {
        return warpScratch;
    }

    CyclicBarrier barrier() {
        return barrier;
    }

    synchronized Object local(int ordinal, Supplier<Object> make) {
        while (locals.size() <= ordinal) {
            locals.add(null);
        }
        Object a = locals.get(ordinal);
        if (a == null) {
            a = make.get();
            locals.set(ordinal, a);
        }
        return a;
    }
}
