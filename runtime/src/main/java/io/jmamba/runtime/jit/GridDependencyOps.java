package io.jmamba.runtime.jit;

import java.util.List;

/**
 * KernelContext.gridDependencyWait and launchDependents (programmatic dependent launch): on CUDA the PTX
 * {@code griddepcontrol} instructions, compiled only for compute capability 9.0 and up (below that the
 * launch attribute does not exist, so launches are in order anyway); on OpenCL nothing, since a queue runs
 * its launches one after the other. Both asm statements are volatile with a memory clobber, so the C
 * compiler keeps every load and store on its side of them.
 */
final class GridDependencyOps {
    /** IR intrinsic of gridDependencyWait. */
    static final String WAIT = "grid.dependency.wait";
    /** IR intrinsic of launchDependents. */
    static final String LAUNCH = "grid.launch.dependents";

    private GridDependencyOps() {
    }

    static void defineHelpers() {
        JavaHelpers.defByDialect("jm_grid_dependency_wait", List.of(), """
                $Q void jm_grid_dependency_wait(void) {
                #if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
                    asm volatile("griddepcontrol.wait;" ::: "memory");
                #endif
                }""", "");
        JavaHelpers.defByDialect("jm_launch_dependents", List.of(), """
                $Q void jm_launch_dependents(void) {
                #if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
                    asm volatile("griddepcontrol.launch_dependents;" ::: "memory");
                #endif
                }""", "");
    }

    /** The C statement of intrinsic {@code op} ({@link #WAIT} or {@link #LAUNCH}). */
    static String statement(String op, boolean cuda, JavaHelpers helpers) {
        boolean wait = op.equals(WAIT);
        if (!cuda) {
            return wait ? "/* gridDependencyWait: the previous launch has finished (in-order queue) */"
                    : "/* launchDependents: nothing to release early (in-order queue) */";
        }
        return helpers.use(wait ? "jm_grid_dependency_wait" : "jm_launch_dependents") + "();";
    }
}
