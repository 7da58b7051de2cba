package io.jmamba.kernels.ssd;

import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceMatrix;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * The bf16 tensor-core SSD ({@link SsdScanBf16}) against {@link SsdReference} run on the same
 * bf16-rounded inputs. Tolerance as mamba_ssm's bf16 tests (3e-2 relative), here relative to the
 * largest reference magnitude as the fixture rule is: the kernels round the decayed x, the C B^T
 * weights, the state and the output to bf16 (mamba_ssm's bf16 path rounds the same values).
 */
class SsdBf16Test {
    static final double RELATIVE = 3e-2;

    record Bf16Case(String name, SsdConfig cfg, SsdBf16Inputs in) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** Odd lengths (the last chunk partial), several chunks and tiles, groups, every optional input. */
    static List<Bf16Case> cases() {
        List<Bf16Case> cases = new ArrayList<>();
        cases.add(random("L150 h2 p32 n32 q64, D z bias init", SsdConfig.of(1, 150, 2, 32, 1, 32, 64).withDtSoftplus(true),
                1, true, false, true, true, true));
        cases.add(random("b2 L77 h4 p16 n16 q64, 2 groups, D per channel", SsdConfig.of(2, 77, 4, 16, 2, 16, 64)
                .withDtSoftplus(true), 2, true, true, false, true, false));
        // two l tiles per chunk, two p and n tiles with a partial second one, dt clamp
        cases.add(random("L140 h1 p80 n80 q128, clamp", SsdConfig.of(1, 140, 1, 80, 1, 80, 128).withDtSoftplus(true)
                .withDtLimit(0.01f, 0.5f), 3, true, false, true, true, true));
        // the 130M model's head shape: up to 2 + 4 slices per chunkScan tile, so the two staging buffers
        // alternate several times; the second chunk partial
        cases.add(random("L300 h2 p64 n128 q256, D z", SsdConfig.of(1, 300, 2, 64, 1, 128, 256).withDtSoftplus(true),
                4, true, false, true, false, false));
        // more chunks than the state passing's load batch (SsdKernels.LOAD_BATCH), so that the FRAG variant's
        // in-place passing reads and rewrites several batches; the last chunk partial
        cases.add(random("L1100 h2 p16 n32 q64, 18 chunks, D init", SsdConfig.of(1, 1100, 2, 16, 1, 32, 64).withDtSoftplus(true),
                6, true, false, false, true, true));
        return cases;
    }

    static Bf16Case random(String name, SsdConfig cfg, long seed, boolean withD, boolean dPerChannel, boolean withZ,
                           boolean withBias, boolean withInit) {
        Random r = new Random(seed);
        long tokens = (long) cfg.batch() * cfg.seqlen();
        BFloat16Array x = fill(r, tokens * cfg.heads() * cfg.headdim(), -1, 1);
        BFloat16Array dt = fill(r, tokens * cfg.heads(), -3, 0.5f);
        FloatArray a = SsdCase.fill(r, cfg.heads(), -2, -0.1f);
        BFloat16Array b = fill(r, tokens * cfg.groups() * cfg.dstate(), -1, 1);
        BFloat16Array c = fill(r, tokens * cfg.groups() * cfg.dstate(), -1, 1);
        FloatArray d = withD ? SsdCase.fill(r, dPerChannel ? (long) cfg.heads() * cfg.headdim() : cfg.heads(), -1, 1) : null;
        BFloat16Array z = withZ ? fill(r, tokens * cfg.heads() * cfg.headdim(), -2, 2) : null;
        FloatArray bias = withBias ? SsdCase.fill(r, cfg.heads(), -1, 1) : null;
        FloatArray init = withInit ? SsdCase.fill(r, (long) cfg.batch() * cfg.heads() * cfg.headdim() * cfg.dstate(), -1, 1) : null;
        return new Bf16Case(name, cfg, new SsdBf16Inputs(x, dt, a, b, c, d, z, bias, init));
    }

    static BFloat16Array fill(Random r, long n, float lo, float hi) {
        BFloat16Array a = new BFloat16Array(n);
        for (long i = 0; i < n; i++) {
            a.set(i, lo + (hi - lo) * r.nextFloat());
        }
        return a;
    }

    /** The kernels the property selects ({@link SsdScanBf16.AsyncStaging#fromProperty}), named in each test. */
    @TestFactory
    Stream<DynamicTest> everyDeviceMatchesReferenceOnBf16Inputs() {
        return matchesReference(SsdScanBf16.AsyncStaging.fromProperty());
    }

    /** The asynchronously staged chunk state and chunk scan, whatever the property says. */
    @TestFactory
    Stream<DynamicTest> asyncChunkScanMatchesReferenceOnEveryDevice() {
        return matchesReference(SsdScanBf16.AsyncStaging.ALL);
    }

    /** The register-staged chunk state and chunk scan ({@code -Djmamba.ssd.bf16.async=false}), whatever the property says. */
    @TestFactory
    Stream<DynamicTest> registerStagedKernelsMatchReferenceOnEveryDevice() {
        return matchesReference(SsdScanBf16.AsyncStaging.NONE);
    }

    private static Stream<DynamicTest> matchesReference(SsdScanBf16.AsyncStaging async) {
        List<DynamicTest> tests = new ArrayList<>();
        for (ComputeDevice d : DeviceMatrix.devices()) {
            for (Bf16Case sc : cases()) {
                String name = "async " + async + " " + sc.name() + " on " + d.id();
                tests.add(dynamicTest(name, () -> {
                    SsdConfig cfg = sc.cfg();
                    long outSize = (long) cfg.batch() * cfg.seqlen() * cfg.heads() * cfg.headdim();
                    long stateSize = (long) cfg.batch() * cfg.heads() * cfg.headdim() * cfg.dstate();
                    FloatArray refOut = new FloatArray(outSize);
                    FloatArray refFin = new FloatArray(stateSize);
                    SsdReference.forward(cfg, sc.in().widened(), refOut, refFin);
                    BFloat16Array out = new BFloat16Array(outSize);
                    FloatArray fin = new FloatArray(stateSize);
                    SsdScanBf16.run(d, cfg, sc.in(), out, fin, async);
                    assertRelativeClose(name + " out", refOut, widen(out));
                    assertRelativeClose(name + " final_states", refFin, fin);
                }));
            }
        }
        return tests.stream();
    }

    @Test
    void asyncPropertyValuesParseAndAnUnknownOneIsNamed() {
        assertEquals(SsdScanBf16.AsyncStaging.ALL, SsdScanBf16.AsyncStaging.parse(null), "the default");
        assertEquals(SsdScanBf16.AsyncStaging.NONE, SsdScanBf16.AsyncStaging.parse("false"));
        assertEquals(SsdScanBf16.AsyncStaging.ALL, SsdScanBf16.AsyncStaging.parse("true"));
        assertEquals(SsdScanBf16.AsyncStaging.ALL, SsdScanBf16.AsyncStaging.parse(" ALL "));
        assertEquals(SsdScanBf16.AsyncStaging.SCAN, SsdScanBf16.AsyncStaging.parse("scan"));
        assertEquals(SsdScanBf16.AsyncStaging.STATE, SsdScanBf16.AsyncStaging.parse("state"));
        assertTrue(SsdScanBf16.AsyncStaging.SCAN.scan() && !SsdScanBf16.AsyncStaging.SCAN.state());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SsdScanBf16.AsyncStaging.parse("yes"));
        assertTrue(e.getMessage().contains(SsdScanBf16.ASYNC_PROPERTY) && e.getMessage().contains("yes"), e.getMessage());
    }

    @Test
    void chunkMustBeWholeTiles() {
        Bf16Case sc = random("q48", SsdConfig.of(1, 50, 2, 16, 1, 16, 48), 4, false, false, false, false, false);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SsdScanBf16.addTo(
                new TaskGraph("g"), new GridScheduler(), "ssd", sc.cfg(), sc.in(), new BFloat16Array(50 * 2 * 16), null, null));
        assertTrue(e.getMessage().contains("chunk_size") && e.getMessage().contains("48"), e.getMessage());
    }

    @Test
    void wrongOutShapeNamesOut() {
        Bf16Case sc = random("ok", SsdConfig.of(1, 50, 2, 16, 1, 16, 64), 5, false, false, false, false, false);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SsdScanBf16.addTo(
                new TaskGraph("g"), new GridScheduler(), "ssd", sc.cfg(), sc.in(), new BFloat16Array(99), null, null));
        assertTrue(e.getMessage().contains("out") && e.getMessage().contains("99"), e.getMessage());
    }

    static FloatArray widen(BFloat16Array a) {
        FloatArray f = new FloatArray(a.getSize());
        for (long i = 0; i < a.getSize(); i++) {
            f.set(i, a.get(i));
        }
        return f;
    }

    /** Every element within RELATIVE * max(1, max |expected|) of the expected value. */
    static void assertRelativeClose(String what, FloatArray expected, FloatArray actual) {
        double maxRef = 0;
        for (long i = 0; i < expected.getSize(); i++) {
            maxRef = Math.max(maxRef, Math.abs(expected.get(i)));
        }
        double tol = RELATIVE * Math.max(1.0, maxRef);
        for (long i = 0; i < expected.getSize(); i++) {
            double err = Math.abs((double) expected.get(i) - actual.get(i));
            if (!(err <= tol)) {
                throw new AssertionError(what + ": element " + i + " is " + actual.get(i) + ", expected " + expected.get(i)
                        + " (error " + err + " > tolerance " + tol + ")");
            }
        }
    }
}
