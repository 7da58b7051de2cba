package io.jmamba.kernels.nn;

import io.jmamba.runtime.api.DataTransferMode;
import io.jmamba.runtime.api.ExecutionPlan;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.NativeArray;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.api.WorkerGrid;
import io.jmamba.runtime.api.WorkerGrid1D;
import io.jmamba.runtime.api.WorkerGrid2D;
import io.jmamba.runtime.api.WorkerGrid3D;
import io.jmamba.runtime.backend.ComputeDevice;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.BiConsumer;

/** Small helpers the kernel host APIs share for adding tasks to a graph and for their one-call forms. */
public final class GraphParts {
    private GraphParts() {
    }

    /** Task ids are {@code prefix + "_" + name}; graph and task names cannot contain '.'. */
    public static String checkPrefix(String prefix) {
        if (prefix == null || prefix.isBlank() || prefix.contains(".")) {
            throw new IllegalArgumentException("task prefix must be non-blank and without '.', got " + prefix);
        }
        return prefix;
    }

    /**
     * {@code a}, or a one-element array standing in for an absent optional input (kernel arguments
     * cannot be null; a flag tells the kernel not to read it). The stand-in is sent to the device once.
     */
    public static FloatArray orPlaceholder(TaskGraph graph, FloatArray a) {
        if (a != null) {
            return a;
        }
        FloatArray p = new FloatArray(1);
        graph.transferToDevice(DataTransferMode.FIRST_EXECUTION, p);
        return p;
    }

    /**
     * Builds a one-off graph: copies {@code inputs} (nulls skipped) to the device, lets {@code body}
     * add tasks, copies {@code outputs} back, and executes it once on {@code device}.
     */
    public static void runOnce(ComputeDevice device, String name, List<? extends NativeArray> inputs,
                               List<? extends NativeArray> outputs, BiConsumer<TaskGraph, GridScheduler> body) {
        Objects.requireNonNull(device, "device");
        TaskGraph graph = new TaskGraph(name);
        List<Object> in = new ArrayList<>();
        for (NativeArray a : inputs) {
            if (a != null) {
                in.add(a);
            }
        }
        if (!in.isEmpty()) {
            graph.transferToDevice(DataTransferMode.EVERY_EXECUTION, in.toArray());
        }
        GridScheduler grids = new GridScheduler();
        body.accept(graph, grids);
        graph.transferToHost(DataTransferMode.EVERY_EXECUTION, outputs.toArray());
        try (ExecutionPlan plan = new ExecutionPlan(graph.snapshot())) {
            plan.withDevice(device).withGridScheduler(grids).execute();
        }
    }

    /** CUDA allows at most 65535 blocks in grid dimensions 1 and 2. */
    static final long MAX_GRID_YZ = 65535;

    /**
     * The launch grid of a kernel made of {@code @Parallel} loops with these bounds (outermost first,
     * i.e. dimension 0 first): one work-item per iteration, except that dimensions 1 and 2 are capped
     * at 65535 (CUDA's grid limit there, with one-item-deep blocks); the loops are grid-stride, so a
     * smaller grid still covers every iteration.
     */
    public static WorkerGrid loopGrid(long... bounds) {
        long[] g = new long[bounds.length];
        for (int d = 0; d < bounds.length; d++) {
            g[d] = Math.max(1, d == 0 ? Math.min(bounds[d], Integer.MAX_VALUE) : Math.min(bounds[d], MAX_GRID_YZ));
        }
        return switch (g.length) {
            case 1 -> new WorkerGrid1D(g[0]);
            case 2 -> new WorkerGrid2D(g[0], g[1]);
            case 3 -> new WorkerGrid3D(g[0], g[1], g[2]);
            default -> throw new IllegalArgumentException("a launch grid has 1 to 3 dimensions, got " + g.length);
        };
    }

    /** Null-tolerant list for {@link #runOnce}'s inputs. */
    public static List<NativeArray> arrays(NativeArray... arrays) {
        List<NativeArray> out = new ArrayList<>();
        for (NativeArray a : arrays) {
            out.add(a);
        }
        return out;
    }
}
