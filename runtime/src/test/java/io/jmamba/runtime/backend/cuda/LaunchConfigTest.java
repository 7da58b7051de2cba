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
    void tooManyBlocksInYIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> LaunchConfig.of(new long[]{1, 70000}, null, false, 1024, "k"));
    }

    @Test
    void largestDivisor() {
        assertEquals(1, LaunchConfig.largestDivisorAtMost(1_000_003, 256)); // a prime
        assertEquals(256, LaunchConfig.largestDivisorAtMost(1 << 20, 256));
        assertEquals(7, LaunchConfig.largestDivisorAtMost(7, 256));
    }
}
