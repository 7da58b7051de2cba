package io.jmamba.runtime.backend.jvm;

import io.jmamba.runtime.backend.LaunchGrid;
import io.jmamba.runtime.jit.WarpLaunchRule;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.stream.LongStream;

/**
 * Runs a kernel over a grid on the JVM. A kernel without a KernelContext runs once (its
 * {@code @Parallel} loops cover the whole range). Otherwise work-groups run in parallel on the
 * common pool; within a group, items run one after another on one thread, or, when the kernel waits
 * at barriers, each on its own virtual thread so that the barrier can be honoured. A kernel with a grid
 * barrier runs every work-item of the launch at once, each on its own virtual thread.
 */
final class JvmLauncher {
    private JvmLauncher() {
    }

    static void launch(JvmKernel kernel, LaunchGrid grid, Object[] args) {
        if (kernel.contextIndex < 0) {
            invoke(kernel, args, null);
            return;
        }
        if (kernel.usesWarpOps) {
            WarpLaunchRule.check(kernel.method.getDeclaringClass().getSimpleName() + "." + kernel.method.getName(), grid.local());
        }
        long[] global = pad(grid.global(), 1);
        long[] local = grid.local() == null ? defaultLocal(global) : pad(grid.local(), 1);
        for (int d = 0; d < 3; d++) {
            if (global[d] % local[d] != 0) {
                throw new IllegalArgumentException("local work size " + java.util.Arrays.toString(local)
                        + " does not divide global work size " + java.util.Arrays.toString(global));
            }
            if (global[d] > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("global work size " + global[d] + " exceeds int ids in dimension " + d);
            }
        }
        long[] groups = {global[0] / local[0], global[1] / local[1], global[2] / local[2]};
        long groupCount = groups[0] * groups[1] * groups[2];
        int itemsPerGroup = Math.toIntExact(local[0] * local[1] * local[2]);
        if (kernel.usesGridBarrier) {
            runAllAtOnce(kernel, args, global, local, groups, itemsPerGroup);
            return;
        }
        LongStream.range(0, groupCount).parallel().forEach(g -> {
            int gx = (int) (g % groups[0]);
            int gy = (int) ((g / groups[0]) % groups[1]);
            int gz = (int) (g / (groups[0] * groups[1]));
            if (kernel.usesBarrier && itemsPerGroup > 1) {
                runGroupThreaded(kernel, args, global, local, gx, gy, gz, itemsPerGroup);
            } else {
                runGroupSequential(kernel, args, global, local, gx, gy, gz, itemsPerGroup);
            }
        });
    }

    private static void runGroupSequential(JvmKernel kernel, Object[] args, long[] global, long[] local,
                                           int gx, int gy, int gz, int items) {
        WorkGroup group = new WorkGroup(null, items);
        JvmKernelContext ctx = new JvmKernelContext(group);
        Object[] a = args.clone();
        a[kernel.contextIndex] = ctx;
        for (int i = 0; i < items; i++) {
            place(ctx, global, local, gx, gy, gz, i);
            invoke(kernel, a, ctx);
        }
    }

