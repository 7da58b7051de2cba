package io.jmamba.kernels.ssd;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceMatrix;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static io.jmamba.kernels.ssd.GoldenFile.assertClose;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/** Every ssd fixture against the reference, the chunked kernels run as Java, and every device. */
class SsdFixtureTest {
    static final List<String> CASES = List.of("basic", "groups_init", "mamba2_dims", "dt_limit");

    static GoldenFile golden(String c) {
        return GoldenFile.load("ssd/" + c + ".safetensors");
    }

    @TestFactory
    Stream<DynamicTest> referenceMatchesFixtures() {
        return CASES.stream().map(c -> dynamicTest(c, () -> {
            GoldenFile f = golden(c);
            SsdCase sc = SsdCase.fromFixture(f);
            FloatArray out = sc.newOut();
            FloatArray fin = sc.newStates();
            SsdReference.forward(sc.cfg(), sc.in(), out, fin);
            assertClose(c + " out", f.array("out"), out);
            assertClose(c + " final_states", f.array("final_states"), fin);
        }));
    }

    @TestFactory
    Stream<DynamicTest> chunkedKernelsAsJavaMatchFixtures() {
        return CASES.stream().map(c -> dynamicTest(c, () -> {
            GoldenFile f = golden(c);
            SsdCase sc = SsdCase.fromFixture(f);
            FloatArray out = sc.newOut();
            FloatArray fin = sc.newStates();
            runSequential(sc, out, fin);
            assertClose(c + " out", f.array("out"), out);
            assertClose(c + " final_states", f.array("final_states"), fin);
        }));
    }

    /** Both kernel variants on every device. */
    @TestFactory
    Stream<DynamicTest> everyDeviceMatchesFixtures() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ComputeDevice d : DeviceMatrix.devices()) {
            for (SsdScan.Variant v : SsdCase.CORE_VARIANTS) {
                for (String c : CASES) {
                    String name = c + " " + v + " on " + d.id();
                    tests.add(dynamicTest(name, () -> {
                        GoldenFile f = golden(c);
                        SsdCase sc = SsdCase.fromFixture(f);
                        FloatArray out = sc.newOut();
                        FloatArray fin = sc.newStates();
                        SsdScan.run(d, sc.cfg(), sc.in(), out, fin, v);
                        assertClose(name + " out", f.array("out"), out);
                        assertClose(name + " final_states", f.array("final_states"), fin);
                    }));
                }
            }
        }
        return tests.stream();
    }

    /** The host API's task graph with the loop kernels, run kernel by kernel as plain Java. */
    static void runSequential(SsdCase sc, FloatArray out, FloatArray finalStates) {
        TaskGraph g = new TaskGraph("ssd");
        SsdScan.addTo(g, new GridScheduler(), "t", sc.cfg(), sc.in(), out, finalStates, SsdScan.Variant.LOOPS);
        SequentialGraphRunner.run(g.snapshot());
    }
}
