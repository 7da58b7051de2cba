package io.jmamba.bench.portability;

import io.jmamba.bench.portability.cases.MambaCases;
import io.jmamba.bench.scaling.Progress;
import io.jmamba.bench.scaling.SeriesCatalog;
import io.jmamba.bench.scaling.SweepConfig;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceMatrix;
import io.jmamba.runtime.backend.Devices;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PortabilityCheckTest {
    private static final SweepConfig FAST = new SweepConfig(0, 1, 60, 0.8, "fp32", "test");

    @Test
    void conformingKernelsPassOnEveryDeviceAndAreTimed() {
        List<ConformanceCase> cases = MambaCases.all().stream().filter(c -> c.id().equals("conv1d")).toList();
        PortabilityCheck check = new PortabilityCheck(cases, SeriesCatalog.select(List.of("conv1d")), 128, FAST,
                Progress.silent());
        List<ComputeDevice> devices = DeviceMatrix.devices();
        PortabilityReport r = check.run(devices, Devices.find("jvm"));
        assertEquals(devices.size(), r.devices().size());
        assertTrue(r.allPassed(), PortabilityCheck.format(r));
        for (DeviceReport d : r.devices()) {
            ConformanceResult c = d.conformance().getFirst();
            assertTrue(c.maxAbsError() <= c.tolerance());
            assertNull(c.error());
            assertEquals(1, d.timings().size());
            assertTrue(d.timings().getFirst().medianMs() > 0, d.timings().toString());
        }
    }

    @Test
    void aWrongOrFailingKernelIsReportedAsFailingWithoutStoppingTheCheck() {
        ComputeDevice jvm = Devices.find("jvm");
        ConformanceCase offByOne = new ConformanceCase() {
            private int calls;

            @Override
            public String id() {
                return "off-by-one";
            }

            @Override
            public String shape() {
                return "n3";
            }

            @Override
            public float[] run(ComputeDevice device) {
                // the first call is the reference; later ones drift by 1e-3, ten times the tolerance
                return calls++ == 0 ? new float[] {1, 2, 3} : new float[] {1, 2, 3.001f};
            }
        };
        ConformanceCase throwing = new ConformanceCase() {
            private int calls;

            @Override
            public String id() {
                return "throws";
            }

            @Override
            public String shape() {
                return "n1";
            }

            @Override
            public float[] run(ComputeDevice device) {
                if (calls++ > 0) {
                    throw new IllegalStateException("kernel failed to build");
                }
                return new float[] {0};
            }
        };
        List<ConformanceCase> cases = new ArrayList<>(List.of(offByOne, throwing));
        PortabilityReport r = new PortabilityCheck(cases, List.of(), 128, FAST, Progress.silent()).run(List.of(jvm), jvm);
        assertFalse(r.allPassed());
        List<ConformanceResult> results = r.devices().getFirst().conformance();
        assertFalse(results.get(0).pass());
        assertEquals(1e-3, results.get(0).maxAbsError(), 1e-6);
        assertEquals(3e-4, results.get(0).tolerance(), 1e-12);
        assertFalse(results.get(1).pass());
        assertTrue(results.get(1).error().contains("kernel failed to build"));
        assertTrue(PortabilityCheck.format(r).contains("SOME KERNELS DO NOT CONFORM"));
    }

    @Test
    void aNanWhereTheReferenceHasANumberFails() {
        ConformanceCase c = new ConformanceCase() {
            @Override public String id() { return "nan"; }
            @Override public String shape() { return "n2"; }
            @Override public float[] run(ComputeDevice device) { return new float[0]; }
        };
        ConformanceResult r = ConformanceResult.compare(c, new float[] {1, 2}, new float[] {1, Float.NaN});
        assertFalse(r.pass());
        assertTrue(r.error().contains("NaN"));
    }
}
