package io.jmamba.runtime.backend.opencl;

import io.jmamba.runtime.backend.LaunchGrid;
import io.jmamba.runtime.jit.GeneratedKernel;

/**
 * Picks work-groups for launches that leave the choice to the backend. OpenCL 1.2 needs the global size
 * to be a multiple of the local size, so for an awkward global size (a prime, say) a driver given no local
 * size falls back to tiny groups (one item per group on PoCL), which costs a lot. A {@code @Parallel}
 * kernel's loops are grid-stride and check their bounds, so extra work-items are harmless: for such a
 * kernel the global size of dimension 0 is rounded up to a whole number of groups of {@link #GROUP} items
 * (or the kernel's maximum, if smaller). KernelContext kernels keep the grid they were given, since
 * their ids mean what the caller says they mean.
 */
final class LaunchShaper {
    /** Items per group in dimension 0: a multiple of NVIDIA's warp and of PoCL's vector width. */
    static final long GROUP = 128;

    private LaunchShaper() {
    }

    static LaunchGrid shape(LaunchGrid grid, GeneratedKernel generated, long kernelMaxGroup) {
        if (grid.local() != null || generated.usesContext() || generated.usesBarriers()
                || generated.parallelLoops().isEmpty()) {
            return grid;
        }
        long group = Math.max(1, Math.min(GROUP, kernelMaxGroup));
        long[] global = grid.global().clone();
        long[] local = new long[global.length];
        java.util.Arrays.fill(local, 1);
        local[0] = group;
        global[0] = (global[0] + group - 1) / group * group;
        return new LaunchGrid(global, local);
    }
}
