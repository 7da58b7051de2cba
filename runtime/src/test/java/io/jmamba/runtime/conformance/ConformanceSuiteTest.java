package io.jmamba.runtime.conformance;

import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceMatrix;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The conformance suite: every kernel of {@link ConformanceCatalog} on every device of
 * {@link DeviceMatrix#devices()}, each (kernel, device) its own test.
 *
 * <ul>
 *   <li>On the JVM backend a kernel without a KernelContext must give exactly what calling the Java
 *       method directly gives (the plan path adds nothing), and a kernel with a hand-written check
 *       must pass it.</li>
 *   <li>On every compiled backend the results must equal the JVM backend's: bit-exact for integer,
 *       byte and half arrays, float and double within the case's {@link Tolerance}.</li>
 * </ul>
 */
class ConformanceSuiteTest {
    private final Map<String, Outputs> jvmResults = new ConcurrentHashMap<>();

    @TestFactory
    Stream<DynamicNode> conformance() {
        List<ComputeDevice> devices = DeviceMatrix.devices();
        ComputeDevice jvm = DeviceMatrix.reference().orElse(null); // also where JMAMBA_BACKENDS leaves it out of the matrix
        List<DynamicNode> themes = new ArrayList<>();
        // -Djmamba.conformance.only=<part of a theme name> runs one theme (while working on it)
        String only = System.getProperty("jmamba.conformance.only", "");
        for (var theme : ConformanceCatalog.themes().entrySet()) {
            if (!theme.getKey().contains(only)) {
                continue;
            }
            List<DynamicNode> tests = new ArrayList<>();
            for (ConformanceCase c : theme.getValue()) {
                if (jvm == null) {
                    tests.add(DynamicTest.dynamicTest(c.name() + " (no JVM backend)",
                            () -> fail("the JVM backend, the reference, was not found among " + devices)));
                    continue;
                }
                for (ComputeDevice d : devices) {
                    String display = c.name() + " on " + d.id() + (d.backendName().equals("jvm") ? "" : " (" + d.name() + ")");
                    tests.add(DynamicTest.dynamicTest(display, () -> {
                        try {
                            if (d == jvm) {
                                checkJvm(c, jvm);
                            } else {
                                checkCompiled(c, jvm, d);
                            }
                        } catch (RuntimeException e) {
                            // name the case in the failure: surefire reports dynamic tests by index
                            throw new AssertionError(display + " threw " + e, e);
                        }
                    }));
                }
            }
            themes.add(DynamicContainer.dynamicContainer(theme.getKey(), tests));
        }
        return themes.stream();
    }

    private void checkJvm(ConformanceCase c, ComputeDevice jvm) {
        if (c.usesContext()) {
            if (c.check() == null) {
                fail("kernel " + c.name() + " takes a KernelContext and has no independent check");
            }
            Object[] args = CaseRunner.runWith(c, jvm, c.args().get());
            c.check().accept(args);
            return;
        }
        Outputs direct = CaseRunner.callDirectly(c);
        String diff = direct.compare(reference(c, jvm), Tolerance.exact());
        assertEquals(null, diff, () -> c.name() + ": the JVM backend differs from calling the method directly: " + diff);
        if (c.check() != null) {
            Object[] args = c.args().get();
            try {
                c.kernel().invoke(null, args);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
            c.check().accept(args);
        }
    }

    private void checkCompiled(ConformanceCase c, ComputeDevice jvm, ComputeDevice device) {
        Outputs expected = reference(c, jvm);
        Outputs actual = CaseRunner.run(c, device);
        String diff = expected.compare(actual, c.tolerance());
        if (diff != null) {
            fail(c.name() + " on " + device.id() + " differs from the JVM backend:\n" + diff
                    + "\n--- generated source ---\n" + CaseRunner.generatedSource(c, device));
        }
    }

    private Outputs reference(ConformanceCase c, ComputeDevice jvm) {
        return jvmResults.computeIfAbsent(c.name(), k -> CaseRunner.run(c, jvm));
    }
}
