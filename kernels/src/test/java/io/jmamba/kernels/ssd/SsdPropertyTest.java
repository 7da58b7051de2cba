package io.jmamba.kernels.ssd;

import io.jmamba.kernels.scan.SelectiveScanReference;
import io.jmamba.kernels.scan.SelectiveScanResult;
import io.jmamba.kernels.support.Tensor;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceMatrix;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.jmamba.kernels.ssd.GoldenFile.assertClose;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/** Properties of the chunked SSD kernels: pieces with carried state, Mamba-1 equivalence, random shapes. */
class SsdPropertyTest {

    /** Odd sizes, one-token sequences, chunk larger than the sequence, chunk 1, several groups, D per channel. */
    static List<SsdCase> randomCases() {
        List<SsdCase> cases = new ArrayList<>();
        cases.add(SsdCase.random("odd b2 L23 h3 p5 n7 q8", SsdConfig.of(2, 23, 3, 5, 1, 7, 8).withDtSoftplus(true), 1, true, false, true, true, false));
        cases.add(SsdCase.random("one token", SsdConfig.of(1, 1, 2, 4, 2, 3, 16).withDtSoftplus(true), 2, true, true, true, true, true));
        cases.add(SsdCase.random("chunk 1", SsdConfig.of(1, 9, 2, 3, 1, 4, 1).withDtSoftplus(true), 3, false, false, false, false, true));
        cases.add(SsdCase.random("chunk > seqlen", SsdConfig.of(3, 13, 2, 2, 1, 5, 64), 4, true, false, true, false, false));
        cases.add(SsdCase.random("groups 3 of 6 heads", SsdConfig.of(1, 37, 6, 3, 3, 6, 10).withDtSoftplus(true).withDtLimit(0.01f, 0.5f), 5, true, true, true, true, true));
        // several partial tiles of the tiled kernels in every dimension: l (chunk 130), p (70), n and k (20)
        cases.add(SsdCase.random("multi-tile L300 p70 n20 q130", SsdConfig.of(1, 300, 2, 70, 2, 20, 130).withDtSoftplus(true), 7, true, true, true, true, true));
        // the state carried across 32 chunks, the last one partial
        cases.add(SsdCase.random("many chunks L2001 q64", SsdConfig.of(1, 2001, 2, 8, 1, 16, 64).withDtSoftplus(true), 8, true, false, true, true, true));
        // shapes the tensor-core chunk scan takes (SsdTf32ScanKernels.supports), with its partial tiles: channels 24 of a
        // 64-column tile, 40 state columns (a slice of 32 and one k8 step), a partial last chunk of 77 tokens
        cases.add(SsdCase.random("tf32 tiles b2 L333 h4 p24 g2 n40 q128", SsdConfig.of(2, 333, 4, 24, 2, 40, 128).withDtSoftplus(true), 9, true, false, true, true, true));
        cases.add(SsdCase.random("tf32 130M-shaped L520 h2 p64 n128 q256", SsdConfig.of(1, 520, 2, 64, 1, 128, 256).withDtSoftplus(true), 10, true, false, true, true, false));
        cases.add(SsdCase.random("one channel", SsdConfig.of(1, 17, 1, 1, 1, 1, 4).withDtSoftplus(true), 6, true, false, true, true, false));
        return cases;
    }

    @TestFactory
    Stream<DynamicTest> chunkedKernelsMatchReferenceOnRandomShapes() {
        return randomCases().stream().map(sc -> dynamicTest(sc.name(), () -> {
            FloatArray refOut = sc.newOut(), refFin = sc.newStates();
            SsdReference.forward(sc.cfg(), sc.in(), refOut, refFin);
            FloatArray out = sc.newOut(), fin = sc.newStates();
            SsdFixtureTest.runSequential(sc, out, fin);
            assertClose(sc.name() + " out", refOut, out);
            assertClose(sc.name() + " final_states", refFin, fin);
        }));
    }

