package io.jmamba.model.weights;

import io.jmamba.model.config.ConfigParser;
import io.jmamba.model.config.MambaConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.BiFunction;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WeightLoaderTest {
    @TempDir
    Path dir;

    static Path fixture(String name) throws Exception {
        return SafetensorsFileTest.fixture(name);
    }

    /**
     * Copies a fixture checkpoint into {@code dir}, passing every tensor through {@code edit}
     * (name, values) -> values to keep, with shape changes made by {@link Edit}.
     */
    record Edit(String name, float[] values, long[] shape) {
    }

    Path rewrite(String model, BiFunction<String, Edit, Edit> edit, Map<String, Edit> extra) throws Exception {
        Path src = fixture(model);
        Path out = Files.createDirectories(dir.resolve(model + "-edited"));
        Files.copy(src.resolve("config.json"), out.resolve("config.json"));
        SafetensorsFile f = SafetensorsFile.open(src.resolve("model.safetensors"));
        SafetensorsWriter w = new SafetensorsWriter();
        for (TensorInfo t : f.tensors().values()) {
            Edit e = edit.apply(t.name(), new Edit(t.name(), f.floats(t.name()).toHeapArray(), t.shape()));
            if (e != null) {
                w.add(e.name(), e.values(), e.shape());
            }
        }
        extra.values().forEach(e -> w.add(e.name(), e.values(), e.shape()));
        w.write(out.resolve("model.safetensors"));
        return out;
    }

    static ModelWeights load(Path dir) {
        MambaConfig c = ConfigParser.read(dir);
        return WeightLoader.load(c, Checkpoint.open(dir));
    }

    @Test
    void loadsBothFixtures() throws Exception {
        ModelWeights m1 = load(fixture("mamba-tiny"));
        assertEquals(3, m1.layers().size());
        assertSame(m1.embedding(), m1.lmHead(), "tied embeddings");
        Mamba1LayerWeights l0 = (Mamba1LayerWeights) m1.layers().get(0);
        assertEquals((float) -Math.exp(l0.aLog().get(5)), l0.a().get(5));
        assertEquals(null, l0.inProjBias());

        ModelWeights m2 = load(fixture("mamba2-tiny"));
        Mamba2LayerWeights l2 = (Mamba2LayerWeights) m2.layers().get(2);
        assertEquals(8, l2.a().getSize());
        assertEquals(192, l2.convBias().getSize());
    }

    @Test
    void missingTensorIsNamed() throws Exception {
        Path d = rewrite("mamba-tiny", (n, e) -> n.equals("backbone.layers.1.mixer.D") ? null : e, Map.of());
        WeightsException e = assertThrows(WeightsException.class, () -> load(d));
        assertTrue(e.getMessage().contains("missing tensor backbone.layers.1.mixer.D"), e.getMessage());
    }

    @Test
    void wrongShapeNamesTensorAndBothShapes() throws Exception {
        Path d = rewrite("mamba-tiny", (n, e) -> n.equals("backbone.layers.0.mixer.A_log")
                ? new Edit(n, java.util.Arrays.copyOf(e.values(), 128 * 8), new long[] {128, 8}) : e, Map.of());
        WeightsException e = assertThrows(WeightsException.class, () -> load(d));
        assertEquals("backbone.layers.0.mixer.A_log: expected [128, 16], got [128, 8]", e.getMessage());
    }

    @Test
    void unexpectedTensorIsNamed() throws Exception {
        Path d = rewrite("mamba2-tiny", (n, e) -> e,
                Map.of("x", new Edit("backbone.layers.3.mixer.D", new float[8], new long[] {8})));
        WeightsException e = assertThrows(WeightsException.class, () -> load(d));
        assertTrue(e.getMessage().contains("unexpected tensor backbone.layers.3.mixer.D"), e.getMessage());
    }

    @Test
    void mambaSsmEmbeddingNameAndStoredTiedHeadAreAccepted() throws Exception {
        Path d = rewrite("mamba-tiny", (n, e) -> n.equals("backbone.embeddings.weight")
                ? new Edit("backbone.embedding.weight", e.values(), e.shape()) : e, Map.of());
        ModelWeights w = load(d);
        assertEquals(512 * 64, w.embedding().getSize());
    }

    @Test
    void separateLmHeadIsRequiredWhenUntied() throws Exception {
        Path d = rewrite("mamba-tiny", (n, e) -> e, Map.of());
        Files.writeString(d.resolve("config.json"),
                Files.readString(d.resolve("config.json")).replace("\"tie_word_embeddings\": true", "\"tie_word_embeddings\": false"));
        WeightsException e = assertThrows(WeightsException.class, () -> load(d));
        assertTrue(e.getMessage().contains("missing tensor lm_head.weight"), e.getMessage());
    }

    @Test
    void shardedCheckpointEqualsSingleFile() throws Exception {
        Path src = fixture("mamba2-tiny");
        SafetensorsFile f = SafetensorsFile.open(src.resolve("model.safetensors"));
        Path out = Files.createDirectories(dir.resolve("sharded"));
        Files.copy(src.resolve("config.json"), out.resolve("config.json"));
        SafetensorsWriter a = new SafetensorsWriter();
        SafetensorsWriter b = new SafetensorsWriter();
        StringBuilder index = new StringBuilder("{\"metadata\": {}, \"weight_map\": {");
        int i = 0;
        for (TensorInfo t : f.tensors().values()) {
            boolean first = i++ % 2 == 0;
            (first ? a : b).add(t.name(), f.floats(t.name()).toHeapArray(), t.shape());
            index.append(i > 1 ? ", " : "").append('"').append(t.name()).append("\": \"")
                    .append(first ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors").append('"');
        }
        index.append("}}");
        a.write(out.resolve("model-00001-of-00002.safetensors"));
        b.write(out.resolve("model-00002-of-00002.safetensors"));
        Files.writeString(out.resolve(Checkpoint.INDEX_FILE), index);

        ModelWeights single = load(src);
        ModelWeights sharded = load(out);
        Mamba2LayerWeights s = (Mamba2LayerWeights) single.layers().get(1);
        Mamba2LayerWeights h = (Mamba2LayerWeights) sharded.layers().get(1);
        assertArrayEquals(s.inProj().toHeapArray(), h.inProj().toHeapArray());
        assertArrayEquals(s.dtBias().toHeapArray(), h.dtBias().toHeapArray());
        assertArrayEquals(single.normF().toHeapArray(), sharded.normF().toHeapArray());
    }

    @Test
    void indexPointingAtWrongShardIsReported() throws Exception {
        Path out = Files.createDirectories(dir.resolve("badindex"));
        new SafetensorsWriter().add("a", new float[] {1}, 1).write(out.resolve("s1.safetensors"));
        Files.writeString(out.resolve(Checkpoint.INDEX_FILE), "{\"weight_map\": {\"b\": \"s1.safetensors\"}}");
        WeightsException e = assertThrows(WeightsException.class, () -> Checkpoint.open(out));
        assertTrue(e.getMessage().contains("tensor b") && e.getMessage().contains("s1.safetensors"), e.getMessage());
    }

    @Test
    void emptyFolderIsReported() {
        WeightsException e = assertThrows(WeightsException.class, () -> Checkpoint.open(dir));
        assertTrue(e.getMessage().contains("model.safetensors"), e.getMessage());
    }
}
