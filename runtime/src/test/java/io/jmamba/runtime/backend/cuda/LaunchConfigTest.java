package io.jmamba.runtime.backend.cuda;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Grid and block choice, which needs no GPU. */
class LaunchConfigTest {

    @Test
    void parallelLoopKernelRoundsTheGridUp() {
        LaunchConfig c = LaunchConfig.of(new long[]{1000}, null, false, 1024, "k");
        assertEquals(new LaunchConfig(4, 1, 1, 256, 1, 1), c);
    }

    @Test
    void smallParallelProblemGetsOneBlockOfWholeWarps() {
        assertEquals(new LaunchConfig(1, 1, 1, 64, 1, 1), LaunchConfig.of(new long[]{40}, null, false, 1024, "k"));
    }

    @Test
    void contextKernelWithoutLocalSizeGetsADivisor() {
        LaunchConfig c = LaunchConfig.of(new long[]{1000}, null, true, 1024, "k");
        assertEquals(250, c.blockX()); // largest divisor of 1000 up to 256
        assertEquals(4, c.gridX());
        assertEquals(1000, (long) c.gridX() * c.blockX());
    }

    @Test
    void contextKernelRejectsALocalSizeThatDoesNotDivide() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LaunchConfig.of(new long[]{1000, 10}, new long[]{128, 1}, true, 1024, "scan"));
        assertTrue(e.getMessage().contains("kernel scan"), e.getMessage());
        assertTrue(e.getMessage().contains("global size 1000 is not a multiple of local size 128 in dimension 0"), e.getMessage());
    }

    @Test
    void threeDimensionsAndExplicitLocal() {
        LaunchConfig c = LaunchConfig.of(new long[]{64, 32, 6}, new long[]{16, 8, 2}, true, 1024, "k");
        assertEquals(new LaunchConfig(4, 4, 3, 16, 8, 2), c);
        assertEquals(256, c.threadsPerBlock());
    }

    @Test
    void blockOverTheKernelLimitIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LaunchConfig.of(new long[]{4096}, new long[]{1024}, false, 512, "big"));
        assertTrue(e.getMessage().contains("1024 threads"), e.getMessage());
        assertTrue(e.getMessage().contains("limit of 512"), e.getMessage());
    }

    @Test
    void registerLimitedKernelGetsASmallerDefaultBlock() {
        assertEquals(128, LaunchConfig.of(new long[]{1 << 20}, null, false, 128, "k").blockX());
    }

    @Test
    void zeroWorkLaunchesNothing() {
        assertTrue(LaunchConfig.of(new long[]{0}, null, false, 1024, "k").empty());
    }

    @Test
    void tooManyBlocksInYIsRejectedWhenTheGridMustBeExact() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LaunchConfig.of(new long[]{1, 70001}, new long[]{1, 1}, true, 1024, "k"));
        assertTrue(e.getMessage().contains("larger than CUDA allows"), e.getMessage());
    }

    @Test
    void smallFirstDimensionGivesItsThreadsToTheSecond() {
        // a 2-D @Parallel nest over one token and an unknown bound (65536 items), as the model's layout kernels launch
        assertEquals(new LaunchConfig(1, 256, 1, 1, 256, 1), LaunchConfig.of(new long[]{1, 65536}, null, false, 1024, "columns3"));
        assertEquals(new LaunchConfig(1, 1024, 1, 4, 64, 1), LaunchConfig.of(new long[]{3, 65536}, null, false, 1024, "columns3"));
    }

    @Test
    void gridStrideGridIsCappedAtCudaLimits() {
        LaunchConfig c = LaunchConfig.of(new long[]{256, 1L << 24, 70000}, new long[]{256, 1, 1}, false, 1024, "big");
        assertEquals(new LaunchConfig(1, 65535, 65535, 256, 1, 1), c);
        assertEquals(Integer.MAX_VALUE, LaunchConfig.of(new long[]{1L << 40}, null, false, 1024, "huge").gridX());
    }

    @Test
    void exactGridPutsThreadsIntoYWhenItHasTooManyBlocks() {
        LaunchConfig c = LaunchConfig.of(new long[]{64, 100_000}, null, true, 1024, "k");
        assertEquals(64, c.blockX());
        assertEquals(2, c.blockY()); // the smallest divisor of 100000 that leaves at most 65535 blocks
        assertEquals(50_000, c.gridY());
    }

    @Test
    void blockDimensionLimitsAreKept() {
        assertEquals(64, LaunchConfig.of(new long[]{1, 1, 1000}, null, false, 1024, "k").blockZ(), "z takes at most 64 threads");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LaunchConfig.of(new long[]{1, 1, 256}, new long[]{1, 1, 128}, false, 1024, "k"));
        assertTrue(e.getMessage().contains("exceeds CUDA's block limits (1024 x 1024 x 64)"), e.getMessage());
    }

    @Test
    void smallGridStrideProblemStillGetsAWholeWarp() {
        assertEquals(new LaunchConfig(1, 1, 1, 32, 1, 1), LaunchConfig.of(new long[]{3}, null, false, 1024, "k"));
        assertEquals(new LaunchConfig(1, 1, 1, 1, 1, 1), LaunchConfig.of(new long[]{1}, null, false, 1024, "k"));
    }

    @Test
    void largestDivisor() {
        assertEquals(1, LaunchConfig.largestDivisorAtMost(1_000_003, 256)); // a prime
        assertEquals(256, LaunchConfig.largestDivisorAtMost(1 << 20, 256));
        assertEquals(7, LaunchConfig.largestDivisorAtMost(7, 256));
    }
}