    @TestFactory
    Stream<DynamicTest> everyDeviceMatchesReferenceOnRandomShapes() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ComputeDevice d : DeviceMatrix.devices()) {
            for (SsdScan.Variant v : SsdCase.CORE_VARIANTS) {
                for (SsdCase sc : randomCases()) {
                    String name = sc.name() + " " + v + " on " + d.id();
                    tests.add(dynamicTest(name, () -> {
                        FloatArray refOut = sc.newOut(), refFin = sc.newStates();
                        SsdReference.forward(sc.cfg(), sc.in(), refOut, refFin);
                        FloatArray out = sc.newOut(), fin = sc.newStates();
                        SsdScan.run(d, sc.cfg(), sc.in(), out, fin, v);
                        assertClose(name + " out", refOut, out);
                        assertClose(name + " final_states", refFin, fin);
                    }));
                }
            }
        }
        return tests.stream();
    }

    /** Runs an SSD call one way: the loop kernels as plain Java, or a variant on a device. */
    interface SsdRunner {
        void run(SsdCase sc, FloatArray out, FloatArray finalStates);
    }

    /** Plain Java first, then every device with each variant. */
    static List<Map.Entry<String, SsdRunner>> runners() {
        List<Map.Entry<String, SsdRunner>> out = new ArrayList<>();
        out.add(Map.entry("loops as Java", SsdFixtureTest::runSequential));
        for (ComputeDevice d : DeviceMatrix.devices()) {
            for (SsdScan.Variant v : SsdCase.CORE_VARIANTS) {
                out.add(Map.entry(v + " on " + d.id(), (sc, o, f) -> SsdScan.run(d, sc.cfg(), sc.in(), o, f, v)));
            }
        }
        return out;
    }

    /** Scanning tokens [0, split) and then [split, L) from the carried state equals one scan of [0, L). */
    @TestFactory
    Stream<DynamicTest> twoPiecesWithCarriedStateEqualOnePiece() {
        return runners().stream().map(r -> dynamicTest(r.getKey(), () -> twoPieces(r.getValue())));
    }

    /** SSD with headdim channels per head equals Mamba-1's selective scan over heads*headdim channels with A, dt, D repeated. */
    @TestFactory
    Stream<DynamicTest> equalsSelectiveScanWithRepeatedParameters() {
        return runners().stream().map(r -> dynamicTest(r.getKey(), () -> equalsSelectiveScan(r.getValue())));
    }

    static void twoPieces(SsdRunner runner) {
        SsdCase whole = SsdCase.random("whole", SsdConfig.of(2, 45, 4, 3, 2, 5, 8).withDtSoftplus(true), 11, true, true, true, true, true);
        SsdConfig cfg = whole.cfg();
        FloatArray outWhole = whole.newOut(), finWhole = whole.newStates();
        runner.run(whole, outWhole, finWhole);

        int split = 19; // not a multiple of the chunk: the second piece's chunks are shifted
        SsdCase first = slice(whole, 0, split, whole.in().initialStates());
        FloatArray out1 = first.newOut(), fin1 = first.newStates();
        runner.run(first, out1, fin1);
        SsdCase second = slice(whole, split, cfg.seqlen(), fin1);
        FloatArray out2 = second.newOut(), fin2 = second.newStates();
        runner.run(second, out2, fin2);

        int perToken = cfg.heads() * cfg.headdim();
        assertClose("first piece out", sliceTokens(outWhole, cfg.batch(), cfg.seqlen(), perToken, 0, split), out1);
        assertClose("second piece out", sliceTokens(outWhole, cfg.batch(), cfg.seqlen(), perToken, split, cfg.seqlen()), out2);
        assertClose("final state after two pieces", finWhole, fin2);
    }

    static void equalsSelectiveScan(SsdRunner runner) {
        SsdCase sc = SsdCase.random("m1", SsdConfig.of(2, 30, 4, 3, 2, 6, 8).withDtSoftplus(true), 21, true, false, true, true, true);
        SsdConfig c = sc.cfg();
        int batch = c.batch(), seqlen = c.seqlen(), heads = c.heads(), p = c.headdim(), n = c.dstate(), groups = c.groups();
        int dim = heads * p;
        float[] u = new float[batch * dim * seqlen], delta = new float[batch * dim * seqlen], z = new float[batch * dim * seqlen];
        float[] a = new float[dim * n], d = new float[dim], bias = new float[dim];
        float[] b = new float[batch * groups * n * seqlen], cc = new float[batch * groups * n * seqlen];
        for (int bi = 0; bi < batch; bi++) {
            for (int t = 0; t < seqlen; t++) {
                for (int h = 0; h < heads; h++) {
                    for (int pi = 0; pi < p; pi++) {
                        int ch = h * p + pi;
                        int m1 = (bi * dim + ch) * seqlen + t;
                        long m2 = (((long) bi * seqlen + t) * heads + h) * p + pi;
                        u[m1] = sc.in().x().get(m2);
                        z[m1] = sc.in().z().get(m2);
                        delta[m1] = sc.in().dt().get(((long) bi * seqlen + t) * heads + h);
                    }
                }
                for (int g = 0; g < groups; g++) {
                    for (int k = 0; k < n; k++) {
                        long m2 = (((long) bi * seqlen + t) * groups + g) * n + k;
                        int m1 = ((bi * groups + g) * n + k) * seqlen + t;
                        b[m1] = sc.in().B().get(m2);
                        cc[m1] = sc.in().C().get(m2);
                    }
                }
            }
        }
        for (int h = 0; h < heads; h++) {
            for (int pi = 0; pi < p; pi++) {
                int ch = h * p + pi;
                d[ch] = sc.in().D().get(h);
                bias[ch] = sc.in().dtBias().get(h);
                for (int k = 0; k < n; k++) {
                    a[ch * n + k] = sc.in().A().get(h);
                }
            }
        }
        // the Mamba-1 reference of the scan package; the SSD state (batch, heads, headdim, dstate) is its (batch, dim, dstate)
        SelectiveScanResult m1 = SelectiveScanReference.forward(Tensor.fromArray(u, batch, dim, seqlen),
                Tensor.fromArray(delta, batch, dim, seqlen), Tensor.fromArray(a, dim, n), Tensor.fromArray(b, batch, groups, n, seqlen),
                Tensor.fromArray(cc, batch, groups, n, seqlen), Tensor.fromArray(d, dim), Tensor.fromArray(z, batch, dim, seqlen),
                Tensor.fromArray(bias, dim), true, Tensor.of(sc.in().initialStates(), batch, dim, n));
        FloatArray expected = sc.newOut();
        for (int bi = 0; bi < batch; bi++) {
            for (int t = 0; t < seqlen; t++) {
                for (int ch = 0; ch < dim; ch++) {
                    expected.set(((long) bi * seqlen + t) * dim + ch, m1.out().data().get(((long) bi * dim + ch) * seqlen + t));
                }
            }
        }
        FloatArray out = sc.newOut(), fin = sc.newStates();
        runner.run(sc, out, fin);
        assertClose("SSD vs selective scan", expected, out);
        assertClose("SSD final state vs selective scan last state", m1.lastState().data(), fin);
    }

    /** Tokens [from, to) of every batch row as a new case starting from {@code initial}. */
    static SsdCase slice(SsdCase whole, int from, int to, FloatArray initial) {
        SsdConfig c = whole.cfg();
        SsdInputs in = whole.in();
        int b = c.batch(), l = c.seqlen();
        SsdInputs part = new SsdInputs(
                sliceTokens(in.x(), b, l, c.heads() * c.headdim(), from, to),
                sliceTokens(in.dt(), b, l, c.heads(), from, to), in.A(),
                sliceTokens(in.B(), b, l, c.groups() * c.dstate(), from, to),
                sliceTokens(in.C(), b, l, c.groups() * c.dstate(), from, to), in.D(),
                in.z() == null ? null : sliceTokens(in.z(), b, l, c.heads() * c.headdim(), from, to), in.dtBias(), initial);
        return new SsdCase(whole.name() + "[" + from + "," + to + ")", c.withSeqlen(to - from), part);
    }

    static FloatArray sliceTokens(FloatArray a, int batch, int seqlen, int perToken, int from, int to) {
        FloatArray out = new FloatArray((long) batch * (to - from) * perToken);
        for (int b = 0; b < batch; b++) {
            for (int t = from; t < to; t++) {
                for (int k = 0; k < perToken; k++) {
                    out.set(((long) b * (to - from) + (t - from)) * perToken + k, a.get(((long) b * seqlen + t) * perToken + k));
                }
            }
        }
        return out;
    }
}
