package io.jmamba.runtime.conformance;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Keeps the suite honest without any backend: enough kernels, and every case well-formed. */
class ConformanceCatalogTest {
    @Test
    void hasAtLeastSixtyDistinctKernels() {
        Set<String> kernels = new HashSet<>();
        for (ConformanceCase c : ConformanceCatalog.all()) {
            kernels.add(c.owner().getName() + "." + c.method());
        }
        assertTrue(kernels.size() >= 60, "only " + kernels.size() + " kernels");
    }

    /** A case whose kernel throws in plain Java (an index out of bounds, say) would test nothing. */
    @Test
    void everyPlainKernelRunsAsJava() {
        for (ConformanceCase c : ConformanceCatalog.all()) {
            if (!c.usesContext()) {
                assertNotNull(CaseRunner.callDirectly(c), c.name());
            }
        }
    }

    /** Context kernels cannot be called directly, so the JVM backend's result needs an independent check. */
    @Test
    void everyContextKernelHasACheckAndAGrid() {
        List<String> missing = ConformanceCatalog.all().stream()
                .filter(ConformanceCase::usesContext)
                .filter(c -> c.check() == null || c.grid() == null)
                .map(ConformanceCase::name).toList();
        assertTrue(missing.isEmpty(), "context kernels without check or grid: " + missing);
    }
}
