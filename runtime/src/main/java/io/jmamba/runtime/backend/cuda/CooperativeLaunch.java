package io.jmamba.runtime.backend.cuda;

/**
 * The co-residency check before a cooperative launch (a kernel that calls KernelContext.gridBarrier): every
 * block of the grid must fit on the device at once, or the barrier would wait for blocks that cannot start.
 * The driver refuses such a launch too (CUDA_ERROR_COOPERATIVE_LAUNCH_TOO_LARGE), but not while a stream is
 * being captured into a graph, and without saying what the limit is; this check names the kernel, the grid
 * and the limit: cuOccupancyMaxActiveBlocksPerMultiprocessor (for the block size, no dynamic shared memory:
 * the JIT's local arrays are static) times the multiprocessor count.
 */
final class CooperativeLaunch {
    private CooperativeLaunch() {
    }

    /** The most blocks of {@code c}'s size the device holds at once for kernel {@code k}. */
    static long maxCoResidentBlocks(CudaKernel k, LaunchConfig c, CudaDevice device) {
        return (long) k.maxActiveBlocksPerMultiprocessor(c.threadsPerBlock()) * device.computeUnits();
    }

    /** Throws IllegalArgumentException, naming kernel, grid and limit, when the grid does not fit at once. */
    static void checkCoResident(CudaKernel k, LaunchConfig c, CudaDevice device) {
        long blocks = (long) c.gridX() * c.gridY() * c.gridZ();
        int perMultiprocessor = k.maxActiveBlocksPerMultiprocessor(c.threadsPerBlock());
        long limit = (long) perMultiprocessor * device.computeUnits();
        if (blocks > limit) {
            throw new IllegalArgumentException("kernel " + k.entryName() + " calls KernelContext.gridBarrier, so all its blocks "
                    + "must be resident at once, but its grid of " + c.gridX() + "x" + c.gridY() + "x" + c.gridZ() + " = "
                    + blocks + " blocks of " + c.blockX() + "x" + c.blockY() + "x" + c.blockZ() + " threads is more than "
                    + device.id() + " (" + device.name() + ") holds: " + perMultiprocessor + " blocks per multiprocessor "
                    + "(occupancy at " + c.threadsPerBlock() + " threads, " + k.registersPerThread() + " registers per thread) x "
                    + device.computeUnits() + " multiprocessors = " + limit + " blocks; size the grid by "
                    + "ComputeDevice.computeUnits()");
        }
    }
}
