package io.jmamba.runtime.backend.jvm;

import io.jmamba.runtime.api.IntArray;

import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * KernelContext.gridBarrier on the JVM: a barrier over every work-item of one launch (all of them run at
 * once, each on its own virtual thread, see {@link JvmLauncher}). The counter gets the same additions as on
 * a GPU (the first item of the group with all group ids 0 adds {@code 0x80000000 - (groups - 1)}, the first
 * item of every other group adds 1), so that it holds what it would hold on a GPU between barriers and
 * after the launch (0 or 0x80000000 for a counter that started at 0); the waiting itself is the
 * CyclicBarrier's, whose trip also orders every item's writes before every item's reads after it.
 */
final class GridSync {
    private static final VarHandle INT_AT = ValueLayout.JAVA_INT.varHandle();

    private final CyclicBarrier barrier;
    private final int groups;
    private final String kernelName;

    GridSync(int items, int groups, String kernelName) {
        this.barrier = new CyclicBarrier(items);
        this.groups = groups;
        this.kernelName = kernelName;
    }

    /** Releases every waiting item with a failure (one item failed: the others must not wait for it). */
    void breakBarrier() {
        barrier.reset();
    }

    void await(JvmKernelContext item, IntArray counter, long timeoutSeconds) {
        if (counter == null || counter.getSize() < 1) {
            throw new IndexOutOfBoundsException("kernel " + kernelName + ": gridBarrier needs a counter of at least one int, got "
                    + (counter == null ? "null" : counter.getSize() + " ints"));
        }
        if (item.localIdx == 0 && item.localIdy == 0 && item.localIdz == 0) {
            boolean flipper = item.groupIdx == 0 && item.groupIdy == 0 && item.groupIdz == 0;
            INT_AT.getAndAdd(counter.getSegment(), 0L, flipper ? 0x80000000 - (groups - 1) : 1);
        }
        try {
            barrier.await(timeoutSeconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("work-item interrupted at a grid barrier", e);
        } catch (BrokenBarrierException | TimeoutException e) {
            throw new IllegalStateException("kernel " + kernelName + ": grid barrier broken at work-group (" + item.groupIdx + ", "
                    + item.groupIdy + ", " + item.groupIdz + "): not every work-item of the launch reached it (another "
                    + "work-item failed, or the barrier is inside divergent control flow)", e);
        }
    }
}
