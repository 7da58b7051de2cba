package io.jmamba.runtime.jit;

import io.jmamba.runtime.api.LaunchBounds;

import java.lang.reflect.Method;
import java.util.Arrays;

/**
 * {@link LaunchBounds} of a kernel method, or their override ({@link #OVERRIDE_PREFIX}): checked when the JIT reads
 * them, printed on the CUDA entry, and enforced against launch shapes (see {@link #check}).
 */
public final class LaunchBoundsRule {
    private LaunchBoundsRule() {
    }

    /**
     * System property prefix of a launch-bounds override: {@code -Djmamba.cuda.launchBounds.<SimpleClassName>.<method>=
     * maxThreads[,minBlocks]} replaces the method's {@link LaunchBounds} (or gives it some), so that a register cap can
     * be tried on the GPU without editing the kernel. Read when the kernel is compiled; part of the JIT's cache key.
     */
    public static final String OVERRIDE_PREFIX = "jmamba.cuda.launchBounds.";

    /** A kernel's launch bounds: {@link LaunchBounds} or its override; {@code minBlocks} 0 leaves it to the compiler. */
    record Bounds(int maxThreads, int minBlocks) { }

    /** The override property's value for {@code method}, or null. */
    static String overrideValue(Method method) {
        return System.getProperty(OVERRIDE_PREFIX + method.getDeclaringClass().getSimpleName() + "." + method.getName());
    }

    /** The method's bounds (the override, else the annotation), checked, or null when it has none. */
    static Bounds of(Method method) {
        String override = overrideValue(method);
        Bounds b;
        String what;
        if (override != null) {
            String[] parts = override.split(",");
            try {
                b = new Bounds(Integer.parseInt(parts[0].trim()), parts.length > 1 ? Integer.parseInt(parts[1].trim()) : 0);
            } catch (NumberFormatException e) {
                b = null;
            }
            what = "-D" + OVERRIDE_PREFIX + method.getDeclaringClass().getSimpleName() + "." + method.getName() + "=" + override;
            if (b == null || parts.length > 2) {
                throw new io.jmamba.runtime.api.KernelCompilationException(method.getDeclaringClass().getName(), method.getName(), 0,
                        what + ": expected maxThreads or maxThreads,minBlocks (whole numbers)");
            }
        } else {
            LaunchBounds a = method.getAnnotation(LaunchBounds.class);
            if (a == null) {
                return null;
            }
            b = new Bounds(a.maxThreads(), a.minBlocksPerMultiprocessor());
            what = "@LaunchBounds(maxThreads = " + a.maxThreads() + ", minBlocksPerMultiprocessor = " + a.minBlocksPerMultiprocessor() + ")";
        }
        if (b.maxThreads() < 1 || b.minBlocks() < 0) {
            throw new io.jmamba.runtime.api.KernelCompilationException(method.getDeclaringClass().getName(), method.getName(), 0,
                    what + ": maxThreads must be >= 1 and minBlocks >= 0");
        }
        return b;
    }

    /** What goes between the CUDA entry's qualifier and its name: {@code "__launch_bounds__(128, 4) "}, or "". */
    static String cudaAttribute(Bounds b) {
        if (b == null) {
            return "";
        }
        return b.minBlocks() > 0
                ? "__launch_bounds__(" + b.maxThreads() + ", " + b.minBlocks() + ") "
                : "__launch_bounds__(" + b.maxThreads() + ") ";
    }

    /**
     * Throws IllegalArgumentException naming the task, the local size and the bound when {@code local}
     * (null: the backend chooses, within the bound on CUDA) has more work-items than {@code method}'s
     * {@link LaunchBounds#maxThreads}.
     */
    public static void check(String taskName, Method method, long[] local) {
        if (local == null) {
            return;
        }
        Bounds b = of(method);
        if (b == null) {
            return;
        }
        long items = 1;
        for (long l : local) {
            items *= l;
        }
        if (items > b.maxThreads()) {
            throw new IllegalArgumentException("task " + taskName + ": local work size " + Arrays.toString(local) + " has "
                    + items + " work-items, more than the " + b.maxThreads() + " of "
                    + method.getDeclaringClass().getSimpleName() + "." + method.getName() + "'s "
                    + (overrideValue(method) != null ? "launch bounds (maxThreads = " + b.maxThreads() + ", from -D" + OVERRIDE_PREFIX
                    + method.getDeclaringClass().getSimpleName() + "." + method.getName() + ")" : "@LaunchBounds(maxThreads = " + b.maxThreads() + ")"));
        }
    }
}
