package io.jmamba.runtime.jit;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The arrival arithmetic of GridBarrierOps' C helper, line for line in Java with real spinning threads as the
 * blocks: nobody leaves a barrier before every block has arrived, nobody waits past it, and the counter ends
 * where it started after an even number of barriers whatever it started at (bit 31 flips once per barrier,
 * the low bits come back). The GPU runs the C; this checks the idea behind it on the host, where the
 * CPU backends' tests cannot (PoCL refuses more than one work-group, the JVM waits with a CyclicBarrier).
 */
class GridBarrierAlgorithmTest {
    private static final int BLOCKS = 4;
    private static final int ROUNDS = 200;

    /** jm_grid_barrier's thread-0 part: add, then spin until bit 31 differs from what the add saw. */
    private static void arrive(AtomicInteger counter, int block, int blocks) {
        int add = block == 0 ? 0x80000000 - (blocks - 1) : 1;
        int arrived = counter.getAndAdd(add);
        long deadline = System.nanoTime() + 20_000_000_000L; // a wrong flip would spin forever: fail instead
        while (((arrived ^ counter.get()) & 0x80000000) == 0) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("block " + block + " still waiting after 20 s (counter "
                        + Integer.toHexString(counter.get()) + ")");
            }
            Thread.yield(); // more spinning threads than cores here (a GPU's blocks each have their own)
        }
    }

    @Test
    void everyBlockArrivesBeforeAnyLeavesAndTheCounterResets() throws Exception {
        for (int start : new int[]{0, 0x80000000}) {
            AtomicInteger counter = new AtomicInteger(start);
            AtomicIntegerArray arrivals = new AtomicIntegerArray(ROUNDS);
            AtomicReference<String> failure = new AtomicReference<>();
            List<Thread> blocks = new ArrayList<>();
            for (int b = 0; b < BLOCKS; b++) {
                int block = b;
                blocks.add(Thread.ofPlatform().start(() -> {
                    for (int r = 0; r < ROUNDS && failure.get() == null; r++) {
                        arrivals.incrementAndGet(r);
                        try {
                            arrive(counter, block, BLOCKS);
                        } catch (IllegalStateException e) {
                            failure.compareAndSet(null, e.getMessage());
                            return;
                        }
                        int seen = arrivals.get(r);
                        if (seen != BLOCKS) {
                            failure.compareAndSet(null, "block " + block + " left barrier " + r + " after " + seen + " arrivals");
                        }
                    }
                }));
            }
            for (Thread t : blocks) {
                t.join();
            }
            assertNull(failure.get());
            assertEquals(start, counter.get(), "an even number of barriers (" + ROUNDS + ") from " + Integer.toHexString(start));
        }
    }

    @Test
    void oneBlockFlipsAtOnce() {
        AtomicInteger counter = new AtomicInteger();
        arrive(counter, 0, 1);
        assertEquals(0x80000000, counter.get());
        arrive(counter, 0, 1);
        assertEquals(0, counter.get());
    }
}
