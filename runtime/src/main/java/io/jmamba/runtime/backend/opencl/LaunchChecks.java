package io.jmamba.runtime.backend.opencl;

import io.jmamba.runtime.backend.LaunchGrid;

import java.util.Arrays;

/** Checks a launch grid before OpenCL sees it, so that mistakes get messages with the sizes in them. */
final class LaunchChecks {
    private LaunchChecks() {
    }

    /**
     * Rejects negative sizes and a local size that does not divide the global size (OpenCL 1.2 needs
     * whole work-groups). Returns false when the grid is empty (some global size is 0): nothing to run.
     */
    static boolean validate(LaunchGrid grid, String kernelName) {
        long[] global = grid.global();
        long[] local = grid.local();
        boolean empty = false;
        for (int d = 0; d < global.length; d++) {
            if (global[d] < 0) {
                throw new IllegalArgumentException("kernel " + kernelName + ": global size " + Arrays.toString(global)
                        + " is negative in dimension " + d);
            }
            empty |= global[d] == 0;
            if (local != null) {
                if (local[d] <= 0) {
                    throw new IllegalArgumentException("kernel " + kernelName + ": local size " + Arrays.toString(local)
                            + " must be positive in every dimension (dimension " + d + " is " + local[d] + ")");
                }
                if (global[d] % local[d] != 0) {
                    throw new IllegalArgumentException("kernel " + kernelName + ": local size " + Arrays.toString(local)
                            + " does not divide global size " + Arrays.toString(global) + " in dimension " + d + " ("
                            + global[d] + " % " + local[d] + " = " + global[d] % local[d] + ")");
                }
            }
        }
        return !empty;
    }

    /** The detail for CL_INVALID_WORK_GROUP_SIZE: the sizes asked for and what the device and kernel allow. */
    static String workGroupSizeDetail(LaunchGrid grid, long deviceMax, long kernelMax) {
        long product = 1;
        if (grid.local() != null) {
            for (long l : grid.local()) {
                product *= l;
            }
        }
        return "local size " + (grid.local() == null ? "(chosen by the driver)" : Arrays.toString(grid.local())
                + " (" + product + " work-items per group)") + " for global size " + Arrays.toString(grid.global())
                + "; the device's maximum work-group size is " + deviceMax + ", this kernel's is " + kernelMax;
    }
}
