package io.jmamba.kernels.nn;

import io.jmamba.runtime.api.WorkerGrid;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Launch grids of loop kernels stay inside what every backend accepts. */
class GraphPartsTest {
    @Test
    void loopGridCapsDimensionsOneAndTwoAtCudasLimit() {
        WorkerGrid g = GraphParts.loopGrid(5120, 1_000_000, 70_000);
        assertArrayEquals(new long[] {5120, 65535, 65535}, g.getGlobalWork());
        assertEquals(2, GraphParts.loopGrid(3, 4).dimensions());
        assertArrayEquals(new long[] {Integer.MAX_VALUE}, GraphParts.loopGrid(3_000_000_000L).getGlobalWork());
    }
}
