package io.jmamba.runtime.fuzz;

import io.jmamba.runtime.api.DoubleArray;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.IntArray;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fuzzer's comparison is not vacuous: it sees a flipped bit in an exact slot and an error beyond an approximate slot's bound. */
class FuzzCompareTest {
    private final FuzzBatch batch = new FuzzBatch(FuzzSettings.DEFAULT_SEED, 3, 2, LoopForm.ONE_D);

    @Test
    void identicalRunsAgree() {
        Object[] a = batch.runDirectly();
        Object[] b = batch.runDirectly();
        assertNull(batch.compare(0, a, b));
        assertNull(batch.compare(1, a, b));
    }

    @Test
    void oneIntBitDiffersInOneProgramOnly() {
        Object[] a = batch.runDirectly();
        Object[] b = batch.runDirectly();
        IntArray oi = (IntArray) FuzzBatch.arrays(b).get(4);
        long slot = (1L * FuzzBatch.WORK_ITEMS + 5) * ProgramGenerator.OI + 2;
        oi.set(slot, oi.get(slot) ^ 1);
        assertNull(batch.compare(0, a, b));
        String diff = batch.compare(1, a, b);
        assertNotNull(diff);
        assertTrue(diff.contains("work-item 5 oi slot 2"), diff);
    }

    @Test
    void exactFloatSlotsAllowNoUlpApproximateSlotsTheirBound() {
        Object[] a = batch.runDirectly();
        Object[] b = batch.runDirectly();
        FloatArray of = (FloatArray) FuzzBatch.arrays(b).get(6);
        of.set(0, Math.nextUp(of.get(0)));
        assertNotNull(batch.compare(0, a, b), "one ulp in an exact float slot");

        Object[] c = batch.runDirectly();
        FloatArray af = (FloatArray) FuzzBatch.arrays(c).get(8);
        DoubleArray ad = (DoubleArray) FuzzBatch.arrays(c).get(9);
        af.set(0, Math.nextUp(af.get(0)));
        ad.set(0, Math.nextDown(ad.get(0)));
        assertNull(batch.compare(0, a, c), "one ulp is within every approximate slot's bound");
        float far = af.get(0);
        for (int i = 0; i < 40; i++) {
            far = Math.nextUp(far);
        }
        af.set(0, far);
        assertNotNull(batch.compare(0, a, c), "41 ulp is beyond every approximate slot's bound");
    }
}
