package io.jmamba.kernels.ssd;

import io.jmamba.runtime.api.ImmutableTaskGraph;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.graph.GraphAction;

import java.lang.reflect.InvocationTargetException;

/**
 * Runs a task graph's kernels by calling their Java methods in order on the host arrays, as plain
 * Java: what a kernel of {@code @Parallel} loops means before any backend is involved. It checks the
 * host API's wiring (which arrays go to which phase) independently of the device backends. Kernels
 * that take a {@link KernelContext} need a real backend and are refused.
 */
public final class SequentialGraphRunner {
    private SequentialGraphRunner() {
    }

    public static void run(ImmutableTaskGraph graph) {
        for (GraphAction a : graph.actions()) {
            if (a instanceof GraphAction.Task t) {
                for (Class<?> p : t.method().getParameterTypes()) {
                    if (p == KernelContext.class) {
                        throw new IllegalArgumentException("task " + t.id() + " uses KernelContext; run it on a backend");
                    }
                }
                try {
                    t.method().invoke(null, t.args().toArray());
                } catch (InvocationTargetException e) {
                    throw new AssertionError("task " + t.id() + " threw", e.getCause());
                } catch (IllegalAccessException e) {
                    throw new AssertionError(e);
                }
            } else if (a instanceof GraphAction.LibraryTask t) {
                throw new IllegalArgumentException("library task " + t.id() + " needs a backend");
            }
        }
    }
}
