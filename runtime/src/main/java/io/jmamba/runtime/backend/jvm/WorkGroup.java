package io.jmamba.runtime.backend.jvm;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.function.Supplier;

/** What the work-items of one group share: local arrays (by allocation order) and the barrier. */
final class WorkGroup {
    private final List<Object> locals = new ArrayList<>();
    private final CyclicBarrier barrier;

    WorkGroup(CyclicBarrier barrier) {
        this.barrier = barrier;
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
