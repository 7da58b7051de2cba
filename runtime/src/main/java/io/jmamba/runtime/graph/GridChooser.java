package io.jmamba.runtime.graph;

import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.NativeArray;
import io.jmamba.runtime.api.WorkerGrid;
import io.jmamba.runtime.backend.CompiledKernel;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.LaunchGrid;
import io.jmamba.runtime.jit.GeneratedKernel;
import io.jmamba.runtime.jit.ParallelLoop;

import java.util.Arrays;
import java.util.List;

/**
 * Picks the launch grid of a task: the user's WorkerGrid when the GridScheduler has one; otherwise,
 * for {@code @Parallel} kernels, one work-item per iteration of each parallel loop (capped, since the
 * loops are grid-stride and stay correct with fewer items). A KernelContext kernel without a grid is
 * an error: its meaning depends on the grid.
 */
final class GridChooser {
    /** More items than this per dimension buy nothing: the grid-stride loop covers the rest. */
    private static final long MAX_ITEMS_PER_DIM = 1L << 24;
    /** CUDA allows at most 65535 blocks in y and z; one item per block there keeps every backend legal. */
    private static final long MAX_ITEMS_OUTER_DIMS = 65535;
    /** Items per dimension when a loop bound is not known at launch. */
    private static final long UNKNOWN_BOUND_ITEMS = 1L << 16;

    private GridChooser() {
    }

    static LaunchGrid choose(String taskName, GridScheduler scheduler, CompiledKernel kernel,
                             java.lang.reflect.Method method, List<Object> args, ComputeDevice device) {
        if (scheduler != null) {
            var grid = scheduler.get(taskName);
            if (grid.isPresent()) {
                WorkerGrid g = grid.get();
                long[] local = g.getLocalWork();
                if (local != null) {
                    long items = Arrays.stream(local).reduce(1, (a, b) -> a * b);
                    io.jmamba.runtime.jit.LaunchBoundsRule.check(taskName, method, local);
                    if (items > device.maxWorkGroupSize()) {
                        throw new IllegalArgumentException("task " + taskName + ": work-group of " + items
                                + " items exceeds the maximum of " + device.maxWorkGroupSize() + " on " + device.id());
                    }
                }
                return new LaunchGrid(g.getGlobalWork(), local);
            }
        }
        if (Arrays.asList(method.getParameterTypes()).contains(KernelContext.class)) {
            throw new IllegalArgumentException("task " + taskName + " takes a KernelContext, so its meaning depends on the grid: "
                    + "give it a WorkerGrid in a GridScheduler (new GridScheduler(\"" + taskName + "\", new WorkerGrid1D(n)))");
        }
        GeneratedKernel generated = kernel.generated();
        if (generated == null || generated.parallelLoops().isEmpty()) {
            return new LaunchGrid(new long[] {1}, null); // a serial kernel (or the JVM, which ignores the grid)
        }
        int dims = generated.parallelLoops().stream().mapToInt(ParallelLoop::dimension).max().orElse(0) + 1;
        long[] global = new long[dims];
        Arrays.fill(global, 1);
        for (ParallelLoop loop : generated.parallelLoops()) {
            long cap = loop.dimension() == 0 ? MAX_ITEMS_PER_DIM : MAX_ITEMS_OUTER_DIMS;
            global[loop.dimension()] = Math.max(1, Math.min(cap, items(loop.bound(), args)));
        }
        return new LaunchGrid(global, null);
    }

    private static long items(ParallelLoop.Bound bound, List<Object> args) {
        Long v = evaluate(bound, args);
        return v != null ? v : UNKNOWN_BOUND_ITEMS;
    }

    /** The bound's value for these arguments, or null where it cannot be known (or divides by zero). */
    static Long evaluate(ParallelLoop.Bound bound, List<Object> args) {
        return switch (bound) {
            case ParallelLoop.Bound.Constant c -> c.value();
            case ParallelLoop.Bound.ScalarParam p -> args.get(p.paramIndex()) instanceof Number n ? n.longValue() : null;
            case ParallelLoop.Bound.ArraySize s -> args.get(s.paramIndex()) instanceof NativeArray a ? a.getSize() : null;
            case ParallelLoop.Bound.Formula f -> {
                Long a = evaluate(f.a(), args);
                Long b = evaluate(f.b(), args);
                if (a == null || b == null) {
                    yield null;
                }
                yield switch (f.op()) {
                    case "add" -> a + b;
                    case "sub" -> a - b;
                    case "mul" -> a * b;
                    case "div" -> b == 0 ? null : a / b;
                    case "min" -> Math.min(a, b);
                    case "max" -> Math.max(a, b);
                    default -> null;
                };
            }
            case ParallelLoop.Bound.Unknown u -> null;
        };
    }
}
