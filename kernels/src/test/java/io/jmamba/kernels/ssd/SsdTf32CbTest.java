package io.jmamba.kernels.ssd;

import io.jmamba.kernels.nn.GraphParts;
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
 * {@link SsdTf32CbKernels#chunkCb} writes what the FFMA {@link SsdWideKernels#chunkCb} writes, within a tenth of the
 * fp32 fixtures' tolerance (a single TF32 product is about 2^-11 of each product): every entry, zeros above the
 * diagonal and past the sequence, on every device, at a partial last chunk, two groups and batch 2, dstate 40 (a slice
 * and one k8 step) and the 130M model's dstate and chunk.
 */
class SsdTf32CbTest {
    static List<SsdConfig> cases() {
        return List.of(SsdConfig.of(1, 300, 2, 64, 1, 128, 256), SsdConfig.of(2, 77, 4, 16, 2, 40, 64),
                SsdConfig.of(1, 200, 1, 16, 1, 16, 128));
    }

    @TestFactory
    Stream<DynamicTest> tensorCoreCbMatchesTheFmaKernelOnEveryDevice() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ComputeDevice d : DeviceMatrix.devices()) {
            for (SsdConfig cfg : cases()) {
                tests.add(dynamicTest(cfg + " on " + d.id(), () -> {
                    assertTrue(SsdTf32ScanKernels.supports(cfg), "a shape the tensor-core kernels take: " + cfg);
                    Random r = new Random(5);
                    long rows = (long) cfg.batch() * cfg.seqlen() * cfg.groups() * cfg.dstate();
                    FloatArray cm = SsdTf32StateTest.fill(r, rows);
                    FloatArray bm = SsdTf32StateTest.fill(r, rows);
                    long size = (long) cfg.batch() * cfg.nchunks() * cfg.groups() * cfg.chunkSize() * cfg.chunkSize();
                    FloatArray viaFma = new FloatArray(size);
                    FloatArray viaTf32 = new FloatArray(size);
                    for (long i = 0; i < size; i++) { // an entry either kernel leaves unwritten fails below
                        viaFma.set(i, 7f);
                        viaTf32.set(i, Float.NaN);
                    }
                    GraphParts.runOnce(d, "cb", List.of(cm, bm, viaFma, viaTf32), List.of(viaFma, viaTf32), (graph, grids) -> {
                        graph.task("fma", SsdWideKernels::chunkCb, new KernelContext(), cm, bm, viaFma, cfg.batch(), cfg.seqlen(),
                                cfg.groups(), cfg.dstate(), cfg.chunkSize(), cfg.nchunks());
                        graph.task("tf32", SsdTf32CbKernels::chunkCb, new KernelContext(), cm, bm, viaTf32, cfg.batch(),
                                cfg.seqlen(), cfg.groups(), cfg.dstate(), cfg.chunkSize(), cfg.nchunks());
                        grids.addWorkerGrid("cb.fma", SsdScan.tiledGrid(SsdWideKernels.groups(cfg)[1], SsdWideKernels.GROUP));
                        grids.addWorkerGrid("cb.tf32", SsdScan.tiledGrid(SsdTensorKernels.groups(cfg)[1], SsdTensorKernels.GROUP));
                    });
                    double tol = 1e-4 * Math.max(1, cfg.dstate()); // |C.B| <= dstate for entries in [-1, 1]
                    double worst = 0;
                    int products = 0;
                    for (long i = 0; i < size; i++) {
                        float want = viaFma.get(i);
                        float got = viaTf32.get(i);
                        assertTrue(want != 7f, "the FFMA kernel writes every entry: cb[" + i + "]");
                        if (want == 0f) { // above the diagonal or past the sequence: the same zero
                            assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(got), "cb[" + i + "]");
                        } else {
                            worst = Math.max(worst, Math.abs((double) want - got));
                            products++;
                        }
                    }
                    assertTrue(products > size / 8, "the lower triangles were written: " + products + " of " + size);
                    assertTrue(worst <= 0.1 * tol, "fp32 agreement, not single-TF32: worst error " + worst + " against " + tol);
                }));
            }
        }
        return tests.stream();
    }
}
