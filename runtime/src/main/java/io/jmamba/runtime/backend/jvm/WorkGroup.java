package io.jmamba.runtime.backend.jvm;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.function.Supplier;

/**
 * What the work-items of one group share: local arrays (by allocation order), the barrier, and the
 * scratch slots (one per item) through which warp operations exchange values.
 */
final class WorkGroup {
    private final List<Object> locals = new ArrayList<>();
    private final CyclicBarrier barrier;
    private final int[] warpScratch;

    WorkGroup(CyclicBarrier barrier, int items) {
        this.barrier = barrier;
        this.warpScratch = barrier == null ? null : new int[items];
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
