/**
 * Mamba-1's selective scan and the decode step of the selective SSM (Mamba-1 and Mamba-2 forms).
 *
 * <p>Each family has a plain-Java reference ({@code *Reference}, double precision, the
 * specification), JIT-compiled kernels ({@code *Kernels}: static methods with {@code @Parallel}
 * loops) and a host API ({@link io.jmamba.kernels.scan.SelectiveScan},
 * {@link io.jmamba.kernels.scan.SelectiveStateUpdate}) that checks shapes and adds the kernels as
 * tasks to a task graph, or runs them in one call.
 */
package io.jmamba.kernels.scan;
