package io.jmamba.kernels.fused;

import io.jmamba.kernels.nn.GraphParts;
import io.jmamba.kernels.nn.LinearBf16;
import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceMatrix;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * {@link FusedGemv#addEmbedNormGemv} on every device against the unfused pair it replaces: the embedding rows
 * gathered on the host, then {@link FusedGemv#addNormGemv} (staged form, no residual in) on the device. Same
 * arithmetic in the same order, so y and the residual must agree bit for bit; an id outside the vocabulary gives
 * NaN (as the embedding kernel's row of NaN would).
 */
class FusedEmbedGemvTest {
    /** {rows, in, out, vocab, bias}: the 130M in_proj, a partial 256-column chunk, two rows. */
    private static final int[][] SHAPES = {{1, 768, 3352, 500, 0}, {2, 264, 37, 40, 1}, {1, 8, 5, 3, 1}};

    @TestFactory
    List<DynamicTest> embeddingFoldedInMatchesTheLookupThenTheGemv() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ComputeDevice d : DeviceMatrix.devices()) {
            for (int[] s : SHAPES) {
                tests.add(dynamicTest("rows " + s[0] + " in " + s[1] + " out " + s[2] + (s[4] == 1 ? " +bias" : "") + " on "
                        + d.id(), () -> check(d, s[0], s[1], s[2], s[3], s[4] == 1, false)));
            }
            tests.add(dynamicTest("an id outside the vocabulary on " + d.id(), () -> check(d, 2, 264, 37, 40, false, true)));
        }
        return tests;
    }

    private static void check(ComputeDevice d, int rows, int in, int out, int vocab, boolean withBias, boolean badId) {
        Random rnd = new Random(7L * in + out);
        FloatArray table = new FloatArray((long) vocab * in);
        for (long i = 0; i < table.getSize(); i++) {
            table.set(i, (float) rnd.nextGaussian());
        }
        FloatArray normW = new FloatArray(in);
        for (int k = 0; k < in; k++) {
            normW.set(k, 0.5f + rnd.nextFloat());
        }
        BFloat16Array wb = new BFloat16Array((long) out * in);
        for (long i = 0; i < wb.getSize(); i++) {
            wb.set(i, (float) rnd.nextGaussian() * 0.05f);
        }
        FloatArray bias = null;
        if (withBias) {
            bias = new FloatArray(out);
            for (int o = 0; o < out; o++) {
                bias.set(o, (float) rnd.nextGaussian());
            }
        }
        IntArray ids = new IntArray(rows);
        FloatArray hidden = new FloatArray((long) rows * in);
        for (int r = 0; r < rows; r++) {
            int id = badId && r == 1 ? vocab : (r * 17 + vocab - 1) % vocab;
            ids.set(r, id);
            for (int k = 0; k < in; k++) {
                hidden.set((long) r * in + k, id < vocab ? table.get((long) id * in + k) : Float.NaN);
            }
        }
        FloatArray wDev = LinearBf16.packedView(wb);
        FloatArray want = new FloatArray((long) rows * out);
        FloatArray wantRes = new FloatArray((long) rows * in);
        FloatArray b = bias;
        GraphParts.runOnce(d, "plain", GraphParts.arrays(hidden, normW, wDev, bias), List.of(want, wantRes),
                (g, grids) -> FusedGemv.addNormGemv(g, grids, "p", rows, in, out, hidden, null, normW, wDev, true, b, want,
                        wantRes, 1e-5f, FusedGemv.FewRowForm.STAGED));
        FloatArray y = new FloatArray((long) rows * out);
        FloatArray res = new FloatArray((long) rows * in);
        GraphParts.runOnce(d, "embed", GraphParts.arrays(ids, table, normW, wDev, bias), List.of(y, res),
                (g, grids) -> FusedGemv.addEmbedNormGemv(g, grids, "p", rows, in, out, ids, table, vocab, normW, wDev, true, b, y,
                        res, 1e-5f));
        for (long i = 0; i < want.getSize(); i++) {
            assertEquals(Float.floatToIntBits(want.get(i)), Float.floatToIntBits(y.get(i)),
                    "y[" + i + "]: " + want.get(i) + " vs " + y.get(i));
        }
        for (long i = 0; i < wantRes.getSize(); i++) {
            assertEquals(Float.floatToIntBits(wantRes.get(i)), Float.floatToIntBits(res.get(i)), "residual[" + i + "]");
        }
        if (badId) {
            assertTrue(Float.isNaN(y.get(out)) && Float.isNaN(res.get(in)), "row 1's id is outside the vocabulary");
            assertTrue(!Float.isNaN(y.get(0)), "row 0 is valid");
        }
    }

    /** CUDA C: W and the norm weight before the PDL wait, the ids (an earlier launch's argmax) after it. */
    @Test
    void cudaSourceReadsTheIdsAfterTheWait() throws Exception {
        java.lang.reflect.Method m = java.util.Arrays.stream(FusedEmbedGemvKernels.class.getMethods())
                .filter(x -> x.getName().equals("embedNormGemvBf16")).findFirst().orElseThrow();
        io.jmamba.runtime.jit.GeneratedKernel k = io.jmamba.runtime.jit.KernelJit.compile(m, java.util.Map.of(9, 768),
                io.jmamba.runtime.jit.Dialect.CUDA);
        String body = k.source().substring(k.source().indexOf("__global__"));
        int wait = body.indexOf("jm_grid_dependency_wait();");
        assertTrue(k.usesGridDependency() && wait > 0, "launched with programmatic serialisation:\n" + body);
        assertTrue(body.indexOf("w + ") < wait && body.indexOf("normW + ") < wait, "weights before the wait:\n" + body);
        assertTrue(body.indexOf("ids[") > wait && body.indexOf("table + ") > wait, "ids and table after the wait:\n" + body);
    }

    @Test
    void refusedOutsideTheStagedFewRowForm() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FusedGemv.addEmbedNormGemv(
                new TaskGraph("t"), new GridScheduler(), "p", 3, 8, 5, new IntArray(3), new FloatArray(24), 3,
                new FloatArray(8), new FloatArray(20), true, null, new FloatArray(15), new FloatArray(24), 1e-5f));
        assertTrue(e.getMessage().contains("rows 3"), e.getMessage());
        assertTrue(!FusedGemv.embedFits(1, false));
    }
}
