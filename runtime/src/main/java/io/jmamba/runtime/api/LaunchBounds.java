package io.jmamba.runtime.api;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Launch bounds of a kernel method, as CUDA's {@code __launch_bounds__}: the kernel is never launched
 * with more than {@link #maxThreads} work-items per work-group, and the device compiler should leave
 * room for {@link #minBlocksPerMultiprocessor} work-groups of that size on one multiprocessor, which
 * caps the registers per work-item (65536 / (maxThreads * minBlocks) on an H100, rounded down to a
 * multiple of 8). Fewer registers mean more resident warps for a latency-bound kernel; too few spill.
 *
 * <p>The CUDA C dialect emits {@code __launch_bounds__(maxThreads, minBlocks)} on the entry; OpenCL C
 * gets nothing (a hint there would not change register allocation). Every backend refuses a launch
 * whose local work size has more than {@code maxThreads} work-items, with a message naming the task,
 * before anything runs (on CUDA the driver would only report a launch failure).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface LaunchBounds {
    /** The most work-items per work-group any launch of the kernel uses (at least 1). */
    int maxThreads();

    /** Work-groups of {@link #maxThreads} items that should fit on a multiprocessor at once; 0 leaves it to the compiler. */
    int minBlocksPerMultiprocessor() default 0;
}
