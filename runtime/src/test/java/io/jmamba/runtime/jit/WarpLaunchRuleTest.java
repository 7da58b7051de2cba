package io.jmamba.runtime.jit;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The work-group shapes a warp kernel may be launched with (the backends call this rule). */
class WarpLaunchRuleTest {
    @Test
    void acceptsWholeWarpsUpTo1024Items() {
        assertDoesNotThrow(() -> WarpLaunchRule.check("k", new long[] {32}));
        assertDoesNotThrow(() -> WarpLaunchRule.check("k", new long[] {1024}));
        assertDoesNotThrow(() -> WarpLaunchRule.check("k", new long[] {64, 4, 2}));
    }

    @Test
    void rejectsOtherShapesNamingKernelAndSizes() {
        String m = assertThrows(IllegalArgumentException.class, () -> WarpLaunchRule.check("scan", new long[] {48})).getMessage();
        assertTrue(m.contains("scan") && m.contains("[48]") && m.contains("multiple of 32"), m);
        m = assertThrows(IllegalArgumentException.class, () -> WarpLaunchRule.check("scan", new long[] {32, 64})).getMessage();
        assertTrue(m.contains("[32, 64]") && m.contains("at most 1024"), m);
        m = assertThrows(IllegalArgumentException.class, () -> WarpLaunchRule.check("scan", new long[] {16, 2})).getMessage();
        assertTrue(m.contains("[16, 2]"), m);
        m = assertThrows(IllegalArgumentException.class, () -> WarpLaunchRule.check("scan", null)).getMessage();
        assertTrue(m.contains("explicit local work size"), m);
    }
}
