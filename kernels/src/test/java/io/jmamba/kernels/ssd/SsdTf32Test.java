package io.jmamba.kernels.ssd;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceMatrix;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static io.jmamba.kernels.ssd.GoldenFile.assertClose;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * The 3xTF32 tensor-core variant ({@link SsdTf32Kernels}) keeps the fp32 fixture tolerance: fixtures,
 * odd random shapes (partial tiles in every dimension, chunk 1, chunk > seqlen, groups) and the
 * carried-state property, on every device. The Mamba-2-sized fixture (600 tokens, 2 x 64 x 128) is
 * tagged slow: off CUDA every mma is a work-group exchange, about a minute on the JVM.
 */
class SsdTf32Test {
    static final SsdScan.Variant V = SsdScan.Variant.TENSOR_TF32X3;
    static final String BIG_FIXTURE = "mamba2_dims";

    static final List<String> SMALL_FIXTURES = SsdFixtureTest.CASES.stream().filter(c -> !c.equals(BIG_FIXTURE)).toList();

    @TestFactory
    Stream<DynamicTest> fixturesOnEveryDevice() {
        return fixtureTests(DeviceMatrix.devices(), SMALL_FIXTURES);
    }

    @Tag("slow")
    @TestFactory
    Stream<DynamicTest> mamba2SizedFixtureOnEveryDevice() {
        return fixtureTests(DeviceMatrix.devices(), List.of(BIG_FIXTURE));
    }

    @TestFactory
    Stream<DynamicTest> randomShapesOnEveryDevice() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ComputeDevice d : DeviceMatrix.devices()) {
            for (SsdCase sc : SsdPropertyTest.randomCases()) {
                String name = sc.name() + " on " + d.id();
                tests.add(dynamicTest(name, () -> {
                    FloatArray refOut = sc.newOut(), refFin = sc.newStates();
                    SsdReference.forward(sc.cfg(), sc.in(), refOut, refFin);
                    FloatArray out = sc.newOut(), fin = sc.newStates();
                    SsdScan.run(d, sc.cfg(), sc.in(), out, fin, V);
                    assertClose(name + " out", refOut, out);
                    assertClose(name + " final_states", refFin, fin);
                }));
            }
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> twoPiecesWithCarriedStateEqualOnePiece() {
        return DeviceMatrix.devices().stream().map(d -> dynamicTest("on " + d.id(),
                () -> SsdPropertyTest.twoPieces((sc, o, f) -> SsdScan.run(d, sc.cfg(), sc.in(), o, f, V))));
    }

    static Stream<DynamicTest> fixtureTests(List<ComputeDevice> devices, List<String> cases) {
        List<DynamicTest> tests = new ArrayList<>();
        for (ComputeDevice d : devices) {
            for (String c : cases) {
                String name = c + " on " + d.id();
                tests.add(dynamicTest(name, () -> {
                    GoldenFile f = SsdFixtureTest.golden(c);
                    SsdCase sc = SsdCase.fromFixture(f);
                    FloatArray out = sc.newOut();
                    FloatArray fin = sc.newStates();
                    SsdScan.run(d, sc.cfg(), sc.in(), out, fin, V);
                    assertClose(name + " out", f.array("out"), out);
                    assertClose(name + " final_states", f.array("final_states"), fin);
                }));
            }
        }
        return tests.stream();
    }
}
