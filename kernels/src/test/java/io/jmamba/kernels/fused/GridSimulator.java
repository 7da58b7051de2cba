package io.jmamba.kernels.fused;

import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.KernelContext;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs a kernel method on the host with every work-item of every work-group at once (a virtual thread each), so
 * that {@link KernelContext#gridBarrier} can be honoured: a test stand-in for a backend with grid barriers while the
 * JVM backend has none. Local barriers, local memory and the warp operations the persistent kernels use
 * (warpReduceSum, shuffleXor) follow the JVM backend's contract (the published-slot exchange, the butterfly order),
 * so results agree bit for bit with it. One-dimensional grids only.
 */
final class GridSimulator {
    private static final int W = KernelContext.WARP_SIZE;

    private GridSimulator() {
    }

    /** Runs {@code kernel} on {@code groups} work-groups of {@code local} items; {@code args} as a task passes them. */
    static void run(Method kernel, List<Object> args, int groups, int local) {
        CyclicBarrier grid = new CyclicBarrier(groups * local);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Group> all = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int g = 0; g < groups; g++) {
            Group group = new Group(local);
            all.add(group);
            for (int l = 0; l < local; l++) {
                Sim ctx = new Sim(group, grid);
                ctx.groupIdx = g;
                ctx.localIdx = l;
                ctx.globalIdx = g * local + l;
                ctx.localGroupSizeX = local;
                ctx.globalGroupSizeX = groups * local;
                Object[] a = args.toArray();
                for (int i = 0; i < a.length; i++) {
                    if (a[i] instanceof KernelContext) {
                        a[i] = ctx;
                    }
                }
                threads.add(Thread.ofVirtual().start(() -> {
                    try {
                        kernel.invoke(null, a);
                    } catch (InvocationTargetException e) {
                        fail(failure, e.getCause(), grid, all);
                    } catch (Throwable e) {
                        fail(failure, e, grid, all);
                    }
                }));
            }
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        if (failure.get() != null) {
            throw new IllegalStateException("simulated launch of " + kernel.getName() + " failed", failure.get());
        }
    }

    private static void fail(AtomicReference<Throwable> failure, Throwable e, CyclicBarrier grid, List<Group> groups) {
        boolean first = failure.compareAndSet(null, e);
        if (first) {
            // release everyone waiting at a barrier (they fail with BrokenBarrierException, which is not reported)
            grid.reset();
            for (Group g : groups) {
                g.barrier.reset();
            }
        }
    }

    /** One work-group's shared state: its barrier, its local arrays by allocation order, the warp exchange slots. */
    private static final class Group {
        final CyclicBarrier barrier;
        final List<Object> locals = new ArrayList<>();
        final int[] slots;

        Group(int local) {
            barrier = new CyclicBarrier(local);
            slots = new int[local];
        }

        synchronized Object local(int index, java.util.function.Supplier<Object> make) {
            while (locals.size() <= index) {
                locals.add(null);
            }
            if (locals.get(index) == null) {
                locals.set(index, make.get());
            }
            return locals.get(index);
        }
    }

    private static final class Sim extends KernelContext {
        private final Group group;
        private final CyclicBarrier grid;
        private int allocations;

        Sim(Group group, CyclicBarrier grid) {
            this.group = group;
            this.grid = grid;
        }

        private static void await(CyclicBarrier b) {
            try {
                b.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException | BrokenBarrierException | TimeoutException e) {
                throw new IllegalStateException("barrier: " + e, e);
            }
        }

        @Override
        public void localBarrier() {
            await(group.barrier);
        }

        @Override
        public void globalBarrier() {
            await(group.barrier);
        }

        @Override
        public void gridBarrier(IntArray counter) {
            await(grid);
        }

        @Override
        public void gridDependencyWait() {
        }

        @Override
        public void launchDependents() {
        }

        @Override
        public float[] allocateFloatLocalArray(int size) {
            return (float[]) group.local(allocations++, () -> new float[size]);
        }

        @Override
        public int[] allocateIntLocalArray(int size) {
            return (int[]) group.local(allocations++, () -> new int[size]);
        }

        private int[] exchange(int bits) {
            await(group.barrier);
            group.slots[localIdx] = bits;
            await(group.barrier);
            int[] warp = new int[W];
            System.arraycopy(group.slots, localIdx & ~(W - 1), warp, 0, W);
            return warp;
        }

        @Override
        public float warpReduceSum(float v) {
            int[] warp = exchange(Float.floatToRawIntBits(v));
            float[] x = new float[W];
            for (int i = 0; i < W; i++) {
                x[i] = Float.intBitsToFloat(warp[i]);
            }
            for (int o = W / 2; o > 0; o >>= 1) {
                for (int j = 0; j < o; j++) {
                    x[j] = x[j] + x[j + o];
                }
            }
            return x[0];
        }

        @Override
        public float shuffleXor(float v, int laneMask) {
            int[] warp = exchange(Float.floatToRawIntBits(v));
            return Float.intBitsToFloat(warp[(localIdx & (W - 1)) ^ (laneMask & (W - 1))]);
        }
    }
}