    private static void runGroupThreaded(JvmKernel kernel, Object[] args, long[] global, long[] local,
                                         int gx, int gy, int gz, int items) {
        WorkGroup group = new WorkGroup(new CyclicBarrier(items), items);
        List<Thread> threads = new ArrayList<>(items);
        Throwable[] failure = new Throwable[1];
        for (int i = 0; i < items; i++) {
            JvmKernelContext ctx = new JvmKernelContext(group);
            place(ctx, global, local, gx, gy, gz, i);
            Object[] a = args.clone();
            a[kernel.contextIndex] = ctx;
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    invoke(kernel, a, ctx);
                } catch (Throwable t) {
                    synchronized (failure) {
                        if (failure[0] == null) {
                            failure[0] = t;
                        }
                    }
                    group.barrier().reset(); // release the others instead of leaving them waiting
                }
            }));
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while running a work-group", e);
            }
        }
        if (failure[0] != null) {
            throw failure[0] instanceof RuntimeException re ? re : new IllegalStateException(failure[0]);
        }
    }

    /**
     * Runs every work-item of the launch at once, each on its own virtual thread, so that a grid barrier
     * (KernelContext.gridBarrier) can wait for all of them; work-group barriers still synchronise each group.
     * When an item fails, the others are released from whatever barrier they wait at (again and again,
     * until all have ended: an item that reaches a barrier after a reset would otherwise wait there).
     */
    private static void runAllAtOnce(JvmKernel kernel, Object[] args, long[] global, long[] local, long[] groups,
                                     int itemsPerGroup) {
        String name = kernel.method.getDeclaringClass().getSimpleName() + "." + kernel.method.getName();
        long groupCount = groups[0] * groups[1] * groups[2];
        long total = groupCount * itemsPerGroup;
        if (total > MAX_GRID_BARRIER_ITEMS) {
            throw new IllegalArgumentException("kernel " + name + " calls gridBarrier, so the JVM backend runs all its "
                    + "work-items at once, each on its own thread; a grid of " + total + " work-items (" + groupCount
                    + " groups of " + itemsPerGroup + ") is more than its limit of " + MAX_GRID_BARRIER_ITEMS
                    + " (size the grid by ComputeDevice.computeUnits())");
        }
        GridSync grid = new GridSync((int) total, Math.toIntExact(groupCount), name);
        List<WorkGroup> workGroups = new ArrayList<>();
        List<Thread> threads = new ArrayList<>((int) total);
        Throwable[] failure = new Throwable[1];
        for (long g = 0; g < groupCount; g++) {
            int gx = (int) (g % groups[0]);
            int gy = (int) ((g / groups[0]) % groups[1]);
            int gz = (int) (g / (groups[0] * groups[1]));
            WorkGroup group = new WorkGroup(new CyclicBarrier(itemsPerGroup), itemsPerGroup, grid);
            workGroups.add(group);
            for (int i = 0; i < itemsPerGroup; i++) {
                JvmKernelContext ctx = new JvmKernelContext(group);
                place(ctx, global, local, gx, gy, gz, i);
                Object[] a = args.clone();
                a[kernel.contextIndex] = ctx;
                threads.add(Thread.ofVirtual().start(() -> {
                    try {
                        invoke(kernel, a, ctx);
                    } catch (Throwable t) {
                        synchronized (failure) {
                            if (failure[0] == null) {
                                failure[0] = t;
                            }
                        }
                        grid.breakBarrier();
                    }
                }));
            }
        }
        try {
            for (Thread t : threads) {
                while (!t.join(java.time.Duration.ofMillis(50))) {
                    boolean failed;
                    synchronized (failure) {
                        failed = failure[0] != null;
                    }
                    if (failed) {
                        grid.breakBarrier();
                        workGroups.forEach(w -> w.barrier().reset());
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running kernel " + name, e);
        }
        if (failure[0] != null) {
            throw failure[0] instanceof RuntimeException re ? re : new IllegalStateException(failure[0]);
        }
    }

    /** The most work-items a launch of a kernel with a grid barrier may have on the JVM (one virtual thread each). */
    static final long MAX_GRID_BARRIER_ITEMS = 1 << 16;

    /** Sets the ids of item {@code i} (x fastest) of group (gx, gy, gz). */
    private static void place(JvmKernelContext c, long[] global, long[] local, int gx, int gy, int gz, int i) {
        int lx = (int) (i % local[0]);
        int ly = (int) ((i / local[0]) % local[1]);
        int lz = (int) (i / (local[0] * local[1]));
        c.localIdx = lx;
        c.localIdy = ly;
        c.localIdz = lz;
        c.groupIdx = gx;
        c.groupIdy = gy;
        c.groupIdz = gz;
        c.globalIdx = (int) (gx * local[0] + lx);
        c.globalIdy = (int) (gy * local[1] + ly);
        c.globalIdz = (int) (gz * local[2] + lz);
        c.localGroupSizeX = (int) local[0];
        c.localGroupSizeY = (int) local[1];
        c.localGroupSizeZ = (int) local[2];
        c.globalGroupSizeX = (int) global[0];
        c.globalGroupSizeY = (int) global[1];
        c.globalGroupSizeZ = (int) global[2];
        c.resetAllocations();
    }

    private static void invoke(JvmKernel kernel, Object[] args, JvmKernelContext ctx) {
        try {
            kernel.handle.invokeExact(args);
        } catch (RuntimeException | Error e) {
            String where = ctx == null ? "" : " at work-item (" + ctx.globalIdx + ", " + ctx.globalIdy + ", " + ctx.globalIdz + ")";
            throw new KernelExecutionException("kernel " + kernel.method.getDeclaringClass().getSimpleName() + "."
                    + kernel.method.getName() + " failed on the JVM" + where + ": " + e, e);
        } catch (Throwable t) {
            throw new KernelExecutionException("kernel " + kernel.method.getName() + " failed on the JVM: " + t, t);
        }
    }

    /** Largest divisor of the first dimension up to 64; other dimensions one item wide. */
    private static long[] defaultLocal(long[] global) {
        long l = 1;
        for (long c = Math.min(64, global[0]); c >= 1; c--) {
            if (global[0] % c == 0) {
                l = c;
                break;
            }
        }
        return new long[] {l, 1, 1};
    }

    private static long[] pad(long[] v, long fill) {
        long[] out = {fill, fill, fill};
        System.arraycopy(v, 0, out, 0, v.length);
        return out;
    }
}
