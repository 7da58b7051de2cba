package io.jmamba.kernels.support;

import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.ImmutableTaskGraph;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceMatrix;
import io.jmamba.runtime.graph.GraphAction;

import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * Where a kernel test runs a host API's task graph: on a device of {@link DeviceMatrix#devices()}
 * through an execution plan (the real path), or "direct": each task's Java method called in graph
 * order on the host arrays. Direct runs check the host API's wiring (arguments, flags, pass order)
 * without a backend; they are how kernels are tested where no backend is built yet.
 */
public sealed interface Target {
    String name();

    /** Runs the tasks {@code addTasks} adds, with {@code inputs} copied in and {@code outputs} copied back. */
    void run(List<Tensor> inputs, BiConsumer<TaskGraph, GridScheduler> addTasks, List<Tensor> outputs);

    /** Direct, then every device of the matrix. */
    static List<Target> all() {
        List<Target> out = new ArrayList<>();
        out.add(new Direct());
        for (ComputeDevice d : DeviceMatrix.devices()) {
            out.add(new OnDevice(d));
        }
        return out;
    }

    /** Calls each task's static method in order, on the host arrays themselves. */
    record Direct() implements Target {
        @Override
        public String name() {
            return "direct";
        }

        @Override
        public void run(List<Tensor> inputs, BiConsumer<TaskGraph, GridScheduler> addTasks, List<Tensor> outputs) {
            TaskGraph g = new TaskGraph("direct");
            addTasks.accept(g, new GridScheduler());
            runDirect(g.snapshot());
        }

        public static void runDirect(ImmutableTaskGraph graph) {
            for (GraphAction action : graph.actions()) {
                if (action instanceof GraphAction.Task t) {
                    try {
                        t.method().invoke(null, t.args().toArray());
                    } catch (InvocationTargetException e) {
                        throw new AssertionError("task " + t.id() + " failed: " + e.getCause(), e.getCause());
                    } catch (IllegalAccessException e) {
                        throw new AssertionError(e);
                    }
                }
            }
        }
    }

    /** Through an execution plan on a device. */
    record OnDevice(ComputeDevice device) implements Target {
        @Override
        public String name() {
            return device.id();
        }

        @Override
        public void run(List<Tensor> inputs, BiConsumer<TaskGraph, GridScheduler> addTasks, List<Tensor> outputs) {
            GraphRuns.runOnce(device, "test", inputs, addTasks, outputs);
        }
    }
}
