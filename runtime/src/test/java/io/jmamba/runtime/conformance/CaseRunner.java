package io.jmamba.runtime.conformance;

import io.jmamba.runtime.api.DataTransferMode;
import io.jmamba.runtime.api.ExecutionPlan;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.NativeArray;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.api.WorkerGrid;
import io.jmamba.runtime.backend.ComputeDevice;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.util.Arrays;

/**
 * Runs a {@link ConformanceCase} the way a user would: a {@link TaskGraph} that copies every array to
 * the device, runs the kernel as one task and copies every array back, executed by an
 * {@link ExecutionPlan} on the given device. This exercises the whole path (argument checks, JIT,
 * device build, buffers, launch, transfers), not just the code generator.
 */
public final class CaseRunner {
    static final String GRAPH = "conformance";
    static final String TASK = "k";

    private CaseRunner() {
    }

    /** Runs on {@code device}; returns the arrays' contents afterwards. */
    public static Outputs run(ConformanceCase c, ComputeDevice device) {
        Object[] args = c.args().get();
        runWith(c, device, args);
        return Outputs.of(args, paramNames(c.kernel()));
    }

    /** Runs on {@code device} and gives back the (now updated) arguments themselves. */
    public static Object[] runWith(ConformanceCase c, ComputeDevice device, Object[] args) {
        Method m = c.kernel();
        NativeArray[] arrays = Arrays.stream(args).filter(a -> a instanceof NativeArray).toArray(NativeArray[]::new);
        TaskGraph g = new TaskGraph(GRAPH);
        if (arrays.length > 0) {
            g.transferToDevice(DataTransferMode.FIRST_EXECUTION, (Object[]) arrays);
        }
        g.task(TASK, m.getDeclaringClass(), m.getName(), args);
        if (arrays.length > 0) {
            g.transferToHost(DataTransferMode.EVERY_EXECUTION, (Object[]) arrays);
        }
        try (ExecutionPlan plan = new ExecutionPlan(g.snapshot())) {
            plan.withDevice(device);
            if (c.grid() != null) {
                WorkerGrid grid = c.grid().get();
                plan.withGridScheduler(new GridScheduler(GRAPH + "." + TASK, grid));
            }
            plan.execute();
        }
        return args;
    }

    /** The generated source of the case's kernel for {@code device} (for failure messages); never throws. */
    public static String generatedSource(ConformanceCase c, ComputeDevice device) {
        try {
            Object[] args = c.args().get();
            Method m = c.kernel();
            TaskGraph g = new TaskGraph(GRAPH).task(TASK, m.getDeclaringClass(), m.getName(), args);
            try (ExecutionPlan plan = new ExecutionPlan(g.snapshot())) {
                plan.withDevice(device);
                return plan.generatedSource(GRAPH + "." + TASK);
            }
        } catch (RuntimeException e) {
            return "(no generated source: " + e + ")";
        }
    }

    /** Calls the kernel as a plain Java method (only for kernels without a KernelContext). */
    public static Outputs callDirectly(ConformanceCase c) {
        Object[] args = c.args().get();
        try {
            c.kernel().invoke(null, args);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        } catch (InvocationTargetException e) {
            throw new IllegalStateException("kernel threw when called directly", e.getCause());
        }
        return Outputs.of(args, paramNames(c.kernel()));
    }

    static String[] paramNames(Method m) {
        return Arrays.stream(m.getParameters()).map(Parameter::getName).toArray(String[]::new);
    }
}
