package io.jmamba.kernels.scan;

import io.jmamba.kernels.support.Fixture;
import io.jmamba.kernels.support.Tensor;
import io.jmamba.kernels.support.Tolerance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The plain-Java specification reproduces every golden selective-scan case. */
class SelectiveScanReferenceTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"basic", "groups", "plain", "long"})
    void matchesFixture(String caseName) {
        Fixture f = Fixture.load("selective_scan", caseName);
        SelectiveScanResult r = SelectiveScanReference.forward(f.tensor("u"), f.tensor("delta"), f.tensor("A"),
                f.tensor("B"), f.tensor("C"), f.optional("D"), f.optional("z"), f.optional("delta_bias"),
                f.flag("delta_softplus"), null);
        Tolerance.assertClose(caseName + " out", f.tensor("out"), r.out());
        Tolerance.assertClose(caseName + " last_state", f.tensor("last_state"), r.lastState());
    }
}
