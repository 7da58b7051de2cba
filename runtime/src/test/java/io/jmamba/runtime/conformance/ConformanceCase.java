package io.jmamba.runtime.conformance;

import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.WorkerGrid;

import java.lang.reflect.Method;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One conformance kernel and how to run it: the static method (found by name on {@code owner}), a
 * factory of fresh arguments (off-heap arrays with deterministic contents, boxed scalars, a
 * {@link KernelContext} where the kernel takes one), an optional launch grid, and the float tolerance.
 * Every array argument is an output as far as the harness is concerned: all of them are copied back
 * and compared.
 *
 * @param name    display name, unique within the suite
 * @param owner   the class that declares the kernel
 * @param method  the kernel's method name (unique among the owner's methods of that arity)
 * @param args    fresh arguments for one run
 * @param grid    fresh launch grid, or null for a kernel whose {@code @Parallel} bounds size the launch
 * @param tolerance float/double tolerance against the JVM result
 * @param check   an independent check of the JVM result (for kernels that take a KernelContext and so
 *                cannot simply be called as a Java method), or null
 */
public record ConformanceCase(String name, Class<?> owner, String method, Supplier<Object[]> args,
                              Supplier<WorkerGrid> grid, Tolerance tolerance, Consumer<Object[]> check) {
    public ConformanceCase {
        Objects.requireNonNull(name);
        Objects.requireNonNull(owner);
        Objects.requireNonNull(method);
        Objects.requireNonNull(args);
        Objects.requireNonNull(tolerance);
    }

    /** A kernel made of {@code @Parallel} loops (no grid), compared exactly. */
    public static ConformanceCase of(Class<?> owner, String method, Supplier<Object[]> args) {
        return new ConformanceCase(owner.getSimpleName() + "." + method, owner, method, args, null, Tolerance.exact(), null);
    }

    public ConformanceCase withTolerance(Tolerance t) {
        return new ConformanceCase(name, owner, method, args, grid, t, check);
    }

    public ConformanceCase withGrid(Supplier<WorkerGrid> g) {
        return new ConformanceCase(name, owner, method, args, g, tolerance, check);
    }

    /** Adds an independent assertion on the JVM backend's outputs (given the arguments after the run). */
    public ConformanceCase withCheck(Consumer<Object[]> c) {
        return new ConformanceCase(name, owner, method, args, grid, tolerance, c);
    }

    /** Same kernel, other arguments (a second specialisation, say), under another display name. */
    public ConformanceCase named(String suffix, Supplier<Object[]> otherArgs) {
        return new ConformanceCase(name + "[" + suffix + "]", owner, method, otherArgs, grid, tolerance, check);
    }

    /** The kernel method: the only static method of that name. */
    public Method kernel() {
        Method found = null;
        for (Method m : owner.getDeclaredMethods()) {
            if (m.getName().equals(method)) {
                if (found != null) {
                    throw new IllegalStateException("kernel name " + owner.getName() + "." + method + " is overloaded");
                }
                found = m;
            }
        }
        if (found == null) {
            throw new IllegalStateException("no kernel " + owner.getName() + "." + method);
        }
        return found;
    }

    /** Whether the kernel takes a KernelContext (then it cannot run as a plain Java call). */
    public boolean usesContext() {
        for (Class<?> p : kernel().getParameterTypes()) {
            if (p == KernelContext.class) {
                return true;
            }
        }
        return false;
    }
}
