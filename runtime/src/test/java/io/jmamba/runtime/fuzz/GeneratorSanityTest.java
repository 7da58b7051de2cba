package io.jmamba.runtime.fuzz;

import io.jmamba.runtime.api.DoubleArray;
import io.jmamba.runtime.api.FloatArray;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The generator's promises, checked in plain Java with no backend: programs compile, never throw,
 * terminate, are reproducible from their seed, and never produce a denormal float or double.
 */
class GeneratorSanityTest {
    @Test
    void sameSeedSameProgram() {
        assertEquals(ProgramGenerator.generate(42, 7).source(), ProgramGenerator.generate(42, 7).source());
        assertFalse(ProgramGenerator.generate(42, 7).source().equals(ProgramGenerator.generate(42, 8).source()));
    }

    @Test
    void programsCompileRunAndStayNormal() {
        FuzzSettings s = new FuzzSettings(FuzzSettings.fromSystemProperties().seed(), 0, 200, 50, "mixed");
        int nonZero = 0;
        for (FuzzBatch b : s.batches()) {
            Object[] out = b.runDirectly();
            for (int k : new int[] {6, 8}) {
                for (float f : ((FloatArray) out[k]).toHeapArray()) {
                    assertFalse(f != 0f && Math.abs(f) < Float.MIN_NORMAL, "denormal float output " + f + " in " + b.className);
                    nonZero += f != 0f ? 1 : 0;
                }
            }
            for (int k : new int[] {7, 9}) {
                for (double d : ((DoubleArray) out[k]).toHeapArray()) {
                    assertFalse(d != 0.0 && Math.abs(d) < Double.MIN_NORMAL, "denormal double output " + d + " in " + b.className);
                }
            }
        }
        assertTrue(nonZero > 1000, "float outputs are almost all zero: the generator tests little");
    }
}
