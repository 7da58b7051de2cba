package io.jmamba.runtime.backend.opencl;

import io.jmamba.runtime.backend.DeviceKind;
import io.jmamba.runtime.backend.LaunchGrid;

import java.util.Arrays;

/**
 * Launches of kernels that call KernelContext.gridBarrier on OpenCL. OpenCL 1.2 promises nothing about how
 * many work-groups run at once, and the barrier waits for all of them, so:
 * <ul>
 *   <li>a CPU (or accelerator) device is refused, unless the grid is one work-group: its runtime (PoCL) runs
 *       a few work-groups at a time on its threads and starts the next ones only when those finish, so the
 *       first barrier would wait forever;</li>
 *   <li>on a GPU the grid may have at most one work-group per compute unit: every work-group a kernel can be
 *       launched with fits on a compute unit, so a grid no larger than the compute units is all resident at
 *       once (an NVIDIA GPU runs it as a CUDA grid of at most one block per multiprocessor). More groups
 *       would usually fit too, but how many depends on registers and local memory, which OpenCL does not
 *       report, so jmamba does not guess.</li>
 * </ul>
 * Without a local size the launch gets the largest divisor of the global size (dimension 0) up to 256, as
 * on CUDA, rather than the driver's choice, so that the group count is known.
 */
final class GridBarrierLaunch {
    /** Work-items per group in dimension 0 at most, when the caller leaves the local size open (as CUDA's default). */
    static final long DEFAULT_GROUP = 256;

    private GridBarrierLaunch() {
    }

    /** The grid to launch, or an exception that names the kernel and why it cannot run on {@code device}. */
    static LaunchGrid check(LaunchGrid grid, String kernelName, OpenClDevice device, long kernelMaxGroup) {
        return check(grid, kernelName, device.kind(), device.computeUnits(),
                device.id() + " (" + device.name() + ", " + device.platformName() + ")", kernelMaxGroup);
    }

    /**
     * The same for a device of {@code kind} with {@code computeUnits}, named {@code deviceName} in messages.
     */
    static LaunchGrid check(LaunchGrid grid, String kernelName, DeviceKind kind, int computeUnits, String deviceName,
                            long kernelMaxGroup) {
        LaunchGrid g = grid.local() != null ? grid : withDefaultLocal(grid, kernelMaxGroup);
        long groups = 1;
        for (int d = 0; d < g.global().length; d++) {
            groups *= g.global()[d] / g.local()[d];
        }
        if (kind != DeviceKind.GPU && groups > 1) {
            throw new UnsupportedOperationException("kernel " + kernelName + " calls KernelContext.gridBarrier, which needs "
                    + "every work-group of the launch running at once; " + deviceName + " is a "
                    + kind.name().toLowerCase(java.util.Locale.ROOT)
                    + " device whose OpenCL runtime runs a few work-groups at a time and starts the rest when those "
                    + "finish, so the barrier would wait forever (its grid has " + groups + " work-groups: global "
                    + Arrays.toString(g.global()) + ", local " + Arrays.toString(g.local()) + "; only a single work-group "
                    + "can run there). Run it on CUDA, an OpenCL GPU or the JVM backend");
        }
        int limit = kind == DeviceKind.GPU ? computeUnits : 1;
        if (groups > limit) {
            throw new IllegalArgumentException("kernel " + kernelName + " calls KernelContext.gridBarrier, so all its "
                    + "work-groups must run at once, but its grid has " + groups + " work-groups (global "
                    + Arrays.toString(g.global()) + ", local " + Arrays.toString(g.local()) + ") and " + deviceName
                    + " is only known to hold one per compute unit: at most " + limit
                    + " work-groups; size the grid by ComputeDevice.computeUnits()");
        }
        return g;
    }

    private static LaunchGrid withDefaultLocal(LaunchGrid grid, long kernelMaxGroup) {
        long[] global = grid.global();
        long[] local = new long[global.length];
        Arrays.fill(local, 1);
        long cap = Math.max(1, Math.min(DEFAULT_GROUP, kernelMaxGroup));
        for (long c = Math.min(cap, global[0]); c >= 1; c--) {
            if (global[0] % c == 0) {
                local[0] = c;
                break;
            }
        }
        return new LaunchGrid(global, local);
    }
}
