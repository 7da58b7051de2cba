package io.jmamba.kernels.ssd;

import io.jmamba.kernels.nn.GraphParts;
import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceMatrix;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * {@link SsdCbAsyncKernels#chunkCbAsync} writes bit for bit what {@link SsdFragKernels#chunkCbFrag} writes (the same
 * MMAs over the same fragments in the same order, zeros past the sequence), on every device, at shapes with a
 * partial last chunk, two groups and batch 2, and the 130M model's dstate and chunk.
 */
class SsdCbAsyncTest {
    record CbCase(String name, SsdConfig cfg) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<CbCase> cases() {
        return List.of(new CbCase("b1 L300 n128 q256", SsdConfig.of(1, 300, 2, 64, 1, 128, 256)),
                new CbCase("b2 L77 2 groups n32 q64", SsdConfig.of(2, 77, 4, 16, 2, 32, 64)),
                new CbCase("b1 L200 n16 q128", SsdConfig.of(1, 200, 1, 16, 1, 16, 128)));
    }

    @TestFactory
    Stream<DynamicTest> asyncStagingWritesTheRegisterStagedKernelsFragmentsOnEveryDevice() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ComputeDevice d : DeviceMatrix.devices()) {
            for (CbCase c : cases()) {
                tests.add(dynamicTest(c + " on " + d.id(), () -> {
                    SsdConfig cfg = c.cfg();
                    Random r = new Random(11);
                    long rows = (long) cfg.batch() * cfg.seqlen() * cfg.groups() * cfg.dstate();
                    BFloat16Array cm = SsdBf16Test.fill(r, rows, -1, 1);
                    BFloat16Array bm = SsdBf16Test.fill(r, rows, -1, 1);
                    long cbSize = (long) cfg.batch() * cfg.nchunks() * cfg.groups() * cfg.chunkSize() * cfg.chunkSize() / 2;
                    FloatArray viaRegisters = new FloatArray(cbSize);
                    FloatArray viaAsync = new FloatArray(cbSize);
                    long groups = SsdTensorKernels.groups(cfg)[1];
                    GraphParts.runOnce(d, "cb", List.of(cm, bm), List.of(viaRegisters, viaAsync), (graph, grids) -> {
                        graph.task("frag", SsdFragKernels::chunkCbFrag, new KernelContext(), cm, bm, viaRegisters, cfg.batch(),
                                cfg.seqlen(), cfg.groups(), cfg.dstate(), cfg.chunkSize(), cfg.nchunks());
                        graph.task("async", SsdCbAsyncKernels::chunkCbAsync, new KernelContext(), cm, bm, viaAsync, cfg.batch(),
                                cfg.seqlen(), cfg.groups(), cfg.dstate(), cfg.chunkSize(), cfg.nchunks());
                        grids.addWorkerGrid("cb.frag", SsdScan.tiledGrid(groups, SsdTensorKernels.GROUP));
                        grids.addWorkerGrid("cb.async", SsdScan.tiledGrid(groups, SsdTensorKernels.GROUP));
                    });
                    int nonZero = 0;
                    for (long i = 0; i < cbSize; i++) {
                        int want = Float.floatToRawIntBits(viaRegisters.get(i));
                        assertEquals(want, Float.floatToRawIntBits(viaAsync.get(i)), "cbFrag[" + i + "]");
                        nonZero += want != 0 ? 1 : 0;
                    }
                    assertTrue(nonZero > cbSize / 8, "the tiles were written: " + nonZero + " of " + cbSize);
                }));
            }
        }
        return tests.stream();
    }
}
