package io.jmamba.runtime.jit;

import java.util.List;

/**
 * KernelContext.gridBarrier(counter): a barrier over every work-group of the launch, the self-resetting
 * arrival counter of CUDA's cooperative groups ({@code grid.sync()}). After a work-group barrier, one
 * work-item per group publishes the group's writes (a device-wide fence) and adds to {@code counter[0]}:
 * the group with all group ids 0 adds {@code 0x80000000 - (groups - 1)}, every other group adds 1, so the
 * counter has grown by exactly {@code 0x80000000} once all groups have arrived: bit 31 flips and the low
 * 31 bits are back where they were. Each arriving item spins until bit 31 differs from what its own add
 * saw, fences again (so that reads after the barrier see the other groups' writes), and a second
 * work-group barrier releases its group. No reset is needed between barriers or launches: a counter that
 * starts at 0 holds 0 or 0x80000000 between barriers.
 *
 * <p>This deadlocks unless every work-group of the launch is running at once: backends launch such
 * kernels only where they can promise that (CUDA: a cooperative launch after an occupancy check).
 *
 * <p>OpenCL 1.2 has no acquire loads, so the spin reads through {@code atomic_or(p, 0)} (an atomic read
 * that cannot be served from a stale cache) and the fences are {@code mem_fence(CLK_GLOBAL_MEM_FENCE)}, which
 * the specification only defines within a work-item; so NVIDIA's compiler (which defines
 * {@code __NV_CL_C_VERSION} and takes inline PTX) also gets PTX {@code membar.gl}, the device-wide fence that
 * CUDA's {@code __threadfence()} is, and that a reader on another multiprocessor needs.
 */
final class GridBarrierOps {
    /** IR intrinsic of gridBarrier; its one argument is the counter array. */
    static final String BARRIER = "grid.barrier";

    private GridBarrierOps() {
    }

    static void defineHelpers() {
        JavaHelpers.defByDialect("jm_grid_barrier", List.of(), """
                $Q void jm_grid_barrier(int* counter) {
                    /* KernelContext.gridBarrier: cooperative groups' self-resetting grid barrier (see GridBarrierOps) */
                    __syncthreads();
                    if (threadIdx.x == 0 && threadIdx.y == 0 && threadIdx.z == 0) {
                        unsigned int groups = gridDim.x * gridDim.y * gridDim.z;
                        unsigned int add = (blockIdx.x == 0 && blockIdx.y == 0 && blockIdx.z == 0)
                                ? 0x80000000u - (groups - 1u) : 1u;
                        volatile unsigned int* seen = (volatile unsigned int*)counter;
                        __threadfence();
                        unsigned int arrived = atomicAdd((unsigned int*)counter, add);
                        while (((arrived ^ *seen) & 0x80000000u) == 0u) {
                        }
                        __threadfence();
                    }
                    __syncthreads();
                }""", """
                $Q void jm_grid_barrier(__global int* counter) {
                    /* KernelContext.gridBarrier: a self-resetting grid barrier (see GridBarrierOps) */
                    barrier(CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE);
                    if (get_local_id(0) == 0 && get_local_id(1) == 0 && get_local_id(2) == 0) {
                        uint groups = (uint)(get_num_groups(0) * get_num_groups(1) * get_num_groups(2));
                        uint add = (get_group_id(0) == 0 && get_group_id(1) == 0 && get_group_id(2) == 0)
                                ? 0x80000000u - (groups - 1u) : 1u;
                        volatile __global uint* c = (volatile __global uint*)counter;
                        mem_fence(CLK_GLOBAL_MEM_FENCE);
                #ifdef __NV_CL_C_VERSION
                        asm volatile("membar.gl;");
                #endif
                        uint arrived = atomic_add(c, add);
                        while (((arrived ^ atomic_or(c, 0u)) & 0x80000000u) == 0u) {
                        }
                        mem_fence(CLK_GLOBAL_MEM_FENCE);
                #ifdef __NV_CL_C_VERSION
                        asm volatile("membar.gl;");
                #endif
                    }
                    barrier(CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE);
                }""");
    }

    /** The C statement of a grid barrier on the counter array {@code counter} (its C name). */
    static String statement(String counter, JavaHelpers helpers) {
        return helpers.use("jm_grid_barrier") + "(" + counter + ");";
    }
}
