package io.jmamba.runtime.jit;

import io.jmamba.runtime.api.KernelContext;

import java.util.Arrays;

/**
 * The launch shape a kernel with warp operations needs on every backend: an explicit local size whose
 * dimension 0 is a multiple of {@link KernelContext#WARP_SIZE} (so that a warp is 32 consecutive
 * {@code localIdx} of one row, as CUDA forms warps) and at most {@link #MAX_GROUP} work-items per group
 * (the OpenCL emulation's scratch array has one slot per work-item).
 */
public final class WarpLaunchRule {
    /** The most work-items a work-group of a warp kernel may have. */
    public static final int MAX_GROUP = WarpOps.SCRATCH_SLOTS;

    private WarpLaunchRule() {
    }

    /** Throws IllegalArgumentException naming the kernel and the sizes when {@code local} breaks the rule. */
    public static void check(String kernelName, long[] local) {
        if (local == null) {
            throw new IllegalArgumentException("kernel " + kernelName + " uses warp operations and needs an explicit local "
                    + "work size (WorkerGrid.setLocalWork) whose first dimension is a multiple of " + KernelContext.WARP_SIZE);
        }
        long items = 1;
        for (long l : local) {
            items *= l;
        }
        if (local.length == 0 || local[0] % KernelContext.WARP_SIZE != 0 || items > MAX_GROUP) {
            throw new IllegalArgumentException("kernel " + kernelName + " uses warp operations: its local work size "
                    + Arrays.toString(local) + " must have a first dimension that is a multiple of " + KernelContext.WARP_SIZE
                    + " and at most " + MAX_GROUP + " work-items in all");
        }
    }
}
