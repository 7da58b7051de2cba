package io.jmamba.model.testing;

import io.jmamba.model.weights.SafetensorsFile;

import java.net.URISyntaxException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A golden model fixture: the checkpoint folder, its input_ids [2, 24], the float64-forward logits
 * [2, 24, vocab] and the 12 greedy tokens after input_ids[0].
 */
public record Golden(String name, Path modelDir, int[][] inputIds, float[][][] logits, int[] greedyIds) {
    public static Golden load(String name) {
        Path root = resource("/fixtures/models");
        SafetensorsFile f = SafetensorsFile.open(root.resolve(name + ".golden.safetensors"));
        long[] ids = f.longs("input_ids");
        long[] idShape = f.info("input_ids").shape();
        int batch = (int) idShape[0];
        int len = (int) idShape[1];
        int[][] inputIds = new int[batch][len];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < len; t++) {
                inputIds[b][t] = Math.toIntExact(ids[b * len + t]);
            }
        }
        float[] flat = f.floats("logits").toHeapArray();
        int vocab = (int) f.info("logits").shape()[2];
        float[][][] logits = new float[batch][len][vocab];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < len; t++) {
                System.arraycopy(flat, (b * len + t) * vocab, logits[b][t], 0, vocab);
            }
        }
        long[] g = f.longs("greedy_ids");
        int[] greedy = new int[g.length];
        for (int i = 0; i < g.length; i++) {
            greedy[i] = Math.toIntExact(g[i]);
        }
        return new Golden(name, root.resolve(name), inputIds, logits, greedy);
    }

    public static Path resource(String path) {
        try {
            return Path.of(Golden.class.getResource(path).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("test resource " + path + " not found", e);
        }
    }

    /** The fixtures' tolerance: |got - ref| <= 1e-4 * max(1, max|ref|) over the whole tensor. */
    public static void assertLogitsClose(String what, float[][][] ref, float[][][] got) {
        assertEquals(ref.length, got.length, what + ": batch");
        double maxRef = 0;
        for (float[][] s : ref) {
            for (float[] row : s) {
                for (float v : row) {
                    maxRef = Math.max(maxRef, Math.abs(v));
                }
            }
        }
        double tol = 1e-4 * Math.max(1, maxRef);
        for (int b = 0; b < ref.length; b++) {
            assertEquals(ref[b].length, got[b].length, what + ": positions of sequence " + b);
            for (int t = 0; t < ref[b].length; t++) {
                assertEquals(ref[b][t].length, got[b][t].length, what + ": vocab");
                for (int v = 0; v < ref[b][t].length; v++) {
                    double err = Math.abs(ref[b][t][v] - got[b][t][v]);
                    if (!(err <= tol)) {
                        fail(what + ": logits[" + b + "][" + t + "][" + v + "] = " + got[b][t][v] + ", expected "
                                + ref[b][t][v] + " (error " + err + " > tolerance " + tol + ")");
                    }
                }
            }
        }
    }
}
