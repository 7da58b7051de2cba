package io.jmamba.runtime.backend.cuda;

import java.util.Arrays;

/**
 * The CUDA grid and block of one launch, derived from a global/local work size.
 *
 * <p>A kernel that reads KernelContext ids sees the global size as gridDim * blockDim, so its grid
 * must match the requested global size exactly: the global size must then be a multiple of the local
 * size (as in OpenCL 1.2), and when no local size is given the largest divisor of the global size up to
 * {@link #DEFAULT_BLOCK} is used. A kernel made only of {@code @Parallel} loops runs grid-stride loops
 * bounded by the loop itself, so its grid is rounded up to whole blocks and, past CUDA's grid limits
 * (65535 blocks in y and z), capped: the loops cover the rest.
 */
public record LaunchConfig(int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ) {
    /** Threads per block in dimension 0 when the caller gives no local size. */
    public static final int DEFAULT_BLOCK = 256;

    private static final long MAX_GRID_X = Integer.MAX_VALUE;
    private static final long MAX_GRID_YZ = 65535;
    /** Threads a block may have in x, y and z (CUDA's limits on every current GPU). */
    private static final long[] MAX_BLOCK = {1024, 1024, 64};

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
            l = exactGrid ? exactDefault(g, maxThreads) : gridStrideDefault(g, maxThreads);
        }
        for (int d = 0; d < 3; d++) {
            if (l[d] > MAX_BLOCK[d]) {
                throw new IllegalArgumentException("kernel " + kernelName + ": local size " + Arrays.toString(l)
                        + " exceeds CUDA's block limits (" + MAX_BLOCK[0] + " x " + MAX_BLOCK[1] + " x " + MAX_BLOCK[2] + ")");
            }
        }
        long threads = l[0] * l[1] * l[2];
        if (threads > maxThreads) {
            throw new IllegalArgumentException("kernel " + kernelName + ": work-group of " + threads + " threads (" + Arrays.toString(l)
                    + ") exceeds this kernel's limit of " + maxThreads + " threads per block");
        }
        long[] blocks = new long[3];
        for (int d = 0; d < 3; d++) {
            blocks[d] = (g[d] + l[d] - 1) / l[d];
            if (!exactGrid) {
                // grid-stride loops cover whatever the largest grid CUDA takes does not
                blocks[d] = Math.min(blocks[d], d == 0 ? MAX_GRID_X : MAX_GRID_YZ);
            }
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

    /**
     * A block for a grid-stride kernel: up to {@link #DEFAULT_BLOCK} threads, given to dimension 0 first
     * (powers of two up to its size), what is left to dimension 1, then 2; so a launch whose dimension 0
     * is small (one token, say) still fills its blocks.
     */
    static long[] gridStrideDefault(long[] g, int maxThreads) {
        long left = Math.min(DEFAULT_BLOCK, maxThreads);
        long[] l = new long[3];
        for (int d = 0; d < 3; d++) {
            l[d] = Math.max(1, Math.min(Math.min(left, MAX_BLOCK[d]), ceilPowerOfTwo(g[d])));
            left /= l[d];
        }
        if (g[0] > 1 && l[0] < 32 && l[1] * l[2] == 1) {
            l[0] = Math.min(32, Math.min(DEFAULT_BLOCK, maxThreads)); // a whole warp rather than a fraction of one
        }
        return l;
    }

    /**
     * A block for a kernel that reads KernelContext ids, whose grid must be exact: in dimension 0 the
     * largest divisor of the global size up to {@link #DEFAULT_BLOCK}; in dimensions 1 and 2 the smallest
     * divisor that keeps the number of blocks within CUDA's 65535.
     */
    static long[] exactDefault(long[] g, int maxThreads) {
        long[] l = {largestDivisorAtMost(g[0], Math.min(DEFAULT_BLOCK, maxThreads)), 1, 1};
        for (int d = 1; d < 3; d++) {
            if (g[d] > MAX_GRID_YZ) {
                long need = (g[d] + MAX_GRID_YZ - 1) / MAX_GRID_YZ;
                long b = need;
                while (b <= g[d] && g[d] % b != 0) {
                    b++;
                }
                l[d] = b;
            }
        }
        return l;
    }

    static long ceilPowerOfTwo(long v) {
        return v <= 1 ? 1 : Long.highestOneBit(v - 1) << 1;
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
