package io.jmamba.runtime.backend.cuda;

import java.util.Arrays;

/**
 * The CUDA grid and block of one launch, derived from a global/local work size.
 *
 * <p>A kernel that reads KernelContext ids sees the global size as gridDim * blockDim, so its grid
 * must match the requested global size exactly: the global size must then be a multiple of the local
 * size (as in OpenCL 1.2), and when no local size is given the largest divisor of the global size up to
 * {@link #DEFAULT_BLOCK} is used. A kernel made only of {@code @Parallel} loops runs grid-stride loops
 * bounded by the loop itself, so its grid is simply rounded up to whole blocks.
 */
public record LaunchConfig(int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ) {
    /** Threads per block in dimension 0 when the caller gives no local size. */
    public static final int DEFAULT_BLOCK = 256;

    private static final long MAX_GRID_X = Integer.MAX_VALUE;
    private static final long MAX_GRID_YZ = 65535;

    /** Total threads per block. */
    public int threadsPerBlock() {
        return blockX * blockY * blockZ;
    }

    /** True when there is nothing to run (a global size of zero). */
    public boolean empty() {
        return gridX == 0 || gridY == 0 || gridZ == 0;
    }

    /**
     * @param global        work-items per dimension (1 to 3 dimensions)
     * @param local         work-group size per dimension, or null to choose
     * @param exactGrid     whether the kernel reads KernelContext ids (then the grid cannot be rounded up)
     * @param maxThreads    the most threads a block of this kernel may have (device and register limit)
     * @param kernelName    for error messages
     */
    public static LaunchConfig of(long[] global, long[] local, boolean exactGrid, int maxThreads, String kernelName) {
        long[] g = pad(global, "global", kernelName);
        for (int d = 0; d < 3; d++) {
            if (g[d] < 0) {
                throw new IllegalArgumentException("kernel " + kernelName + ": negative global size " + Arrays.toString(global));
            }
        }
        if (g[0] == 0 || g[1] == 0 || g[2] == 0) {
            return new LaunchConfig(0, 0, 0, 1, 1, 1);
        }
        long[] l;
        if (local != null) {
            l = pad(local, "local", kernelName);
            for (int d = 0; d < 3; d++) {
                if (l[d] < 1) {
                    throw new IllegalArgumentException("kernel " + kernelName + ": local size must be >= 1 in every dimension, got "
                            + Arrays.toString(local));
                }
                if (exactGrid && g[d] % l[d] != 0) {
                    throw new IllegalArgumentException("kernel " + kernelName + ": global size " + g[d] + " is not a multiple of local size "
                            + l[d] + " in dimension " + d + " (global " + Arrays.toString(global) + ", local " + Arrays.toString(local)
                            + "); the kernel reads KernelContext ids, so the grid cannot be rounded up");
                }
            }
        } else {
            int limit = Math.min(DEFAULT_BLOCK, maxThreads);
            long b0;
            if (exactGrid) {
                b0 = largestDivisorAtMost(g[0], limit);
            } else {
                // small problems get one block of whole warps rather than 256 mostly idle threads
                b0 = Math.min(limit, Math.max(32, (g[0] + 31) / 32 * 32));
                b0 = Math.min(b0, limit);
            }
            l = new long[]{b0, 1, 1};
        }
        long threads = l[0] * l[1] * l[2];
        if (threads > maxThreads) {
            throw new IllegalArgumentException("kernel " + kernelName + ": work-group of " + threads + " threads (" + Arrays.toString(l)
                    + ") exceeds this kernel's limit of " + maxThreads + " threads per block");
        }
        long[] blocks = new long[3];
        for (int d = 0; d < 3; d++) {
            blocks[d] = (g[d] + l[d] - 1) / l[d];
        }
        if (blocks[0] > MAX_GRID_X || blocks[1] > MAX_GRID_YZ || blocks[2] > MAX_GRID_YZ) {
            throw new IllegalArgumentException("kernel " + kernelName + ": grid of " + Arrays.toString(blocks)
                    + " blocks is larger than CUDA allows (" + MAX_GRID_X + " x " + MAX_GRID_YZ + " x " + MAX_GRID_YZ + ")");
        }
        return new LaunchConfig((int) blocks[0], (int) blocks[1], (int) blocks[2], (int) l[0], (int) l[1], (int) l[2]);
    }

    private static long[] pad(long[] v, String what, String kernelName) {
        if (v.length < 1 || v.length > 3) {
            throw new IllegalArgumentException("kernel " + kernelName + ": " + what + " size needs 1 to 3 dimensions, got "
                    + Arrays.toString(v));
        }
        long[] out = {1, 1, 1};
        System.arraycopy(v, 0, out, 0, v.length);
        return out;
    }

    static long largestDivisorAtMost(long n, long limit) {
        for (long d = Math.min(n, limit); d > 1; d--) {
            if (n % d == 0) {
                return d;
            }
        }
        return 1;
    }
}
