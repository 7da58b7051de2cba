package io.jmamba.kernels.support;

import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceMatrix;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * Where a kernel test runs a host API's task graph: a device of {@link DeviceMatrix#devices()},
 * through an execution plan. A test names each (case, target) pair so that a failure says where.
 */
public sealed interface Target {
    String name();

    /** Runs the tasks {@code addTasks} adds, with {@code inputs} copied in and {@code outputs} copied back. */
    void run(List<Tensor> inputs, BiConsumer<TaskGraph, GridScheduler> addTasks, List<Tensor> outputs);

    /** Every device of the matrix: the JVM first, then OpenCL and CUDA devices where found. */
    static List<Target> all() {
        List<Target> out = new ArrayList<>();
        for (ComputeDevice d : DeviceMatrix.devices()) {
            out.add(new OnDevice(d));
        }
        return out;
    }

    /** The JVM device only (the reference backend). */
    static List<Target> jvm() {
        return all().stream().filter(t -> t.name().equals("jvm")).toList();
    }

    /** The compiled (OpenCL, CUDA) devices of the matrix. */
    static List<Target> compiled() {
        return all().stream().filter(t -> !t.name().equals("jvm")).toList();
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
