package io.jmamba.runtime.jit;

import io.jmamba.runtime.api.LaunchBounds;

import java.lang.reflect.Method;
import java.util.Arrays;

/**
 * {@link LaunchBounds} of a kernel method: checked when the JIT reads it, printed on the CUDA entry,
 * and enforced against launch shapes (see {@link #check}).
 */
public final class LaunchBoundsRule {
    private LaunchBoundsRule() {
    }

    /** The method's bounds, checked, or null when it has none. */
    static LaunchBounds of(Method method) {
        LaunchBounds b = method.getAnnotation(LaunchBounds.class);
        if (b != null && (b.maxThreads() < 1 || b.minBlocksPerMultiprocessor() < 0)) {
            throw new io.jmamba.runtime.api.KernelCompilationException(method.getDeclaringClass().getName(), method.getName(), 0,
                    "@LaunchBounds(maxThreads = " + b.maxThreads() + ", minBlocksPerMultiprocessor = "
                            + b.minBlocksPerMultiprocessor() + "): maxThreads must be >= 1 and minBlocks >= 0");
        }
        return b;
    }

    /** What goes between the CUDA entry's qualifier and its name: {@code "__launch_bounds__(128, 4) "}, or "". */
    static String cudaAttribute(LaunchBounds b) {
        if (b == null) {
            return "";
        }
        return b.minBlocksPerMultiprocessor() > 0
                ? "__launch_bounds__(" + b.maxThreads() + ", " + b.minBlocksPerMultiprocessor() + ") "
                : "__launch_bounds__(" + b.maxThreads() + ") ";
    }

    /**
     * Throws IllegalArgumentException naming the task, the local size and the bound when {@code local}
     * (null: the backend chooses, within the bound on CUDA) has more work-items than {@code method}'s
     * {@link LaunchBounds#maxThreads}.
     */
    public static void check(String taskName, Method method, long[] local) {
        LaunchBounds b = method.getAnnotation(LaunchBounds.class);
        if (b == null || local == null) {
            return;
        }
        long items = 1;
        for (long l : local) {
            items *= l;
        }
        if (items > b.maxThreads()) {
            throw new IllegalArgumentException("task " + taskName + ": local work size " + Arrays.toString(local) + " has "
                    + items + " work-items, more than the " + b.maxThreads() + " of "
                    + method.getDeclaringClass().getSimpleName() + "." + method.getName() + "'s @LaunchBounds(maxThreads = "
                    + b.maxThreads() + ")");
        }
    }
}
