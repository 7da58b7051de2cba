package io.jmamba.runtime.fuzz;

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
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The differential fuzzer in CI: {@code jmamba.fuzz.count} random programs (200 by default) from seed
 * {@code jmamba.fuzz.seed}, each run on every device of {@link DeviceMatrix#devices()} and compared
 * with the JVM backend; on the JVM backend itself, compared with calling the generated method directly.
 * Each (program, device) is its own test. A failure prints the seed, the program's source and the
 * flags that rerun it alone.
 */
class DifferentialFuzzTest {
    private final Map<String, Object> runs = new ConcurrentHashMap<>();

    @TestFactory
    List<DynamicNode> fuzz() {
        FuzzSettings s = FuzzSettings.fromSystemProperties();
        List<ComputeDevice> devices = DeviceMatrix.devices();
        ComputeDevice jvm = DeviceMatrix.reference().orElse(null); // also where JMAMBA_BACKENDS leaves it out of the matrix
        List<FuzzBatch> batches = s.batches();
        List<DynamicNode> perDevice = new ArrayList<>();
        if (jvm == null) {
            return List.of(DynamicTest.dynamicTest("fuzz (no JVM backend)", () -> fail("the JVM backend, the reference, was not found among " + devices)));
        }
        for (ComputeDevice d : devices) {
            List<DynamicNode> tests = new ArrayList<>();
            for (FuzzBatch b : batches) {
                for (int pos = 0; pos < b.programs.size(); pos++) {
                    int p = pos;
                    tests.add(DynamicTest.dynamicTest("program " + b.programs.get(p).index() + " on " + d.id(), () -> {
                        Object[] expected = d == jvm ? run(b, "direct", s, jvm, b::runDirectly) : run(b, jvm.id(), s, jvm, () -> b.runOn(jvm));
                        Object[] actual = run(b, d == jvm ? jvm.id() : d.id(), s, d, () -> b.runOn(d));
                        String diff = b.compare(p, expected, actual);
                        if (diff != null) {
                            fail(FuzzReport.mismatch(s, b, p, d, diff) + (d == jvm ? "" : "\n--- generated source ---\n" + b.generatedSource(d)));
                        }
                    }));
                }
            }
            perDevice.add(DynamicContainer.dynamicContainer("fuzz on " + d.id() + " (" + d.name() + ")", tests));
        }
        return perDevice;
    }

    /** One run per (batch, device), shared by the batch's program tests; a failed run fails each of them with its cause. */
    private Object[] run(FuzzBatch b, String key, FuzzSettings s, ComputeDevice d, Supplier<Object[]> how) {
        Object r = runs.computeIfAbsent(b.className + "@" + key, k -> {
            try {
                return how.get();
            } catch (RuntimeException | Error e) {
                return e;
            }
        });
        if (r instanceof Throwable t) {
            throw new AssertionError(FuzzReport.failure(s, b, d, t), t);
        }
        return (Object[]) r;
    }
}
