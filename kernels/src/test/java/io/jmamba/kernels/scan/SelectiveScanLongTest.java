package io.jmamba.kernels.scan;

import io.jmamba.kernels.support.Target;
import io.jmamba.kernels.support.Tolerance;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;

import java.util.List;

/**
 * A million-token scan (two channels, small state, so that it stays cheap) against the reference:
 * chunk offsets and the carry over 16384 chunks. About 2 s on the JVM.
 */
class SelectiveScanLongTest {

    @TestFactory
    List<DynamicTest> millionTokens() {
        return Target.all().stream().map(t -> DynamicTest.dynamicTest("1M tokens on " + t.name(), () -> {
            int len = 1 << 20;
            var p = SelectiveScanTest.Problem.random(2024, 1, 2, len, 4, 1, false);
            SelectiveScanResult want = p.reference();
            SelectiveScanResult got = SelectiveScanTest.run(t, p.builder().build(), p.inputs());
            Tolerance.assertClose("out", want.out(), got.out());
            Tolerance.assertClose("last_state", want.lastState(), got.lastState());
        })).toList();
    }

    /** The BLOCK variant over a million tokens (1024 tiles per row; slow on the JVM, whose work-items wait at barriers). */
    @Tag("slow")
    @TestFactory
    List<DynamicTest> millionTokensBlock() {
        return Target.all().stream().map(t -> DynamicTest.dynamicTest("1M tokens, BLOCK, on " + t.name(), () -> {
            int len = 1 << 20;
            var p = SelectiveScanTest.Problem.random(2025, 1, 2, len, 4, 1, false);
            SelectiveScanResult want = p.reference();
            SelectiveScanResult got = SelectiveScanTest.run(t, p.builder().variant(SelectiveScan.Variant.BLOCK).build(), p.inputs());
            Tolerance.assertClose("out", want.out(), got.out());
            Tolerance.assertClose("last_state", want.lastState(), got.lastState());
        })).toList();
    }
}
