package io.jmamba.kernels.ssd;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.TaskGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad input gets a message naming the argument and both shapes, or the unsupported size. */
class SsdBadInputTest {
    private final SsdCase ok = SsdCase.random("ok", SsdConfig.of(1, 10, 4, 3, 2, 5, 4), 1, true, false, true, true, true);

    private static void assertMessage(Executable call, String... parts) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "message \"" + e.getMessage() + "\" lacks \"" + p + "\"");
        }
    }

    private void add(SsdConfig cfg, SsdInputs in, FloatArray out) {
        SsdScan.addTo(new TaskGraph("g"), new GridScheduler(), "ssd", cfg, in, out, null);
    }

    private SsdInputs with(FloatArray x, FloatArray b, FloatArray d) {
        SsdInputs i = ok.in();
        return new SsdInputs(x, i.dt(), i.A(), b, i.C(), d, i.z(), i.dtBias(), i.initialStates());
    }

    @Test
    void wrongXShapeNamesXAndBothShapes() {
        assertMessage(() -> add(ok.cfg(), with(new FloatArray(119), ok.in().B(), ok.in().D()), ok.newOut()),
                "x:", "(batch, seqlen, heads, headdim)", "[1, 10, 4, 3]", "120 elements", "119 elements");
    }

    @Test
    void wrongGroupCountInBNamesB() {
        // B laid out for 4 groups while the config says 2
        assertMessage(() -> add(ok.cfg(), with(ok.in().x(), new FloatArray(10 * 4 * 5), ok.in().D()), ok.newOut()),
                "B:", "[1, 10, 2, 5]", "200 elements");
    }

    @Test
    void groupsMustDivideHeads() {
        assertMessage(() -> add(SsdConfig.of(1, 10, 4, 3, 3, 5, 4), ok.in(), ok.newOut()), "groups", "heads (4)", "groups (3)");
    }

    @Test
    void dOfNeitherShapeIsNamed() {
        assertMessage(() -> add(ok.cfg(), with(ok.in().x(), ok.in().B(), new FloatArray(5)), ok.newOut()),
                "D:", "(heads) = [4]", "(heads, headdim) = [4, 3]", "5 elements");
    }

    @Test
    void wrongOutShapeIsNamed() {
        assertMessage(() -> add(ok.cfg(), ok.in(), new FloatArray(7)), "out:", "[1, 10, 4, 3]");
    }

    @Test
    void unsupportedSizesAreRefused() {
        assertMessage(() -> SsdConfig.of(1, 10, 4, 300, 2, 5, 4).validate(), "unsupported headdim 300", "[1, 256]");
        assertMessage(() -> SsdConfig.of(1, 10, 4, 3, 2, 1000, 4).validate(), "unsupported dstate 1000");
        assertMessage(() -> SsdConfig.of(1, 10, 4, 3, 2, 5, 0).validate(), "unsupported chunk_size 0");
        assertMessage(() -> SsdConfig.of(1, 10, 4, 3, 2, 5, 4096).validate(), "unsupported chunk_size 4096");
        assertMessage(() -> SsdConfig.of(1, 0, 4, 3, 2, 5, 4).validate(), "seqlen must be >= 1");
        assertMessage(() -> SsdConfig.of(1, 10, 4, 3, 2, 5, 4).withDtLimit(1f, 0.5f).validate(), "dt_limit");
    }

    @Test
    void badTaskPrefixIsRefused() {
        assertMessage(() -> SsdScan.addTo(new TaskGraph("g"), new GridScheduler(), "a.b", ok.cfg(), ok.in(), ok.newOut(), null),
                "prefix");
    }
}
