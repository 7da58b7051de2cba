package io.jmamba.runtime.conformance;

import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.KernelContext;

/**
 * Kernels for KernelContext.gridBarrier: every phase reads what OTHER work-groups wrote in the phase before,
 * so a barrier that let a group through early would show as a stale value. Three barriers per launch, so
 * one launch leaves the counter with bit 31 set and the next starts from there (the self-reset is used
 * within a launch and across launches).
 */
public final class GridBarrierKernels {
    private GridBarrierKernels() {
    }

    /**
     * Phase 1: a[i] = 3i + round. Phase 2: b[i] = 2 * a[same item of the next group] + 1. Phase 3: a[i] =
     * b[same item of the previous group] - round (overwriting what the previous group read in phase 2).
     * Phase 4: out[i] = a[item of the group two ahead] * 5 + b[i].
     */
    public static void exchange(KernelContext ctx, IntArray counter, IntArray a, IntArray b, IntArray out, int round) {
        int i = ctx.globalIdx;
        int l = ctx.localIdx;
        int size = ctx.localGroupSizeX;
        int groups = ctx.globalGroupSizeX / size;
        int g = ctx.groupIdx;
        a.set(i, 3 * i + round);
        ctx.gridBarrier(counter);
        b.set(i, 2 * a.get(((g + 1) % groups) * size + l) + 1);
        ctx.gridBarrier(counter);
        a.set(i, b.get(((g + groups - 1) % groups) * size + l) - round);
        barrierInHelper(ctx, counter);
        out.set(i, a.get(((g + 2) % groups) * size + l) * 5 + b.get(i));
    }

    /** A grid barrier in a device function: the counter is passed down as an array argument. */
    static void barrierInHelper(KernelContext ctx, IntArray counter) {
        ctx.gridBarrier(counter);
    }

    /** What {@link #exchange} writes to out[i] for a grid of {@code groups} groups of {@code size} items. */
    public static int expected(int i, int size, int groups, int round) {
        int g = i / size;
        int l = i % size;
        int j = ((g + 2) % groups) * size + l; // phase 4 reads a[j]
        int gj = j / size;
        int k = ((gj + groups - 1) % groups) * size + l; // which a[j] was b[k] - round (phase 3)
        int gk = k / size;
        int bk = 2 * (3 * (((gk + 1) % groups) * size + l) + round) + 1;
        int gi = g;
        int bi = 2 * (3 * (((gi + 1) % groups) * size + l) + round) + 1;
        return (bk - round) * 5 + bi;
    }

    /**
     * Waits on the previous launch (programmatic dependent launch on CUDA), adds 1 to a[i], then reads the
     * element of the next group after a grid barrier, then lets the next launch start: after k launches
     * out[i] == a[i] == k.
     */
    public static void incrementAfterWait(KernelContext ctx, IntArray counter, IntArray a, IntArray out) {
        ctx.gridDependencyWait();
        int i = ctx.globalIdx;
        a.set(i, a.get(i) + 1);
        ctx.gridBarrier(counter);
        ctx.launchDependents(); // every group is past the barrier, so all of them are resident: the next may start
        out.set(i, a.get((i + ctx.localGroupSizeX) % ctx.globalGroupSizeX));
    }

    /** A grid barrier behind ids in two dimensions: the group with all group ids 0 is the one that flips. */
    public static void exchange2d(KernelContext ctx, IntArray counter, IntArray a, IntArray out) {
        int width = ctx.globalGroupSizeX;
        int height = ctx.globalGroupSizeY;
        int i = ctx.globalIdy * width + ctx.globalIdx;
        a.set(i, i + 1);
        ctx.gridBarrier(counter);
        int total = width * height;
        out.set(i, a.get((i + width * ctx.localGroupSizeY + ctx.localGroupSizeX) % total) * 2);
    }
}
